"""Browsing the library page by page: the artists index, the album grid, genres and the
tracks table (``/artists/``, ``/albums/``, ``/genres/``, ``/tracks/``).

Every page is one bounded query (``LIMIT size + 1``: the extra row only says whether a next
page exists, so no ``COUNT(*)`` over the library), plus a fixed number of queries for what
the page shows around it, whatever the page size. Orderings end with the primary key, so
pages never overlap or skip a row, and each ordering that runs over the big tables has an
index (migration 0003) the database can walk instead of sorting the library.

The tracks table pages through bare track ids before joining artists and albums, so deep
pages stay cheap. "Most played" has no index to walk: artists, albums and tracks rank the
played ones from the listens alone (one aggregate, cached until the next listen:
``play_ranking``) and put the never played after them (``_most_played``). The benchmark
(``bench/browse_pages.py``) prints what every page costs at 100k tracks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Mod

from rubysound.catalog.models import (
    DURATION_UNKNOWN,
    YEAR_UNKNOWN,
    Album,
    Artist,
    Genre,
    Listen,
    Track,
)
from rubysound.catalog.track_fields import TRACK_CARD_FIELDS
from rubysound.core.text import fold

PAGE_SIZE = 60
# A bound on how deep an offset may walk (300k rows at 60 a page): deeper pages are empty,
# never run.
MAX_PAGE = 5000
TOP_TRACKS_LIMIT = 50

ARTIST_SORTS = ("name", "plays", "added")
ALBUM_SORTS = ("added", "year", "title", "plays", "random")
# A leading "-" reverses a column: "-year" is the newest first.
TRACK_SORTS = ("title", "artist", "album", "year", "duration", "plays", "added")
OTHER_LETTER = "#"
LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")
FIRST_DECADE = 1900
LAST_DECADE = 2090
# Any seed in 1..SEED_MAX names one stable shuffle of the albums.
SEED_MAX = 999_999
_SHUFFLE_MULTIPLIER = 2_654_435_761  # Knuth's multiplicative hash: neighbours land far apart
_SHUFFLE_MODULUS = 4_294_967_291  # the largest prime below 2**32

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a browse list: its rows, its number (from 1) and whether more follow."""

    items: list[T]
    number: int
    size: int
    has_next: bool

    @property
    def first_index(self) -> int:
        """The position (from 1) of the page's first row in the whole list."""
        return (self.number - 1) * self.size + 1


def _paged(queryset: QuerySet, number: int, size: int) -> Page:
    if number < 1 or number > MAX_PAGE:
        return Page(items=[], number=number, size=size, has_next=False)
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(items=rows[:size], number=number, size=size, has_next=len(rows) > size)


