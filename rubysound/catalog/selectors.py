"""Catalog reads for the API: querysets shaped so every endpoint runs a fixed number of queries.

List endpoints never touch a relation per row: artists and albums come through joins
(``select_related``), genres through one ``prefetch_related`` query per page, and counts
through correlated subqueries (two ``Count`` annotations over two joins would multiply rows).
Track rows load only the columns a representation reads (``TRACK_FIELDS``): the waveform JSON
alone can hold a thousand numbers per track.
"""

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from .models import Album, Artist, Genre, Listen, Track

TOP_TRACKS_LIMIT = 10

# Disc and track numbers, then title: nulls last on every backend (SQLite and PostgreSQL
# disagree on the default), the primary key last so that pages never overlap.
ALBUM_TRACK_ORDER = (
    F("disc_number").asc(nulls_last=True),
    F("track_number").asc(nulls_last=True),
    "title_key",
    "pk",
)
TRACK_LIST_ORDER = (
    "artist__name_key",
    F("album__title_key").asc(nulls_last=True),
    *ALBUM_TRACK_ORDER,
)


def _count_of(model, field: str) -> Coalesce:
    """How many ``model`` rows point at the outer row through ``field`` (0 when none)."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _genres_prefetch() -> Prefetch:
    return Prefetch("genres", queryset=Genre.objects.order_by("name"))


# What a track representation reads (TrackSerializer, Track.stream_url and image_url): the
# rest (waveform, tags, file facts, timestamps) is left in the database.
TRACK_FIELDS = (
    "id",
    "title",
    "artist_id",
    "album_id",
    "track_number",
    "disc_number",
    "year",
    "duration",
    "source",
    "format",
    "mbid",
    "preview_url",
    "remote_image_url",
)
_ARTIST_REF = ("artist__id", "artist__name")
_ALBUM_REF = ("album__id", "album__title", "album__year", "album__cover")


def _tracks() -> QuerySet[Track]:
    """Tracks with everything a track representation shows, in one query plus genres."""
    return (
        Track.objects.select_related("artist", "album")
        .only(*TRACK_FIELDS, *_ARTIST_REF, *_ALBUM_REF)
        .prefetch_related(_genres_prefetch())
    )


def track_list(
    *,
    artist_id: int | None = None,
    album_id: int | None = None,
    genre_slug: str | None = None,
    year: int | None = None,
) -> QuerySet[Track]:
    """Tracks by artist, album, disc and track number, filtered; unknown ids match nothing."""
    tracks = _tracks()
    if artist_id is not None:
        tracks = tracks.filter(artist_id=artist_id)
    if album_id is not None:
        tracks = tracks.filter(album_id=album_id)
    if genre_slug:
        # A track has a genre at most once (the through table is unique), so no duplicates.
        tracks = tracks.filter(genres__slug=genre_slug)
    if year is not None:
        tracks = tracks.filter(year=year)
    return tracks.order_by(*TRACK_LIST_ORDER)


def track_detail() -> QuerySet[Track]:
    return _tracks()


def _artists() -> QuerySet[Artist]:
    return Artist.objects.annotate(
        album_count=_count_of(Album, "artist"), track_count=_count_of(Track, "artist")
    ).order_by("name_key", "pk")


def artist_list() -> QuerySet[Artist]:
    """Artists by folded name, with album and track counts (biographies left out)."""
    return _artists().defer("bio", "provider_ids")


def artist_detail() -> QuerySet[Artist]:
    return _artists()


def artist_albums(artist: Artist) -> list[Album]:
    """The artist's albums, oldest first (albums without a year last), with track counts."""
    return list(
        Album.objects.filter(artist=artist)
        .annotate(track_count=_count_of(Track, "album"))
        .order_by(F("year").asc(nulls_last=True), "title_key", "pk")
    )


def artist_top_tracks(artist: Artist, *, limit: int = TOP_TRACKS_LIMIT) -> list[Track]:
    """The artist's most listened tracks (all time), then by title; at most ``limit``."""
    return list(
        _tracks()
        .filter(artist=artist)
        .annotate(listen_count=_count_of(Listen, "track"))
        .order_by("-listen_count", "title_key", "pk")[: max(0, min(limit, TOP_TRACKS_LIMIT))]
    )


def album_detail() -> QuerySet[Album]:
    """Albums with their artist and their tracks in disc and track order."""
    tracks = (
        Track.objects.select_related("artist")
        .only(*TRACK_FIELDS, *_ARTIST_REF)
        .prefetch_related(_genres_prefetch())
        .order_by(*ALBUM_TRACK_ORDER)
    )
    return Album.objects.select_related("artist").prefetch_related(
        Prefetch("tracks", queryset=tracks)
    )


def genre_list() -> QuerySet[Genre]:
    counted = (
        Track.genres.through.objects.filter(genre=OuterRef("pk"))
        .order_by()
        .values("genre")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Genre.objects.annotate(
        track_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    ).order_by("name", "pk")


# --- Media endpoints (async views) --------------------------------------------------------

_FILE_FIELDS = ("id", "source", "library_root", "path", "format", "content_hash")


async def aget_track_file(pk: int) -> Track | None:
    """Only the file facts the stream needs (no joins, no waveform)."""
    return await Track.objects.only(*_FILE_FIELDS).filter(pk=pk).afirst()


async def aget_album_cover(pk: int) -> Album | None:
    return await Album.objects.only("id", "cover").filter(pk=pk).afirst()


def get_track_waveform(pk: int) -> tuple[bool, object]:
    """(whether the track exists, its stored waveform value), in one query."""
    rows = list(Track.objects.filter(pk=pk).values_list("waveform", flat=True)[:1])
    if not rows:
        return False, None
    return True, rows[0]
