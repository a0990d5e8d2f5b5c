"""Switching external services on for a catalog test, and replaying their recordings.

``enable_services("lastfm", "itunes")`` turns those services on (with a fake key where one
is needed) and every other one off. ``upstream`` is a respx router that refuses any
request it has no route for, so a test fails the moment code asks a service it did not
expect; the real clients and the real transport run behind it.
"""

import asyncio
import json

import httpx
import pytest
import respx

from rubysound.providers.breaker import reset_breakers
from rubysound.providers.limits import reset_limits
from tests.providers.conftest import recording

LASTFM_URL = "https://ws.audioscrobbler.com/2.0/"
ITUNES_URL = "https://itunes.apple.com/search"
DEEZER_URL = "https://api.deezer.com/search"
KEYED = {"lastfm", "theaudiodb"}


@pytest.fixture
def enable_services(settings):
    def enable(*services: str) -> None:
        reset_breakers()
        reset_limits()
        settings.PROVIDERS_ENABLED = bool(services)
        settings.PROVIDERS = {
            name: {
                **options,
                "enabled": name in services,
                "api_key": "test-key" if name in KEYED and name in services else "",
            }
            for name, options in settings.PROVIDERS.items()
        }

    yield enable
    reset_breakers()
    reset_limits()


@pytest.fixture
def upstream():
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def recorded(service: str, name: str, status: int = 200, **headers) -> httpx.Response:
    content_type = headers.pop("content_type", "application/json; charset=utf-8")
    return httpx.Response(
        status, content=recording(service, name), headers={"Content-Type": content_type}
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