def _count_of(queryset: QuerySet, field: str) -> Coalesce:
    """The number of ``queryset`` rows whose ``field`` is the outer row (0 when none)."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- most played -----------------------------------------------------------------------------

# What each kind's plays count through, from a listen.
_PLAYED_VIA = {"track": "track", "album": "track__album", "artist": "track__artist"}
_KEY_OF = {"track": "title_key", "album": "title_key", "artist": "name_key"}
PLAY_RANKING_CACHE_KEY = "catalog:browse:play-ranking:v1:{kind}:{latest}"
# The newest listen names the ranking, so a new listen is ranked at once; a deleted one
# (an account going) is ranked out within this many seconds.
PLAY_RANKING_TTL = 300
# The ranking is walked against a filter this many ids at a time.
_RANKING_CHUNK = 2000


def play_ranking(kind: str) -> list[tuple[int, int]]:
    """``[(id, plays)]`` of every played track, album or artist (``kind``), most played
    first, then by title or name and id: one aggregate over the listens alone, cached until
    the next listen (a few thousand groups where the library has a hundred thousand rows)."""
    latest = Listen.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    key = PLAY_RANKING_CACHE_KEY.format(kind=kind, latest=latest)
    ranking = cache.get(key)
    if ranking is None:
        via = _PLAYED_VIA[kind]
        counted = (
            Listen.objects.filter(**{f"{via}__isnull": False})
            .values(f"{via}_id")
            .annotate(plays=Count("*"))
            .order_by("-plays", f"{via}__{_KEY_OF[kind]}", f"{via}_id")
            .values_list(f"{via}_id", "plays")
        )
        ranking = list(counted)
        cache.set(key, ranking, PLAY_RANKING_TTL)
    return ranking


def _most_played(kind: str, rows: QuerySet, *, filtered: bool, page: int, size: int) -> Page:
    """``rows`` most played first (then by title or name, then id), each with ``plays``:
    the same order as counting every row's listens, in two short walks instead.

    The played rows come from the cached ranking (``play_ranking``), checked against the
    filters a chunk at a time when there are any; where they run out, the never played
    follow in title or name order (the title or name index, skipping rows with a listen).
    """
    if page < 1 or page > MAX_PAGE:
        return Page(items=[], number=page, size=size, has_next=False)
    start = (page - 1) * size
    wanted = start + size + 1
    ranking = play_ranking(kind)
    plays = dict(ranking)
    if not filtered:
        played = [row_id for row_id, _ in ranking[:wanted]]
        played_total = len(ranking)
    else:
        played = []
        for at in range(0, len(ranking), _RANKING_CHUNK):
            chunk = [row_id for row_id, _ in ranking[at : at + _RANKING_CHUNK]]
            matching = set(rows.filter(pk__in=chunk).values_list("pk", flat=True))
            played += [row_id for row_id in chunk if row_id in matching]
            if len(played) >= wanted:
                break
        played_total = len(played)
    ids = played[start:wanted]
    if len(ids) <= size:
        # The played rows end on this page (or before it): the never played follow.
        offset = max(0, start - played_total)
        listened = Listen.objects.filter(**{_PLAYED_VIA[kind]: OuterRef("pk")})
        never_played = (
            rows.exclude(Exists(listened))
            .order_by(_KEY_OF[kind], "pk")
            .values_list("pk", flat=True)
        )
        ids += list(never_played[offset : offset + size + 1 - len(ids)])
    found_rows = rows.order_by().in_bulk(ids)
    found = [found_rows[row_id] for row_id in ids if row_id in found_rows]
    for row in found:
        row.plays = plays.get(row.pk, 0)
    return Page(items=found[:size], number=page, size=size, has_next=len(found) > size)


# --- letters and decades ---------------------------------------------------------------------


def letter_of(name: str) -> str:
    """The index letter a name files under: "Ägypten" under "a", "42nd St" under "#"."""
    folded = fold(name)
    first = folded[:1]
    return first if first in LETTERS else OTHER_LETTER


def decade_range(decade: int) -> tuple[int, int]:
    return decade, decade + 9


def is_decade(value: int) -> bool:
    return FIRST_DECADE <= value <= LAST_DECADE and value % 10 == 0


def album_decades() -> list[int]:
    """The decades the library's albums were released in, oldest first (one query)."""
    years = (
        Album.objects.exclude(year=None)
        .filter(year__gte=FIRST_DECADE, year__lte=LAST_DECADE + 9)
        .annotate(decade=F("year") - Mod("year", 10))
        .order_by("decade")
        .values_list("decade", flat=True)
        .distinct()
    )
    return [int(decade) for decade in years]


def _by_decade(queryset: QuerySet, decade: int | None, field: str = "year") -> QuerySet:
    if decade is None:
        return queryset
    low, high = decade_range(decade)
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})


# --- artists ---------------------------------------------------------------------------------


def browse_artists(
    *, sort: str = "name", letter: str = "", page: int = 1, size: int = PAGE_SIZE
) -> Page[Artist]:
    """Artists under a letter ("" all, "a".."z", or "#" for names starting otherwise),
    sorted by ``ARTIST_SORTS``, each with album and track counts, ``cover_album_id`` (the
    album whose cover can stand in for a photo, else None) and, sorted by plays, ``plays``.
    """
    artists = Artist.objects.defer("bio", "provider_ids", "mbid").annotate(
        album_count=_count_of(Album.objects.all(), "artist"),
        track_count=_count_of(Track.objects.all(), "artist"),
        cover_album_id=Subquery(
            Album.objects.filter(artist=OuterRef("pk"))
            .exclude(cover="")
            .order_by(F("year").desc(nulls_last=True), "pk")
            .values("pk")[:1]
        ),
    )
    if letter == OTHER_LETTER:
        artists = artists.exclude(name_key__regex=r"^[a-z]")
    elif letter in LETTERS:
        artists = artists.filter(name_key__startswith=letter)
    if sort == "plays":
        return _most_played("artist", artists, filtered=bool(letter), page=page, size=size)
    if sort == "added":
        artists = artists.order_by("-created_at", "-pk")
    else:
        artists = artists.order_by("name_key", "pk")
    return _paged(artists, page, size)


