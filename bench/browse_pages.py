"""The browse pages at scale: fills a throwaway PostgreSQL library, prints per-page p50/p95.

    .venv/bin/python bench/browse_pages.py --tracks 100000
    .venv/bin/python bench/browse_pages.py --tracks 100000 --pg-url \
        postgres://postgres@127.0.0.1:5432/rs_bench_browse --repeat 20 --rebuild

Options: --tracks 100000 (artists are a fiftieth of that, albums a tenth) --genres 40
--listens 50000 --repeat 15 (timed requests per page, after one warm-up) --seed 7
--rebuild (start from an empty database; needed to change sizes) --explain (print the
plan of each page's slowest query) --only "/tracks/,sort=year" (the pages whose path holds
one of these).

The library goes into a database of its own, never the dev or test ones (its name must
start with rs_bench; created when missing, migrated, filled once and reused by the next
run of the same size). Pages are fetched through Django's test client as an anonymous
visitor (no edge cache in front: each request renders), first pages and a deep page of
each ordering, filters included. The cache is local memory: the track cards' play
numbers are cached after the warm-up, as they would be on a server. Figures only: nothing
is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_pg_database, percentile  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/rs_bench_browse"
BATCH = 5_000
START = datetime(2015, 1, 1, tzinfo=UTC)
# fmt: off
GENRES = [
    "Rock", "Pop", "Jazz", "Blues", "Metal", "Punk", "Folk", "Soul", "Funk", "Disco", "House",
    "Techno", "Trance", "Ambient", "Classical", "Opera", "Country", "Reggae", "Ska", "Hip-Hop",
    "Rap", "Trap", "Grime", "Drum-and-Bass", "Dubstep", "Garage", "Indie", "Grunge", "Shoegaze",
    "Post-Rock", "Electro", "Synthpop", "New-Wave", "Gospel", "Bossa-Nova", "Samba", "Salsa",
    "Tango", "Flamenco", "K-Pop", "J-Pop", "Afrobeat",
]
SYLLABLES = [
    "ka", "lo", "mi", "ra", "ne", "so", "tu", "va", "be", "di", "fo", "gu", "hi", "ja", "ke", "lu",
    "ma", "no", "pi", "qu", "re", "si", "ta", "vo", "wy", "xe", "yo", "zu",
]
# fmt: on
ACCENTS = ["Ä", "Ö", "É", "Ø", "Ñ", "Ç", "Ž", "Ł", "4", "7"]


def configure(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ["DB_POOL"] = "false"
    ensure_pg_database(args.pg_url, rebuild=args.rebuild)
    import django

    django.setup()


def word(rng: random.Random) -> str:
    text = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    if rng.random() < 0.05:
        text = rng.choice(ACCENTS) + text
    return text.capitalize()


def fill(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from rubysound.catalog.models import Album, Artist, Genre, Listen, Track
    from rubysound.core.text import fold

    if Track.objects.count() == args.tracks:
        print(f"reusing the library of {args.tracks} tracks", flush=True)
        return
    if Track.objects.exists():
        sys.exit("the bench database holds another size: run with --rebuild")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    span = (datetime(2026, 11, 1, tzinfo=UTC) - START).total_seconds()

    def stamp() -> datetime:
        return START + timedelta(seconds=rng.random() * span)

    with transaction.atomic():
        genres = Genre.objects.bulk_create(
            [Genre(name=name, slug=name.lower()) for name in GENRES[: args.genres]]
        )
        artist_count = max(1, args.tracks // 50)
        artists = Artist.objects.bulk_create(
            # bulk_create skips save(): the keys are folded here as save() would.
            [
                Artist(name=name, name_key=fold(name))
                for name in (f"{word(rng)} {word(rng)} {n}" for n in range(artist_count))
            ],
            batch_size=BATCH,
        )
        album_count = max(1, args.tracks // 10)
        albums = []
        for n in range(album_count):
            title = f"{word(rng)} {word(rng)} {n}"
            year = rng.choice([None, *range(1955, 2027)])
            albums.append(
                Album(
                    title=title,
                    title_key=fold(title),
                    artist=artists[n % artist_count],
                    year=year,
                    cover="covers/original/x.jpg" if rng.random() < 0.7 else "",
                )
            )
        albums = Album.objects.bulk_create(albums, batch_size=BATCH)
        print(f"  {artist_count} artists, {album_count} albums", flush=True)
        through = Track.genres.through
        for start in range(0, args.tracks, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, args.tracks)):
                album = albums[n % album_count]
                title = f"{word(rng)} {word(rng)}"
                batch.append(
                    Track(
                        title=title,
                        title_key=fold(title),
                        artist_id=album.artist_id,
                        album=album,
                        track_number=n // album_count + 1,
                        disc_number=1,
                        year=album.year,
                        duration=rng.uniform(60, 600),
                        library_root="/bench",
                        path=f"bench/{n}.flac",
                        format="flac",
                    )
                )
            made = Track.objects.bulk_create(batch)
            links = []
            for track in made:
                for genre in rng.sample(genres, rng.choice((1, 1, 2))):
                    links.append(through(track_id=track.pk, genre_id=genre.pk))
            through.objects.bulk_create(links)
            print(f"  {start + len(batch)} tracks", flush=True)
        users = [
            get_user_model().objects.create_user(f"bench{n}", f"bench{n}@example.com", None)
            for n in range(20)
        ]
        track_ids = list(Track.objects.values_list("pk", flat=True))
        listens = [
            Listen(
                user=rng.choice(users),
                track_id=rng.choice(track_ids[: len(track_ids) // 5 or 1])
                if rng.random() < 0.8
                else rng.choice(track_ids),
                listened_at=stamp(),
            )
            for _ in range(args.listens)
        ]
        Listen.objects.bulk_create(listens, batch_size=BATCH, ignore_conflicts=True)
    with connection.cursor() as cursor:  # spread "added" over the years, as a library grows
        for table in ("catalog_artist", "catalog_album", "catalog_track"):
            cursor.execute(
                f"UPDATE {table} SET created_at = %s + (random() * interval '3000 days')",  # noqa: S608
                [START],
            )
    with connection.cursor() as cursor:
        for table in ("catalog_artist", "catalog_album", "catalog_track", "catalog_listen"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE catalog_track_genres")
    print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)


PAGES = [
    "/artists/",
    "/artists/?letter=m",
    "/artists/?letter=%23",
    "/artists/?sort=plays",
    "/artists/?sort=added",
    "/artists/?page=20",
    "/albums/",
    "/albums/?sort=year",
    "/albums/?sort=title",
    "/albums/?sort=plays",
    "/albums/?sort=random&seed=4242",
    "/albums/?genre=jazz",
    "/albums/?genre=jazz&decade=1990&sort=year",
    "/albums/?page=100",
    "/genres/",
    "/genres/rock/",
    "/tracks/",
    "/tracks/?sort=-title",
    "/tracks/?sort=artist",
    "/tracks/?sort=album",
    "/tracks/?sort=-year",
    "/tracks/?sort=duration",
    "/tracks/?sort=plays",
    "/tracks/?sort=added",
    "/tracks/?genre=jazz",
    "/tracks/?decade=1980&genre=rock",
    "/tracks/?q=kalo",
    "/tracks/?page=100",
    "/tracks/?page=1000",
]


def measure(args) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    print(f"\n{'page':48} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for path in PAGES:
        if args.only and not any(part in path for part in args.only.split(",")):
            continue
        response = client.get(path)
        if response.status_code != 200:
            print(f"{path:48} status {response.status_code}")
            continue
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        print(f"{path:48} {p50:8.1f} {p95:8.1f} {len(captured.captured_queries):8}", flush=True)
        if args.explain:
            slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
                print("\n".join("    " + row[0] for row in cursor.fetchall()))
        reset_queries()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--genres", type=int, default=40)
    parser.add_argument("--listens", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated parts of the page paths")
    args = parser.parse_args()
    configure(args)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill(args)
    measure(args)


if __name__ == "__main__":
    main()
