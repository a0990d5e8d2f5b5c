"""Time to drain a scrobble outbox of 10,000 listens into a second RubySound server.

User "alice" has a ListenBrainz link to user "bruno"'s API key on a second server (a real
uvicorn process, on the same database as RubySound's test servers are). Her 10,000 listens
of library songs are imported at once (queued in the outbox in the import's transaction),
then the worker's own loop (``scrobble_outbox.drain``, what ``manage.py scrobble_worker``
runs) sends them as ListenBrainz imports of 1000 listens, the peer matching and storing each.
Prints the queueing time, the drain time and the rate; checks that bruno has every listen.

The data goes into a database of its own: a throwaway SQLite file by default, or a
PostgreSQL database named rs_bench_* (created when missing, emptied first):

    .venv/bin/python bench/scrobble_drain.py
    .venv/bin/python bench/scrobble_drain.py --pg-url postgres://postgres@127.0.0.1:5432/rs_bench_scrobbles
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_pg_database, free_port  # noqa: E402

LISTENS = 10_000
LIBRARY_TRACKS = 500
TARGET_SECONDS = 60


def _start_peer(port: int, log) -> subprocess.Popen:
    peer = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "rubysound.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            "--loop=uvloop",
            "--http=rubysound.core.connections:HttpToolsProtocol",
            "--no-access-log",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if peer.poll() is not None:
            raise SystemExit(f"the peer server exited with {peer.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                return peer
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the peer server did not start within 180 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="a PostgreSQL database named rs_bench_*")
    parser.add_argument("--listens", type=int, default=LISTENS)
    parser.add_argument("--batch", type=int, default=1000, help="listens per request")
    options = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="rs-bench-scrobbles-")
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

    from rubysound.accounts import services as account_services
    from rubysound.accounts.models import User
    from rubysound.catalog import services as catalog_services
    from rubysound.catalog.listening import scrobble_outbox
    from rubysound.catalog.models import Artist, Listen, ScrobbleLink, ScrobbleOutboxEntry, Track

    call_command("migrate", verbosity=0)
    alice = User.objects.create_user("alice")
    bruno = User.objects.create_user("bruno")
    _, bruno_key = account_services.create_api_key(bruno, "alice's server")
    artists = [Artist.objects.create(name=f"Bench Artist {n}") for n in range(25)]
    tracks = Track.objects.bulk_create(
        [
            Track(
                title=f"Library Song {n}",
                title_key=f"library song {n}",
                artist=artists[n % len(artists)],
                library_root="/bench",
                path=f"song-{n}.flac",
                duration=200,
            )
            for n in range(LIBRARY_TRACKS)
        ]
    )
    port = free_port()
    ScrobbleLink.objects.create(
        user=alice,
        service=ScrobbleLink.Service.LISTENBRAINZ,
        base_url=f"http://127.0.0.1:{port}",
        credential_encrypted=account_services.encrypt_service_credential(bruno_key),
    )
    start = datetime.now(UTC) - timedelta(days=300)
    history = [
        catalog_services.ImportedListen(
            user_id=alice.pk,
            track_id=tracks[n % LIBRARY_TRACKS].pk,
            listened_at=start + timedelta(minutes=3 * n),
        )
        for n in range(options.listens)
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    peer = _start_peer(port, log)
    try:
        started = time.perf_counter()
        catalog_services.import_listens(history, source=Listen.Source.PLAYER)
        queued_in = time.perf_counter() - started
        queued = ScrobbleOutboxEntry.objects.count()
        print(f"Scrobble outbox drain ({connection.vendor}, batches of {options.batch}):")
        print(
            f"  {options.listens} listens imported and queued   {queued_in:8.2f} s  "
            f"({queued} entries)"
        )

        started = time.perf_counter()
        handled = scrobble_outbox.drain(batch=options.batch)
        drained_in = time.perf_counter() - started
        left = ScrobbleOutboxEntry.objects.count()
        received = Listen.objects.filter(user=bruno).count()
        print(
            f"  drained into the second server        {drained_in:8.2f} s  "
            f"({handled} handled, {received} received, {left} left, "
            f"{received / drained_in:,.0f} listens/s; target < {TARGET_SECONDS} s)"
        )
        if received != options.listens or left:
            dead = ScrobbleOutboxEntry.objects.exclude(last_error="").values_list(
                "last_error", flat=True
            )[:3]
            print(f"  NOT ALL DELIVERED: {list(dead)}")
    finally:
        peer.terminate()
        peer.wait(timeout=30)
        log.seek(0)
        output = log.read().decode("utf-8", "replace").strip()
        if output:
            print(f"--- peer server ---\n{output[-3000:]}")
        log.close()
        scratch.cleanup()


if __name__ == "__main__":
    main()
