"""Search with the external services on: a cold and a warm /music_api/search/, p50 and p95.

    .venv/bin/python bench/provider_search.py [--runs 40] [--latency-ms 150] [--page-size 14]

The request goes through the real view stack (Django's test client: middleware, DRF view,
discovery service, providers cache, real clients and transport) on a throwaway in-memory
SQLite database with a small library. The services are replayed by respx from the recorded
responses in tests/fixtures/providers, each answering after ``--latency-ms`` (an async
sleep, so concurrent calls overlap as they would on the network):

- Last.fm track.search for "believe" (its five results, two of them ours);
- iTunes for each Last.fm-only track of the page, Deezer at the same time (its answer is
  used for what iTunes lacks).

Cold: the cache (answers and provider results) is cleared before every request, so each
one waits for Last.fm, then for the enrichment of its page (iTunes and Deezer at once).
Warm: the same request again.
Nothing leaves the machine; figures vary with it, so they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import percentile  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "providers"
QUERY = "believe"


def _recorded(service: str, name: str, latency: float):
    import httpx

    content = (FIXTURES / service / name).read_bytes()

    async def answer(request):
        await asyncio.sleep(latency)
        return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})

    return answer


def _routes(router, latency: float) -> None:
    lastfm, itunes, deezer = (
        "https://ws.audioscrobbler.com/2.0/",
        "https://itunes.apple.com/search",
        "https://api.deezer.com/search",
    )
    router.get(lastfm, params={"method": "track.search"}).mock(
        side_effect=_recorded("lastfm", "track_search.json", latency)
    )
    router.get(itunes, params={"term": "Imagine Dragons Believe"}).mock(
        side_effect=_recorded("itunes", "song_imagine_dragons_believe.json", latency)
    )
    router.get(itunes).mock(side_effect=_recorded("itunes", "song_no_results.json", latency))
    router.get(deezer, params={"q": 'artist:"Imagine Dragons" track:"Believer"'}).mock(
        side_effect=_recorded("deezer", "track_imagine_dragons_believer.json", latency)
    )
    router.get(deezer).mock(side_effect=_recorded("deezer", "track_no_results.json", latency))


def _library() -> None:
    from rubysound.catalog.models import Album, Artist, Track

    cher = Artist.objects.create(name="Cher")
    Track.objects.create(
        title="Believe",
        artist=cher,
        album=Album.objects.create(title="Believe", artist=cher),
        mbid=uuid.UUID("32ca187e-ee25-4f18-b7d0-3b6713f24635"),
        library_root="/library",
        path="cher/believe.flac",
        duration=239.0,
    )
    band = Artist.objects.create(name="Library Band")
    Track.objects.create(
        title="Believe in Me",
        artist=band,
        album=Album.objects.create(title="First", artist=band),
        library_root="/library",
        path="band/believe-in-me.flac",
        duration=201.0,
    )


def _timed(client, page_size: int) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get("/music_api/search/", {"q": QUERY, "page_size": page_size})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"search answered {response.status_code}: {response.content[:200]!r}")
    return elapsed, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--page-size", type=int, default=14)
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import respx
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    providers = {
        name: {
            **options,
            "enabled": name in ("lastfm", "itunes", "deezer"),
            "api_key": "bench-key" if name == "lastfm" else "",
        }
        for name, options in settings.PROVIDERS.items()
    }
    try:
        with (
            override_settings(PROVIDERS=providers, PROVIDERS_ENABLED=True, THROTTLE_ENABLED=False),
            respx.mock(assert_all_mocked=True, assert_all_called=False) as router,
        ):
            from rest_framework.settings import api_settings

            api_settings.reload()
            _routes(router, latency)
            _library()
            client = Client()
            cold, warm = [], []
            for _ in range(args.runs):
                cache.clear()
                elapsed, body = _timed(client, args.page_size)
                cold.append(elapsed)
                elapsed, again = _timed(client, args.page_size)
                warm.append(elapsed)
            sources = ", ".join(f"{k}={v['status']}" for k, v in body["meta"]["sources"].items())
            print(
                f"search ?q={QUERY}&page_size={args.page_size}: {body['count']} results, "
                f"sources {sources}"
            )
            print(f"recorded upstream latency {args.latency_ms} ms, {args.runs} runs each")
            for label, values in (("cold", cold), ("warm", warm)):
                print(
                    f"{label:>5}: p50 {statistics.median(values) * 1000:7.1f} ms   "
                    f"p95 {percentile(values, 95) * 1000:7.1f} ms   "
                    f"max {max(values) * 1000:7.1f} ms"
                )
            if not again["meta"]["cached"]:
                raise SystemExit("the warm request was not answered from the cache")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
