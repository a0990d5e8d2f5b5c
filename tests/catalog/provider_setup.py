"""Switching external services on for a catalog test, and replaying their recordings.

``enable_services("lastfm", "itunes")`` turns those services on (with a fake key where one
is needed) and every other one off. ``upstream`` is a respx router that refuses any
request it has no route for, so a test fails the moment code asks a service it did not
expect; the real clients and the real transport run behind it. Both are the provider
tests' own (``tests/providers/conftest.py``), named here for the modules that use them.
"""

import asyncio
import json

import httpx

# The fixtures, for the catalog test modules to name (``enable_services = ...``).
from tests.providers.conftest import (  # noqa: F401
    TEST_KEY,
    enable_services,
    recorded,
    upstream,
)

LASTFM_URL = "https://ws.audioscrobbler.com/2.0/"
ITUNES_URL = "https://itunes.apple.com/search"
DEEZER_URL = "https://api.deezer.com/search"
AUDIODB = f"https://www.theaudiodb.com/api/v1/json/{TEST_KEY}"
RADIOHEAD_MBID = "a74b1b7f-71a5-4011-9441-d0b5e4122711"


def route_audiodb_photos(router) -> None:
    """TheAudioDB as recorded: a photo of Radiohead (by MBID), nobody else found."""
    router.get(f"{AUDIODB}/artist-mb.php", params={"i": RADIOHEAD_MBID}).mock(
        return_value=recorded("theaudiodb", "artist_mb_radiohead.json")
    )
    router.get(f"{AUDIODB}/artist-mb.php").mock(
        return_value=recorded("theaudiodb", "artist_mb_none.json")
    )
    router.get(f"{AUDIODB}/search.php").mock(
        return_value=recorded("theaudiodb", "search_none.json")
    )


def json_response(payload, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )


def slow(response: httpx.Response, seconds: float):
    """A respx side effect answering ``response`` after ``seconds`` (an upstream's latency)."""

    async def answer(request):
        await asyncio.sleep(seconds)
        return httpx.Response(
            response.status_code, content=response.content, headers=response.headers
        )

    return answer
