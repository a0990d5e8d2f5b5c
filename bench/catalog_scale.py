"""Catalog search at scale: fills a catalog of 1,000,000 tracks, prints search latency.

    .venv/bin/python bench/catalog_scale.py --backend sqlite
    .venv/bin/python bench/catalog_scale.py --backend postgres \
        [--pg-url postgres://postgres@127.0.0.1:5432/rs_bench]

Options: --tracks 1000000 --artists 20000 --albums 80000 --queries 360 --seed 7
--words realistic|skewed (see Names; the skewed catalog has its own database)
--repeat 3 (timings per query, the median counts) --rebuild (start from an empty database;
needed to change sizes) --explain (print the plans of one search's statements).

The catalog goes into a database of its own, never the dev or test ones: SQLite
var/bench/catalog_scale.sqlite3, PostgreSQL rs_bench (created when missing). It is
generated deterministically from the seed (varied names: common words, invented words,
accented names, a few well-known artists) and written in batches through the real
schema, so the search triggers do their work as they would for a large library scan
(COPY on PostgreSQL, executemany on SQLite). A second run reuses a catalog of the
requested size. Then a few hundred typical queries (prefixes, full names, titles, typos,
multi-word, accents) are timed on search_tracks, search_artists and search_albums,
after one warm-up pass, and p50/p95/p99 are printed. Everything stays on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_pg_database, percentile  # noqa: E402

SQLITE_PATH = ROOT / "var" / "bench" / "catalog_scale.sqlite3"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/rs_bench"
BATCH = 50_000
STAMP = datetime(2026, 1, 1, tzinfo=UTC)

# --- names ------------------------------------------------------------------------------

COMMON = """
love night heart fire time life day world baby dream light girl boy home rain sun moon
star road city river sky blue black white red gold silver summer winter heaven
soul body mind eyes hands tears kiss dance party song music rhythm blues rock roll wild
young old new last first lost found free alive dead broken crazy sweet bitter cold hot
dark bright lonely happy sad little big high low long fast slow back down up away over
under again never always forever tonight tomorrow yesterday morning evening midnight
ocean sea wave shore island mountain valley desert forest garden flower rose storm thunder
lightning shadow ghost angel devil king queen prince princess lady man woman child friend
lover stranger brother sister mother father people nation war peace freedom revolution
money diamond glass stone iron steel paper electric neon radio television machine engine
train car highway street avenue boulevard bridge tower castle house room door window wall
floor roof bed fire water earth wind air smoke dust ashes bones blood skin hair lips
voice word letter story secret promise lie truth memory thought feeling wish hope prayer
faith grace glory mercy sin heaven hell paradise eden babylon jerusalem london paris
tokyo berlin california texas memphis detroit chicago brooklyn harlem hollywood
sunset sunrise twilight dawn dusk echo silence noise signal static fever pressure
gravity motion orbit planet galaxy universe cosmic atomic digital future past present
golden hour crystal velvet satin leather denim cherry honey sugar candy whiskey wine
champagne coffee tea bread salt pepper thunderbird phoenix dragon tiger lion wolf fox
bird eagle raven crow dove swan butterfly spider snake horse dog cat rabbit bear
running falling flying dreaming dancing crying lying dying living burning shining
waiting watching walking talking calling holding breaking fading rising sinking
remember forget believe imagine wonder hold stay leave come go run fly fall rise shine
burn break bleed breathe fight hide seek tell show give take make want need feel know
one two three four five seven nine hundred thousand million number zero
"""


def _words(text: str) -> list[str]:
    return text.split()


COMMON_WORDS = sorted(set(_words(COMMON)))

ONSETS = _words("b br c ch d dr f fl g gr h j k kr l m n p pl r s sh st t tr v w z")
VOWELS = _words("a e i o u ai ea ou y io")
CODAS = ["", "", "", "n", "r", "l", "s", "th", "nd", "x", "m", "k"]

FIRST_NAMES = _words("""
james mary john patricia robert jennifer michael linda william elizabeth david barbara
richard susan joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony
betty mark margaret donald sandra steven ashley paul kimberly andrew emily joshua donna
kenneth michelle kevin carol brian amanda george melissa timothy deborah ronald stephanie
jose maria luis carmen juan ana pedro lucia miguel sofia andre camille jean chloe lucas
emma noah mia leon hannah felix lena oskar ingrid sven astrid kenji yuki hiro aiko
""")
LAST_NAMES = _words("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
muller schmidt schneider fischer weber meyer wagner becker dubois moreau laurent simon
rossi russo ferrari esposito bianchi tanaka suzuki watanabe ito yamamoto nakamura
""")
ACCENTED = """
Björk|Sigur Rós|Mötley Crüe|Beyoncé|Motörhead|Céline Dion|Maná|Zoé|Röyksopp|Mø|Jóhann
Jóhannsson|Édith Piaf|Françoise Hardy|Sinéad O'Connor|Ólafur Arnalds|Café Tacvba|Héroes
del Silencio|Los Fabulosos Cadillacs|Amadou & Mariam|Blue Öyster Cult|Hüsker Dü|Queensrÿche
|Für Elise Ensemble|Dvořák Quartet|Sébastien Tellier|Loïc Nottet|Aṣa|Ñu|Angèle|Stromae
""".replace("\n", " ").split("|")
ACCENTED = [name.strip() for name in ACCENTED]
FAMOUS = """
Metallica|Nirvana|Radiohead|The Beatles|Led Zeppelin|Pink Floyd|Queen|AC/DC|Guns N' Roses
|Daft Punk|Kendrick Lamar|Taylor Swift|Blur|Oasis|Arctic Monkeys|The Rolling Stones
|Fleetwood Mac|David Bowie|Prince|Madonna|Michael Jackson|Bob Dylan|Bruce Springsteen
|The Cure|Depeche Mode|Kraftwerk|Portishead|Massive Attack|Aphex Twin|Radiohead Tribute
|Red Hot Chili Peppers|Foo Fighters|Pearl Jam|Soundgarden|Alice in Chains|Iron Maiden
|Black Sabbath|Judas Priest|Slayer|Megadeth|Eminem|Jay-Z|Kanye West|Outkast|Beastie Boys
|Miles Davis|John Coltrane|Nina Simone|Ella Fitzgerald|Billie Holiday|Louis Armstrong
""".replace("\n", "").split("|")
FAMOUS = [name.strip() for name in FAMOUS]
SUFFIXES = [" (Live)", " - Remastered 2011", " (Acoustic)", " (Radio Edit)", " (Demo)"]


