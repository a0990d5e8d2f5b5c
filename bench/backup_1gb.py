"""Backup and restore-drill time for a PostgreSQL database of about 1 GB.

Creates its own database (``rs_bench_backup`` next to DATABASE_URL's), migrates it, fills it
with users, artists, tracks and listens (listens by SQL generate_series: the table that
grows), then times the exact commands the CronJob runs: ``manage.py backup create`` and
``manage.py backup verify --latest --drill``. Prints the figures and drops what it made.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rubysound_dev \\
        .venv/bin/python bench/backup_1gb.py [--listens 4000000]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _manage(env: dict, *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    last = result.stdout.strip().splitlines()[-1:] or [""]
    print(f"  manage.py {' '.join(args)}: {elapsed:.1f} s  {last[0]}", flush=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], sep="\n")
        raise SystemExit(f"manage.py {' '.join(args)} failed with exit {result.returncode}")
    return elapsed


def _generate(listens: int, users: int, tracks: int) -> None:
    """Runs in this process with DATABASE_URL pointing at the bench database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from rubysound.accounts.models import User
    from rubysound.catalog.models import Artist, Track

    started = time.monotonic()
    User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.com") for i in range(users)],
        batch_size=2000,
    )
    artists = Artist.objects.bulk_create(
        [Artist(name=f"Artist {i}", name_key=f"artist {i}") for i in range(tracks // 20)],
        batch_size=2000,
    )
    Track.objects.bulk_create(
        [
            Track(
                title=f"Track {i}",
                title_key=f"track {i}",
                artist=artists[i % len(artists)],
                source=Track.Source.LIBRARY,
                library_root="/bench",
                path=f"bench/{i}.flac",
                duration=180 + i % 120,
            )
            for i in range(tracks)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM accounts_user")
        first_user, last_user = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM catalog_track")
        first_track, last_track = cursor.fetchone()
        # One listen per second of a long history: (user, track, time) is unique by time.
        cursor.execute(
            """
            INSERT INTO catalog_listen (user_id, track_id, listened_at, source, created_at)
            SELECT %s + (g * 7919) %% (%s - %s + 1),
                   %s + (g * 104729) %% (%s - %s + 1),
                   timestamptz '2020-01-01' + g * interval '1 second',
                   'player', now()
            FROM generate_series(1::bigint, %s) AS g
            """,
            [first_user, last_user, first_user, first_track, last_track, first_track, listens],
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    connection.close()
    print(
        f"  generated {users} users, {tracks} tracks, {listens} listens in "
        f"{time.monotonic() - started:.1f} s; database size {size / 1024**3:.2f} GiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listens", type=int, default=4_000_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--database", default="rs_bench_backup")
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (the bench makes its own db)")
    bench_url = _with_database(base, options.database)
    backup_dir = Path(tempfile.mkdtemp(prefix="rs-bench-backups-"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "BACKUP_DIR": str(backup_dir),
        "DB_POOL": "false",
    }
    with psycopg.connect(base, autocommit=True) as admin:
        name = sql.Identifier(options.database)
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        print(f"bench database {options.database}, backups in {backup_dir}", flush=True)
        _manage(env, "migrate", "--noinput")
        os.environ.update(env)
        _generate(options.listens, options.users, options.tracks)
        create_seconds = _manage(env, "backup", "create")
        drill_seconds = _manage(env, "backup", "verify", "--latest", "--drill")
        dump = next(backup_dir.glob("*.dump"))
        print(
            f"RESULT dump={dump.stat().st_size / 1024**2:.0f} MiB "
            f"backup_create={create_seconds:.1f}s verify_drill={drill_seconds:.1f}s "
            "(wall time of the commands, Django start-up included)"
        )
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(options.database)
                )
            )
        shutil.rmtree(backup_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
