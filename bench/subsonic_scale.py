"""The Subsonic API at library scale: fills a catalog (100,000 tracks by default, through
``catalog_scale``'s generator, into a bench database of its own), then times the answers
apps ask for most, in process through Django's whole middleware stack:

- ``getAlbumList2`` (size 500, alphabeticalByName, pages through the albums),
- ``search3`` with an empty query, pages of 500 songs (how apps sync the whole library),
- ``getArtists`` (the whole artist index),

and prints p50/p95/p99 and the queries per request, then the time a client takes to sync
the whole library by ``search3`` pages of 500.

    .venv/bin/python bench/subsonic_scale.py --backend postgres \
        [--pg-url postgres://postgres@127.0.0.1:5432/rs_bench_subsonic]
    .venv/bin/python bench/subsonic_scale.py --backend sqlite

Options: --tracks 100000 --artists 5000 --albums 10000 --requests 40 --rebuild.
The database is rs_bench_subsonic (PostgreSQL) or var/bench/subsonic_scale.sqlite3.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import catalog_scale  # noqa: E402 - the generator and database setup of the search bench
from common import percentile  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/rs_bench_subsonic"
catalog_scale.SQLITE_PATH = ROOT / "var" / "bench" / "subsonic_scale.sqlite3"


class App:
    """A Subsonic app signed in with an app password, calling in process."""

    def __init__(self):
        from django.test import Client

        from rubysound.accounts import services
        from rubysound.accounts.models import User

        user = User.objects.filter(username="bench").first()
        if user is None:
            user = services.signup_user(username="bench", email="", password=None)
        _, self.secret = services.create_app_password(user, "bench")
        self.client = Client()

    def call(self, op: str, **params) -> tuple[float, int, dict]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        salt = f"{random.getrandbits(32):08x}"  # a fresh salt each request, as some apps do
        token = hashlib.md5((self.secret + salt).encode()).hexdigest()  # noqa: S324
        query = {"u": "bench", "t": token, "s": salt, "v": "1.16.1", "c": "bench", "f": "json"}
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = self.client.get(f"/rest/{op}", {**query, **params})
            elapsed = (time.perf_counter() - started) * 1000
        body = response.json()["subsonic-response"]
        if body["status"] != "ok":
            sys.exit(f"{op} failed: {body}")
        return elapsed, len(queries), body


def report(name: str, timings: list[float], queries: list[int]) -> None:
    print(
        f"{name:<42} p50 {statistics.median(timings):7.1f} ms  p95 {percentile(timings, 95):7.1f}"
        f" ms  p99 {percentile(timings, 99):7.1f} ms  queries {max(queries)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--artists", type=int, default=5_000)
    parser.add_argument("--albums", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    args.words = "realistic"
    catalog_scale.configure(args)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from rubysound.catalog.models import Track

    settings.AXES_ENABLED = False  # thousands of sign-ins from one address are the point
    # As a server with Redis runs: an app's credentials are remembered between its requests.
    settings.APP_CREDENTIALS_CACHE_SECONDS = 10
    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    present = Track.objects.count()
    if present and present != args.tracks:
        sys.exit(f"the bench database holds {present:,} tracks, not {args.tracks:,}: --rebuild")
    if not present:
        print(f"filling {args.tracks:,} tracks, {args.albums:,} albums, {args.artists:,} artists")
        catalog_scale.fill(args, catalog_scale.Names(random.Random(args.seed), "realistic"))
        catalog_scale.maintain()

    app = App()
    app.call("ping")  # warm-up: the first request loads the URLconf and middleware
    runs = args.requests

    timings, queries = [], []
    for n in range(runs):
        elapsed, count, body = app.call(
            "getAlbumList2", type="alphabeticalByName", size=500, offset=(n * 500) % args.albums
        )
        assert len(body["albumList2"]["album"]) == 500
        timings.append(elapsed)
        queries.append(count)
    report("getAlbumList2 size=500", timings, queries)

    timings, queries = [], []
    for n in range(runs):
        elapsed, count, body = app.call(
            "search3",
            query="",
            songCount=500,
            songOffset=(n * 500) % args.tracks,
            artistCount=0,
            albumCount=0,
        )
        assert len(body["searchResult3"]["song"]) == 500
        timings.append(elapsed)
        queries.append(count)
    report('search3 query="" songCount=500', timings, queries)

    timings, queries = [], []
    for _ in range(max(5, runs // 4)):
        elapsed, count, body = app.call("getArtists")
        timings.append(elapsed)
        queries.append(count)
    artists = sum(len(index["artist"]) for index in body["artists"]["index"])
    report(f"getArtists ({artists:,} artists)", timings, queries)

    started = time.perf_counter()
    songs = albums = artists = 0
    offset = 0
    while True:
        _, _, body = app.call(
            "search3",
            query="",
            songCount=500,
            songOffset=offset,
            albumCount=500,
            albumOffset=offset,
            artistCount=500,
            artistOffset=offset,
        )
        result = body["searchResult3"]
        songs += len(result["song"])
        albums += len(result["album"])
        artists += len(result["artist"])
        if not (result["song"] or result["album"] or result["artist"]):
            break
        offset += 500
    print(
        f"full sync by search3 pages of 500: {songs:,} songs, {albums:,} albums,"
        f" {artists:,} artists in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