# Short words as frequent as they are in real titles (weights: percent of title words).
STOPWORDS = {
    "the": 6, "you": 4, "i": 3, "me": 3, "my": 3, "a": 3, "of": 2, "in": 2, "to": 2,
    "and": 1.5, "it": 1, "on": 1, "your": 1, "we": 1, "all": 1, "for": 1, "no": 0.5,
}  # fmt: skip


class Names:
    """Deterministic, varied names: Zipf-weighted common words and invented words.

    "realistic" (default): a word of a title is a short word like "the" or "you" three
    times in ten, as in real catalogs, else a common word (Zipf over a shuffled list, the
    most frequent near 2 % of title words, as "love" is) or an invented one.
    "skewed": the first version of this generator, kept as a stress test: common words
    ranked alphabetically with a steep Zipf, so that "again" lands in 41 % of the rows and
    every word starting with a or b is very common.
    """

    def __init__(self, rng: random.Random, words: str = "realistic"):
        self.rng = rng
        self.skewed = words == "skewed"
        invented: set[str] = set()
        while len(invented) < 12_000:
            syllables = rng.choice((2, 2, 2, 3, 3, 4))
            word = "".join(
                rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                for _ in range(syllables)
            )
            invented.add(word)
        self.invented = sorted(invented)
        self.invented_cumulative = list(
            accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(self.invented)))
        )
        if self.skewed:
            self.common = COMMON_WORDS
            self.common_cumulative = list(
                accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(COMMON_WORDS)))
            )
        else:
            self.common = list(COMMON_WORDS)
            rng.shuffle(self.common)
            self.common_cumulative = list(
                accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(self.common)))
            )
        self.stopwords = list(STOPWORDS)
        self.stopwords_cumulative = list(accumulate(STOPWORDS.values()))

    def word(self) -> str:
        roll = self.rng.random()
        if self.skewed:
            if roll < 0.72:
                return self.rng.choices(self.common, cum_weights=self.common_cumulative)[0]
            return self.rng.choices(self.invented, cum_weights=self.invented_cumulative)[0]
        if roll < 0.30:
            return self.rng.choices(self.stopwords, cum_weights=self.stopwords_cumulative)[0]
        if roll < 0.75:
            return self.rng.choices(self.common, cum_weights=self.common_cumulative)[0]
        return self.rng.choices(self.invented, cum_weights=self.invented_cumulative)[0]

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.word().capitalize() for _ in range(self.rng.randint(low, high)))

    def artist(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.30:
            return f"{rng.choice(FIRST_NAMES).capitalize()} {rng.choice(LAST_NAMES).capitalize()}"
        if kind < 0.50:
            return rng.choice(self.invented).capitalize()
        if kind < 0.65:
            return f"The {self.phrase(1, 2)}s"
        if kind < 0.75:
            return self.phrase(2, 3)
        if kind < 0.82:
            return f"{rng.choice(('DJ', 'MC', 'Lil', 'Young', 'Big'))} {self.word().capitalize()}"
        if kind < 0.90:
            return f"{self.word().capitalize()} & the {self.word().capitalize()}s"
        return f"{rng.choice(self.invented).capitalize()} {rng.choice(self.invented).capitalize()}"

    def title(self) -> str:
        title = self.phrase(1, 5)
        roll = self.rng.random()
        if roll < 0.04:
            title += self.rng.choice(SUFFIXES)
        elif roll < 0.06:
            title += f" (feat. {self.artist()})"
        return title


# --- setup ------------------------------------------------------------------------------


def configure(args) -> None:
    if args.words == "skewed":  # a catalog of its own, next to the realistic one
        global SQLITE_PATH
        SQLITE_PATH = SQLITE_PATH.with_name("catalog_scale_skewed.sqlite3")
        if args.pg_url == DEFAULT_PG_URL:
            args.pg_url = DEFAULT_PG_URL + "_skewed"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    os.environ.pop("REDIS_URL", None)
    if args.backend == "postgres":
        os.environ["DATABASE_URL"] = args.pg_url
        os.environ["DB_POOL"] = "false"
        ensure_pg_database(args.pg_url, rebuild=args.rebuild)
    else:
        os.environ.pop("DATABASE_URL", None)
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    from django.conf import settings

    if args.backend == "sqlite":
        settings.DATABASES["default"]["NAME"] = str(SQLITE_PATH)
    import django

    django.setup()


# --- filling ----------------------------------------------------------------------------


def row_template(model) -> tuple[list[str], dict[str, object]]:
    """Columns of a model and a plain default for each (what Django would write)."""
    from django.db import models

    columns, defaults = [], {}
    for field in model._meta.concrete_fields:
        columns.append(field.column)
        if isinstance(field, models.DateTimeField):
            value = STAMP
        elif isinstance(field, models.JSONField):
            value = json.dumps(field.get_default()) if field.has_default() else None
        elif field.has_default() or not field.null:
            value = field.get_default()
        else:
            value = None
        defaults[field.column] = value
    return columns, defaults


class Writer:
    def __init__(self, model):
        from django.db import connection

        self.connection = connection
        self.table = model._meta.db_table
        self.columns, self.defaults = row_template(model)
        if connection.vendor == "sqlite":
            self.defaults = {
                column: value.isoformat(" ") if isinstance(value, datetime) else value
                for column, value in self.defaults.items()
            }

    def write(self, rows: list[dict]) -> None:
        values = [[row.get(c, self.defaults[c]) for c in self.columns] for row in rows]
        column_list = ", ".join(self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({column_list}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(self.columns))
                self.connection.connection.executemany(
                    f"INSERT INTO {self.table} ({column_list}) VALUES ({marks})",  # noqa: S608
                    values,
                )


def fill(args, names: Names) -> dict:
    """Writes the catalog; returns samples of what it wrote, for the queries."""
    from django.db import connection, transaction

    from rubysound.catalog.models import Album, Artist, Track
    from rubysound.core.text import fold

    rng = names.rng
    started = time.perf_counter()
    artist_names, seen = [], set()
    special = FAMOUS + ACCENTED
    while len(artist_names) < args.artists:
        name = special[len(artist_names)] if len(artist_names) < len(special) else names.artist()
        key = fold(name)
        if key not in seen:
            seen.add(key)
            artist_names.append(name)
    writer = Writer(Artist)
    with transaction.atomic():
        writer.write(
            [
                {"id": n + 1, "name": name, "name_key": fold(name)}
                for n, name in enumerate(artist_names)
            ]
        )
    print(f"  artists: {len(artist_names):,} in {time.perf_counter() - started:.1f} s", flush=True)

    # Albums: more for the well-known artists (they come first), then spread.
    started = time.perf_counter()
    albums, album_seen = [], set()
    while len(albums) < args.albums:
        n = len(albums)
        artist_id = (n % len(special)) + 1 if n < len(special) * 8 else rng.randint(1, args.artists)
        title = names.phrase(1, 4)
        if (artist_id, fold(title)) in album_seen:
            continue
        album_seen.add((artist_id, fold(title)))
        albums.append((artist_id, title))
    writer = Writer(Album)
    for start in range(0, len(albums), BATCH):
        with transaction.atomic():
            writer.write(
                [
                    {
                        "id": start + n + 1,
                        "artist_id": artist_id,
                        "title": title,
                        "title_key": fold(title),
                        "year": 1960 + (start + n) % 65,
                    }
                    for n, (artist_id, title) in enumerate(albums[start : start + BATCH])
                ]
            )
    print(f"  albums: {len(albums):,} in {time.perf_counter() - started:.1f} s", flush=True)

    started = time.perf_counter()
    writer = Writer(Track)
    sample_titles: list[tuple[str, int]] = []
    track_id = 0
    while track_id < args.tracks:
        batch = []
        for _ in range(min(BATCH, args.tracks - track_id)):
            track_id += 1
            album_id = rng.randint(1, len(albums))
            artist_id = albums[album_id - 1][0]
            title = names.title()
            batch.append(
                {
                    "id": track_id,
                    "title": title,
                    "title_key": fold(title),
                    "artist_id": artist_id,
                    "album_id": album_id,
                    "track_number": track_id % 14 + 1,
                    "disc_number": 1,
                    "duration": 120.0 + track_id % 300,
                    "source": "library",
                    "library_root": "/bench",
                    "path": f"{artist_id}/{album_id}/{track_id}.flac",
                    "format": "flac",
                    "codec": "flac",
                }
            )
            if rng.random() < 0.002:
                sample_titles.append((title, artist_id))
        with transaction.atomic():
            writer.write(batch)
        elapsed = time.perf_counter() - started
        print(
            f"  tracks: {track_id:,} / {args.tracks:,}  ({track_id / elapsed:,.0f} rows/s)",
            flush=True,
        )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Artist, Album, Track]):
            cursor.execute(sql)
    return {"artists": artist_names, "albums": albums, "titles": sample_titles}


