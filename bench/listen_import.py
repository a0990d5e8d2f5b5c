"""Time to import 1000 listens through ``POST /1/submit-listens`` (ListenBrainz's ``import``)
and as a ListenBrainz export file uploaded on /history/ (``POST /history/import/``).

Three imports of 1000 listens each, as a scrobbler or a history import sends them: songs of
the library (matched by artist and title), songs we have never seen (each one becomes a
track known only by name), and the first import sent again (every listen already stored).
Each request goes through Django's test client, the whole stack but the socket: token, JSON
validation, matching, the bulk insert. Then a 1000-listen export file (ListenBrainz's JSON
array, its extra keys included) is uploaded by a signed-in browser session to /history/,
once new and once again (every listen already stored). Figures only: nothing is asserted.

The data goes into a database of its own, never the dev or test ones: a throwaway SQLite
file by default, or a PostgreSQL database named rs_bench_* (created when missing, emptied
first):

    .venv/bin/python bench/listen_import.py
    .venv/bin/python bench/listen_import.py --pg-url postgres://postgres@127.0.0.1:5432/rs_bench_listens
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_pg_database  # noqa: E402

LISTENS = 1000
LIBRARY_TRACKS = 200


def _document(listens: list[dict]) -> str:
    return json.dumps({"listen_type": "import", "payload": listens})


def _listen(artist: str, title: str, at: int) -> dict:
    return {
        "listened_at": at,
        "track_metadata": {
            "artist_name": artist,
            "track_name": title,
            "additional_info": {"submission_client": "bench"},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="a PostgreSQL database named rs_bench_*")
    options = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="rs-bench-listens-")
    os.environ["RUBYSOUND_VAR_DIR"] = scratch.name
    os.environ.pop("REDIS_URL", None)
    if options.pg_url:
        ensure_pg_database(options.pg_url, rebuild=True)
        os.environ["DATABASE_URL"] = options.pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    os.environ["LOG_LEVEL"] = "WARNING"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from rubysound.accounts import services as account_services
    from rubysound.accounts.models import User
    from rubysound.catalog.models import Artist, Listen, Track

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench")  # no password: the API key is its credential
    _, token = account_services.create_api_key(user, "bench")
    artists = [Artist.objects.create(name=f"Bench Artist {n}") for n in range(20)]
    library = [
        Track.objects.create(
            title=f"Library Song {n}",
            artist=artists[n % len(artists)],
            library_root="/bench",
            path=f"song-{n}.flac",
            duration=200,
        )
        for n in range(LIBRARY_TRACKS)
    ]
    base = int(time.time()) - 400 * 86400
    known = [
        _listen(track.artist.name.upper(), track.title.lower(), base + n * 300)
        for n, track in enumerate(library[n % LIBRARY_TRACKS] for n in range(LISTENS))
    ]
    unknown = [
        _listen(f"New Artist {n % 50}", f"New Song {n}", base + 86400 * 100 + n * 300)
        for n in range(LISTENS)
    ]
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}

    def timed(label: str, listens: list[dict]) -> None:
        body = _document(listens)
        started = time.perf_counter()
        response = client.post(
            "/1/submit-listens", body, content_type="application/json", **headers
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{label}: {response.status_code} {response.content[:300]!r}")
        print(
            f"  {label:<44} {elapsed * 1000:8.0f} ms   "
            f"({len(body) / 1024:.0f} KiB, {Listen.objects.count()} listens stored)",
            flush=True,
        )

    client.get("/1/validate-token", **headers)  # the first request loads the stack
    print(f"Importing {LISTENS} listens a request ({connection.vendor}):")
    timed("library songs (matched by artist and title)", known)
    timed("songs never seen (tracks known by name)", unknown)
    timed("the first import again (all stored already)", known)

    from django.core.files.uploadedfile import SimpleUploadedFile

    uploader = User.objects.create_user("bench-upload")
    browser = Client()
    browser.force_login(uploader)
    export = json.dumps(
        [
            {
                **listen,
                "inserted_at": listen["listened_at"] + 5,
                "user_name": "bench",
                "recording_msid": f"00000000-0000-4000-8000-{n:012d}",
            }
            for n, listen in enumerate(
                known[: LISTENS // 2]
                + [
                    _listen(f"Upload Artist {n % 25}", f"Upload Song {n}", base + n * 300 + 7)
                    for n in range(LISTENS // 2)
                ]
            )
        ]
    ).encode()

    def uploaded(label: str) -> None:
        started = time.perf_counter()
        response = browser.post(
            "/history/import/", {"file": SimpleUploadedFile("listens.json", export)}
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(f"{label}: {response.status_code} {response.content[:300]!r}")
        print(
            f"  {label:<44} {elapsed * 1000:8.0f} ms   ({len(export) / 1024:.0f} KiB, "
            f"{Listen.objects.filter(user=uploader).count()} listens of the uploader)",
            flush=True,
        )

    print(f"Uploading a {LISTENS}-listen ListenBrainz export file on /history/:")
    uploaded("half library songs, half never seen")
    uploaded("the same file again (all stored already)")
    scratch.cleanup()


if __name__ == "__main__":
    main()