# --- albums ----------------------------------------------------------------------------------


def _in_genre(genre_id: int) -> Exists:
    return Exists(
        Track.genres.through.objects.filter(genre_id=genre_id, track__album=OuterRef("pk"))
    )


MAX_GENRE_CHOICES = 300


def genre_choices() -> list[Genre]:
    """The genres a filter offers, by name (one query, no counts)."""
    return list(Genre.objects.order_by("name", "pk").only("id", "name", "slug")[:MAX_GENRE_CHOICES])


def genre_by_slug(slug: str) -> Genre | None:
    return Genre.objects.filter(slug=slug).first() if slug else None


def browse_albums(
    *,
    sort: str = "added",
    genre: Genre | None = None,
    decade: int | None = None,
    seed: int = 1,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page[Album]:
    """Albums (with their artist) in a genre and a decade, sorted by ``ALBUM_SORTS``:
    "random" is the shuffle ``seed`` names, the same on every page."""
    albums = Album.objects.select_related("artist").only(
        "id", "title", "year", "cover", "created_at", "artist__id", "artist__name"
    )
    if genre is not None:
        albums = albums.filter(_in_genre(genre.pk))
    albums = _by_decade(albums, decade)
    if sort == "year":
        albums = albums.order_by(F("year").desc(nulls_last=True), "title_key", "pk")
    elif sort == "title":
        albums = albums.order_by("title_key", "pk")
    elif sort == "plays":
        filtered = genre is not None or decade is not None
        return _most_played("album", albums, filtered=filtered, page=page, size=size)
    elif sort == "random":
        # Each seed is another multiplier modulo a prime: another permutation of the ids.
        multiplier = (seed * _SHUFFLE_MULTIPLIER) % _SHUFFLE_MODULUS or 1
        shuffled = Mod(F("pk") * Value(multiplier), Value(_SHUFFLE_MODULUS))
        albums = albums.annotate(shuffled=shuffled).order_by("shuffled", "pk")
    else:
        albums = albums.order_by("-created_at", "-pk")
    return _paged(albums, page, size)


# --- genres ----------------------------------------------------------------------------------


GENRE_COUNTS_CACHE_KEY = "catalog:browse:genre-counts:v1"
# Counting every genre's tracks and albums reads the whole genre link table (a few hundred
# ms at 100k tracks): counted once, kept for a few minutes. They change only when the
# library is scanned.
GENRE_COUNTS_TTL = 300


def genre_counts() -> dict[int, tuple[int, int]]:
    """{genre id: (tracks, distinct albums)} for every genre with tracks (one query, cached)."""
    counts = cache.get(GENRE_COUNTS_CACHE_KEY)
    if counts is None:
        rows = (
            Track.genres.through.objects.order_by()
            .values("genre_id")
            .annotate(tracks=Count("*"), albums=Count("track__album", distinct=True))
        )
        counts = {row["genre_id"]: (row["tracks"], row["albums"]) for row in rows}
        cache.set(GENRE_COUNTS_CACHE_KEY, counts, GENRE_COUNTS_TTL)
    return counts


def _with_counts(genres: list[Genre]) -> list[Genre]:
    counts = genre_counts() if genres else {}
    for genre in genres:
        genre.track_count, genre.album_count = counts.get(genre.pk, (0, 0))
    return genres


def browse_genres(*, page: int = 1, size: int = PAGE_SIZE) -> Page[Genre]:
    """Genres by name with ``track_count`` and ``album_count`` (distinct albums)."""
    found = _paged(Genre.objects.order_by("name", "pk"), page, size)
    _with_counts(found.items)
    return found


def genre_detail(slug: str) -> Genre | None:
    """The genre with this slug, with its counts (as ``browse_genres`` gives them)."""
    genre = Genre.objects.filter(slug=slug).first() if slug else None
    return _with_counts([genre])[0] if genre else None


# --- tracks ----------------------------------------------------------------------------------

_TRACK_ORDERS = {
    "title": (F("title_key").asc(), F("pk").asc()),
    "artist": (F("artist__name_key").asc(), F("title_key").asc(), F("pk").asc()),
    "album": (F("album__title_key").asc(nulls_last=True), F("title_key").asc(), F("pk").asc()),
    "year": (F("year").asc(nulls_last=True), F("title_key").asc(), F("pk").asc()),
    "duration": (F("duration").asc(nulls_last=True), F("pk").asc()),
    # Most played and newest first: the way anyone sorts by them first.
    "plays": (F("plays").desc(), F("title_key").asc(), F("pk").asc()),
    "added": (F("created_at").desc(), F("pk").desc()),
}


def _reversed(order: tuple) -> tuple:
    """The same ordering the other way round; rows without a value still come last."""
    return tuple(
        expression.expression.asc(nulls_last=expression.nulls_last)
        if expression.descending
        else expression.expression.desc(nulls_last=expression.nulls_last)
        for expression in order
    )


# Newest (longest) first, unknown last, in the terms of their indexes (catalog_track_*_desc).
_DESCENDING_WITH_UNKNOWN_LAST = {
    "-year": (YEAR_UNKNOWN.asc(), F("year").desc(), F("title_key").desc(), F("pk").desc()),
    "-duration": (DURATION_UNKNOWN.asc(), F("duration").desc(), F("pk").desc()),
}


def track_order(sort: str) -> tuple:
    """The ordering a tracks table ``sort`` names: "year" (oldest first), "-year"..."""
    if sort in _DESCENDING_WITH_UNKNOWN_LAST:
        return _DESCENDING_WITH_UNKNOWN_LAST[sort]
    descending = sort.startswith("-")
    order = _TRACK_ORDERS[sort.lstrip("-")]
    return _reversed(order) if descending else order


def browse_tracks(
    *,
    sort: str = "title",
    genre: Genre | None = None,
    decade: int | None = None,
    text: str = "",
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page[Track]:
    """Tracks (artist and album loaded, for the track cards) sorted by ``TRACK_SORTS``
    (``-`` first to reverse; "plays" and "added" start with the most played, the newest),
    in a genre, a decade, and whose title, artist or album holds ``text`` (case and accents
    aside)."""
    tracks = Track.objects.all()
    filtered = bool(genre is not None or decade is not None or fold(text))
    if genre is not None:
        tracks = tracks.filter(
            Exists(Track.genres.through.objects.filter(genre_id=genre.pk, track=OuterRef("pk")))
        )
    tracks = _by_decade(tracks, decade)
    folded = fold(text)
    if folded:
        tracks = tracks.filter(
            Q(title_key__contains=folded)
            | Q(artist__name_key__contains=folded)
            | Q(album__title_key__contains=folded)
        )
    if page < 1 or page > MAX_PAGE:
        return Page(items=[], number=page, size=size, has_next=False)
    if sort == "plays":
        rows = Track.objects.select_related("artist", "album").only(*TRACK_CARD_FIELDS)
        if filtered:
            rows = rows.filter(pk__in=tracks.values("pk"))
        return _most_played("track", rows, filtered=filtered, page=page, size=size)
    order = track_order(sort)
    by_plays = sort == "-plays"
    if by_plays:
        # One aggregate over the join ranks every track at once (a count per track is twice
        # as slow over a whole library).
        tracks = tracks.annotate(plays=Count("listens"))
    # A deferred join: the offset walks the ordering's index over bare track ids, and only
    # the page's rows are joined to their artist and album (deep pages stay cheap).
    start = (page - 1) * size
    window = tracks.order_by(*order).values("pk")[start : start + size + 1]
    rows = Track.objects.select_related("artist", "album").only(*TRACK_CARD_FIELDS)
    rows = rows.filter(pk__in=Subquery(window))
    if by_plays:  # the same numbers, counted for the page's rows only
        rows = rows.annotate(plays=_count_of(Listen.objects.all(), "track"))
    found = list(rows.order_by(*order))
    return Page(items=found[:size], number=page, size=size, has_next=len(found) > size)


def genre_top_tracks(genre: Genre, *, limit: int = TOP_TRACKS_LIMIT) -> list[Track]:
    """The genre's most played tracks (all time), then by title; at most ``limit``."""
    return browse_tracks(sort="plays", genre=genre, size=max(1, min(limit, TOP_TRACKS_LIMIT))).items