def no_style():
    from django.core.management.color import no_style as style

    return style()


def maintain() -> None:
    """What a quiet moment does after a big import: statistics, merged index segments."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (
                "catalog_artist",
                "catalog_album",
                "catalog_track",
                "catalog_search_track",
                "catalog_search_album",
                "catalog_search_artist",
                "catalog_search_word",
                "catalog_search_variant",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
            for table in (
                "catalog_search_track_fts",
                "catalog_search_album_fts",
                "catalog_search_artist_fts",
            ):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608
    print(f"  maintenance: {time.perf_counter() - started:.1f} s", flush=True)


def existing_samples(args, names: Names) -> dict:
    """Samples from a catalog filled by an earlier run."""
    from rubysound.catalog.models import Album, Artist, Track

    rng = names.rng
    artist_names = list(Artist.objects.order_by("id").values_list("name", flat=True))
    ids = sorted(rng.sample(range(1, args.tracks + 1), 2000))
    titles = list(Track.objects.filter(id__in=ids).values_list("title", "artist_id"))
    albums = list(Album.objects.order_by("id").values_list("artist_id", "title")[:20_000])
    return {"artists": artist_names, "albums": albums, "titles": titles}


# --- queries ----------------------------------------------------------------------------


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(("substitute", "delete", "insert", "swap"))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == "substitute":
        return word[:i] + letter + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_queries(samples: dict, count: int, rng: random.Random) -> list[tuple[str, str]]:
    artists = samples["artists"]
    titles = samples["titles"]
    per_kind = max(1, count // 8)
    queries: list[tuple[str, str]] = []

    def pick_artist() -> str:
        # Half the time a well-known or accented artist, as people search for those.
        if rng.random() < 0.5:
            return rng.choice(artists[: len(FAMOUS) + len(ACCENTED)])
        return rng.choice(artists)

    for _ in range(per_kind):
        name = pick_artist()
        queries.append(("artist prefix", name[: rng.randint(2, min(6, len(name)))]))
        queries.append(("artist full", name))
        title, artist_id = rng.choice(titles)
        queries.append(("title full", title))
        queries.append(("title prefix", title[: rng.randint(3, max(3, min(12, len(title))))]))
        longest = max(name.split(), key=len)
        queries.append(("artist typo", name.replace(longest, typo(longest, rng))))
        title_word = max(title.split(), key=len)
        queries.append(("title typo", typo(title_word, rng)))
        artist_word = max(artists[artist_id - 1].split(), key=len)
        queries.append(("multi-word", f"{artist_word} {rng.choice(title.split())}"))
        accented = rng.choice(ACCENTED)
        queries.append(("accents/case", rng.choice((accented.upper(), fold_ascii(accented)))))
    return queries


def fold_ascii(text: str) -> str:
    from rubysound.core.text import fold

    return fold(text)


def measure(queries: list[tuple[str, str]], repeat: int) -> None:
    """Latency per selector over the queries, after one warm-up pass.

    Each query runs `repeat` times in a row and counts with its median: this machine is
    shared, and a single timing says as much about the neighbours as about the query.
    """
    from django.db import connection

    from rubysound.catalog.search.engine import search_albums, search_artists, search_tracks

    selectors = {
        "search_tracks(limit=20)": lambda q: search_tracks(q, limit=20),
        "search_artists(limit=10)": lambda q: search_artists(q, limit=10),
        "search_albums(limit=10)": lambda q: search_albums(q, limit=10),
    }
    print(f"\nwarm-up pass over {len(queries)} queries", flush=True)
    for _, query in queries:
        for run in selectors.values():
            run(query)
    print(
        f"\n{connection.vendor}: latency over {len(queries)} queries, "
        f"median of {repeat} runs each (ms)"
    )
    print(f"{'selector':26} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'empty':>6}")
    by_kind: dict[str, list[float]] = {}
    for label, run in selectors.items():
        timings, empty = [], 0
        for kind, query in queries:
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = run(query)
                runs.append((time.perf_counter() - started) * 1000)
            elapsed = statistics.median(runs)
            timings.append(elapsed)
            if label.startswith("search_tracks"):
                by_kind.setdefault(kind, []).append(elapsed)
                result = result[0]
            empty += not result
        print(
            f"{label:26} {statistics.median(timings):7.1f} {percentile(timings, 95):7.1f} "
            f"{percentile(timings, 99):7.1f} {max(timings):7.1f} {empty:6d}"
        )
    print("\nsearch_tracks by kind of query (ms)")
    for kind, timings in by_kind.items():
        print(
            f"  {kind:16} p50 {statistics.median(timings):6.1f}  "
            f"p95 {percentile(timings, 95):6.1f}  max {max(timings):6.1f}"
        )


def explain(queries: list[tuple[str, str]]) -> None:
    """Plans of the statements one search runs, captured while it runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rubysound.catalog.search.engine import search_tracks

    seen = set()
    for _, query in queries[:8]:
        with CaptureQueriesContext(connection) as captured:
            search_tracks(query, limit=20)
        for item in captured.captured_queries:
            sql = item["sql"]
            shape = sql.split(" WHERE ")[0][:60] + str(sql.count("LIKE"))
            if shape in seen or not sql.startswith("SELECT"):
                continue
            seen.add(shape)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
                else:
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = "\n    ".join(str(row[-1]) for row in cursor.fetchall())
            print(f"\n-- {query!r}\n{sql[:300]}\n    {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--artists", type=int, default=20_000)
    parser.add_argument("--albums", type=int, default=80_000)
    parser.add_argument("--queries", type=int, default=360)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words", choices=("realistic", "skewed"), default="realistic")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    configure(args)

    from django.core.management import call_command
    from django.db import connection

    from rubysound.catalog.models import Track

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    names = Names(random.Random(args.seed), args.words)
    present = Track.objects.count()
    if present == args.tracks:
        print(f"reusing the catalog of {present:,} tracks (--rebuild to start over)", flush=True)
        samples = existing_samples(args, names)
    elif present:
        sys.exit(f"the bench database holds {present:,} tracks, not {args.tracks:,}: --rebuild")
    else:
        print(
            f"filling {args.tracks:,} tracks, {args.albums:,} albums, {args.artists:,} artists",
            flush=True,
        )
        started = time.perf_counter()
        samples = fill(args, names)
        maintain()
        print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)
    queries = make_queries(samples, args.queries, random.Random(args.seed + 1))
    if args.explain:
        explain(queries)
    measure(queries, max(1, args.repeat))


if __name__ == "__main__":
    main()
