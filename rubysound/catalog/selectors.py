"""Catalog reads: querysets shaped so every endpoint runs a fixed number of queries, and the
cards (``types``) every list shows.

List endpoints never touch a relation per row: artists and albums come through joins
(``select_related``), genres through one ``prefetch_related`` query per page, and counts
through correlated subqueries (two ``Count`` annotations over two joins would multiply rows).
Track rows load only the columns a representation reads (``track_fields``): the waveform JSON
alone can hold a thousand numbers per track.
"""

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

# The cards other apps show, and the cached library searches, are read here too (the
# sub-domains define them; "as" marks them as this face's own).
from rubysound.catalog.browse import ALBUM_SORTS as ALBUM_SORTS
from rubysound.catalog.browse import ARTIST_SORTS as ARTIST_SORTS
from rubysound.catalog.browse import LETTERS as LETTERS
from rubysound.catalog.browse import MAX_PAGE as MAX_PAGE
from rubysound.catalog.browse import OTHER_LETTER as OTHER_LETTER
from rubysound.catalog.browse import PAGE_SIZE as BROWSE_PAGE_SIZE  # noqa: F401
from rubysound.catalog.browse import SEED_MAX as SEED_MAX
from rubysound.catalog.browse import TRACK_SORTS as TRACK_SORTS
from rubysound.catalog.browse import Page as Page
from rubysound.catalog.browse import album_decades as album_decades
from rubysound.catalog.browse import browse_albums as browse_albums
from rubysound.catalog.browse import browse_artists as browse_artists
from rubysound.catalog.browse import browse_genres as browse_genres
from rubysound.catalog.browse import browse_tracks as browse_tracks
from rubysound.catalog.browse import genre_by_slug as genre_by_slug
from rubysound.catalog.browse import genre_choices as genre_choices
from rubysound.catalog.browse import genre_detail as genre_detail
from rubysound.catalog.browse import genre_top_tracks as genre_top_tracks
from rubysound.catalog.browse import is_decade as is_decade
from rubysound.catalog.browse import letter_of as letter_of
from rubysound.catalog.discovery.artist_profiles import ArtistProfile as ArtistProfile
from rubysound.catalog.discovery.artist_profiles import artist_bios as artist_bios
from rubysound.catalog.discovery.artist_profiles import artist_profile as artist_profile
from rubysound.catalog.discovery.artist_profiles import bio_languages as bio_languages
from rubysound.catalog.discovery.artist_profiles import profile_language as profile_language
from rubysound.catalog.discovery.artist_suggestions import suggest_artists as suggest_artists
from rubysound.catalog.discovery.artist_suggestions import (
    suggestions_enabled as suggestions_enabled,
)
from rubysound.catalog.discovery.fanout import LIBRARY as LIBRARY
from rubysound.catalog.discovery.fanout import OK as OK
from rubysound.catalog.discovery.fanout import Sources as Sources
from rubysound.catalog.discovery.fanout import is_enabled as service_enabled  # noqa: F401
from rubysound.catalog.discovery.merged_charts import (
    PROVIDER_CHART_WINDOW as PROVIDER_CHART_WINDOW,
)
from rubysound.catalog.discovery.merged_charts import ProviderChart as ProviderChart
from rubysound.catalog.discovery.merged_charts import apple_chart as apple_chart
from rubysound.catalog.discovery.merged_charts import charts_enabled as charts_enabled
from rubysound.catalog.discovery.merged_charts import top_tracks_chart as top_tracks_chart
from rubysound.catalog.discovery.merged_charts import trending_artists as trending_artists
from rubysound.catalog.discovery.merged_search import search_enabled as search_enabled
from rubysound.catalog.discovery.merged_search import search_page as search_page
from rubysound.catalog.library.covers import cover_response as cover_response
from rubysound.catalog.library.covers import snap_size as snap_size
from rubysound.catalog.listening.charts import TOP_ARTISTS as TOP_ARTISTS
from rubysound.catalog.listening.charts import TOP_TRACKS as TOP_TRACKS
from rubysound.catalog.listening.charts import WINDOWS as LISTENING_WINDOWS  # noqa: F401
from rubysound.catalog.listening.charts import artist_stats as artist_stats
from rubysound.catalog.listening.charts import charted_genres as charted_genres
from rubysound.catalog.listening.charts import get_chart as get_chart
from rubysound.catalog.listening.charts import track_cards as track_cards
from rubysound.catalog.listening.history import EXPORT_BATCH_SIZE as EXPORT_BATCH_SIZE
from rubysound.catalog.listening.history import HOURS as HOURS
from rubysound.catalog.listening.history import LISTENING_RANGES as LISTENING_RANGES
from rubysound.catalog.listening.history import MAX_LISTENS_PER_READ as MAX_LISTENS_PER_READ
from rubysound.catalog.listening.history import MAX_TOP_ENTRIES as MAX_TOP_ENTRIES
from rubysound.catalog.listening.history import TOP_ENTITIES as TOP_ENTITIES
from rubysound.catalog.listening.history import WEEKDAYS as WEEKDAYS
from rubysound.catalog.listening.history import Heatmap as Heatmap
from rubysound.catalog.listening.history import latest_listen_at as latest_listen_at
from rubysound.catalog.listening.history import listening_heatmap as listening_heatmap
from rubysound.catalog.listening.history import listens_between as listens_between
from rubysound.catalog.listening.history import listens_older_than as listens_older_than
from rubysound.catalog.listening.history import user_listens_page as user_listens_page
from rubysound.catalog.listening.history import user_stats as user_stats
from rubysound.catalog.listening.history import user_top as user_top
from rubysound.catalog.listening.now_playing import now_playing_entries as now_playing_entries
from rubysound.catalog.listening.now_playing import now_playing_of as now_playing_of
from rubysound.catalog.listening.play_queue import PlayQueueState as PlayQueueState
from rubysound.catalog.listening.play_queue import get_play_queue as get_play_queue
from rubysound.catalog.listening.scrobble_links import ScrobbleLinkState as ScrobbleLinkState
from rubysound.catalog.listening.scrobble_links import (
    lastfm_linking_available as lastfm_linking_available,
)
from rubysound.catalog.listening.scrobble_links import scrobble_links_of as scrobble_links_of
from rubysound.catalog.models import Album, Artist, Genre, Listen, Track, TrackLyrics
from rubysound.catalog.search.engine import SEARCH_RESULT_CAP as SEARCH_RESULT_CAP
from rubysound.catalog.search.library import album_cover_urls as album_cover_urls
from rubysound.catalog.search.library import library_albums as library_albums
from rubysound.catalog.search.library import library_artists as library_artists
from rubysound.catalog.search.library import library_tracks as library_tracks
from rubysound.catalog.search.query import parse as parse_search_query
from rubysound.catalog.search.ranking import ALBUMS as _RANKED_ALBUMS
from rubysound.catalog.search.ranking import ARTISTS as _RANKED_ARTISTS
from rubysound.catalog.search.ranking import TRACKS as _RANKED_TRACKS
from rubysound.catalog.search.ranking import ranked_ids
from rubysound.catalog.streaming.files import content_type_for as content_type_for
from rubysound.catalog.streaming.files import stream_response as stream_response
from rubysound.catalog.streaming.transcode import plan_transcode as plan_transcode
from rubysound.catalog.streaming.transcode import transcode_response as transcode_response
from rubysound.catalog.streaming.transcode import (
    transcoding_available as transcoding_available,
)
from rubysound.catalog.track_fields import APP_TRACK_FIELDS, ARTIST_REF, TRACK_CARD_FIELDS
from rubysound.catalog.track_fields import TRACK_FIELDS as TRACK_FIELDS

# Reads kept in the cache until the catalog changes list this key with their own versions.
from rubysound.catalog.version import CACHE_KEY as CATALOG_VERSION_KEY  # noqa: F401
from rubysound.core.text import fold

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


def _tracks() -> QuerySet[Track]:
    """Tracks with everything a track representation shows, in one query plus genres."""
    return (
        Track.objects.select_related("artist", "album")
        .only(*TRACK_CARD_FIELDS)
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


def tracks_named(ids: list[int]) -> list[Track]:
    """Tracks by id with their title, artist name and album id, in the order of ``ids``
    (repeats and unknown ids left out): one query."""
    found = (
        Track.objects.select_related("artist")
        .only("pk", "title", "album_id", "artist__id", "artist__name")
        .in_bulk(ids)
    )
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


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
        .only(*TRACK_FIELDS, *ARTIST_REF)
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

_FILE_FIELDS = (
    "id",
    "source",
    "library_root",
    "path",
    "format",
    "content_hash",
    # What a transcode needs: whether to, and how long the answer is.
    "bitrate",
    "duration",
)


async def aget_track_file(pk: int) -> Track | None:
    """Only the file facts the stream needs (no joins, no waveform)."""
    return await Track.objects.only(*_FILE_FIELDS).filter(pk=pk).afirst()


async def aget_album_cover(pk: int) -> Album | None:
    return await Album.objects.only("id", "cover").filter(pk=pk).afirst()


async def aget_library_track_file(pk: int) -> Track | None:
    """A track that has a file in the library (what player apps stream), else None."""
    return (
        await Track.objects.only(*_FILE_FIELDS).filter(pk=pk, source=Track.Source.LIBRARY).afirst()
    )


async def aget_cover_album_of_track(pk: int) -> Album | None:
    return await Album.objects.only("id", "cover").filter(tracks__pk=pk).afirst()


async def aget_cover_album_of_artist(pk: int) -> Album | None:
    """The artist's first album that has a cover (else their first album), else None."""
    albums = Album.objects.only("id", "cover").filter(artist_id=pk)
    with_cover = await albums.exclude(cover="").order_by("year", "pk").afirst()
    return with_cover or await albums.order_by("pk").afirst()


def get_track_waveform(pk: int) -> tuple[bool, object]:
    """(whether the track exists, its stored waveform value), in one query."""
    rows = list(Track.objects.filter(pk=pk).values_list("waveform", flat=True)[:1])
    if not rows:
        return False, None
    return True, rows[0]


# --- Player apps (the Subsonic API): whole-library browsing, lists and pages -------------
# Every read below is a fixed number of queries per page, whatever the page size.

APP_PAGE_MAX = 500


def app_tracks() -> QuerySet[Track]:
    """Library tracks (those with a file to play) with the file facts a player app shows
    (size, bit rate, format), artist and album joined; nothing else. Their genres come from
    ``genre_names_of`` (a prefetch builds a queryset per track: half of a page of 500)."""
    return (
        Track.objects.filter(source=Track.Source.LIBRARY)
        .select_related("artist", "album")
        .only(*APP_TRACK_FIELDS)
    )


def genre_names_of(track_ids) -> dict[int, list[str]]:
    """``{track id: its genres' names, by name}`` of these tracks (one query)."""
    track_ids = list(track_ids)
    if not track_ids:
        return {}
    rows = (
        Track.genres.through.objects.filter(track_id__in=track_ids)
        .order_by("genre__name", "genre_id")
        .values_list("track_id", "genre__name")
    )
    names: dict[int, list[str]] = {}
    for track_id, name in rows:
        names.setdefault(track_id, []).append(name)
    return names


def _album_duration() -> Coalesce:
    total = (
        Track.objects.filter(album=OuterRef("pk"))
        .order_by()
        .values("album")
        .annotate(total=Sum("duration"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=FloatField()), Value(0.0))


# What a player app's album (``AlbumID3``) and artist (``ArtistID3``) show: a list of 500
# albums or the index of every artist reads nothing else (no timestamps to parse per row).
_APP_ALBUM_FIELDS = (
    "id",
    "title",
    "title_key",
    "year",
    "mbid",
    "created_at",
    "artist_id",
    "artist__id",
    "artist__name",
)
_APP_ARTIST_FIELDS = ("id", "name", "sort_name", "mbid")


def app_albums() -> QuerySet[Album]:
    """Albums with their artist, track count and total duration (seconds)."""
    return (
        Album.objects.select_related("artist")
        .only(*_APP_ALBUM_FIELDS)
        .annotate(track_count=_count_of(Track, "album"), total_duration=_album_duration())
    )


def app_artists() -> QuerySet[Artist]:
    """Artists by folded name with their album counts."""
    return (
        Artist.objects.only(*_APP_ARTIST_FIELDS)
        .annotate(album_count=_count_of(Album, "artist"))
        .order_by("name_key", "pk")
    )


class AlbumListType:
    RANDOM = "random"
    NEWEST = "newest"
    HIGHEST = "highest"
    FREQUENT = "frequent"
    RECENT = "recent"
    BY_NAME = "alphabeticalByName"
    BY_ARTIST = "alphabeticalByArtist"
    STARRED = "starred"
    BY_YEAR = "byYear"
    BY_GENRE = "byGenre"
    ALL = (
        RANDOM,
        NEWEST,
        HIGHEST,
        FREQUENT,
        RECENT,
        BY_NAME,
        BY_ARTIST,
        STARRED,
        BY_YEAR,
        BY_GENRE,
    )


def album_list(
    list_type: str,
    *,
    offset: int = 0,
    size: int = 10,
    year_from: int | None = None,
    year_to: int | None = None,
    genre: str | None = None,
    user=None,
    track_ids: frozenset[int] | None = None,
    exclude_ids=None,
) -> list[Album]:
    """One page of albums in a player app's list order, without ``exclude_ids`` (ids or a
    subquery of them) when given.

    ``highest`` and ``frequent`` rank by listens (ratings are the social app's: the Subsonic
    adapter lists a user's rated albums first and the rest from here); ``recent`` by the
    user's latest listen; ``starred`` lists the albums of ``track_ids`` (the caller's
    Favorites); ``byYear`` runs from ``year_from`` to ``year_to``, backwards when from is
    the later year.

    The page's ids are chosen first, on the indexed columns alone, and only those albums
    get their counts: a library of 100,000 albums costs the same per page as one of 100.
    """
    size = max(0, min(size, APP_PAGE_MAX))
    offset = max(0, offset)
    albums = Album.objects.all()
    if exclude_ids is not None:
        albums = albums.exclude(pk__in=exclude_ids)
    if list_type == AlbumListType.RANDOM:
        albums = albums.order_by("?")
    elif list_type == AlbumListType.NEWEST:
        albums = albums.order_by("-created_at", "-pk")
    elif list_type in (AlbumListType.HIGHEST, AlbumListType.FREQUENT):
        listens = (
            Listen.objects.filter(track__album=OuterRef("pk"))
            .order_by()
            .values("track__album")
            .annotate(n=Count("*"))
            .values("n")
        )
        albums = albums.annotate(
            listen_count=Coalesce(Subquery(listens, output_field=IntegerField()), Value(0))
        ).order_by("-listen_count", "title_key", "pk")
    elif list_type == AlbumListType.RECENT:
        latest = (
            Listen.objects.filter(track__album=OuterRef("pk"), user=user)
            .order_by()
            .values("track__album")
            .annotate(at=Max("listened_at"))
            .values("at")
        )
        albums = (
            albums.annotate(last_listen=Subquery(latest))
            .filter(last_listen__isnull=False)
            .order_by("-last_listen", "pk")
        )
    elif list_type == AlbumListType.BY_NAME:
        albums = albums.order_by("title_key", "pk")
    elif list_type == AlbumListType.BY_ARTIST:
        albums = albums.order_by("artist__name_key", "title_key", "pk")
    elif list_type == AlbumListType.STARRED:
        albums = albums.filter(
            pk__in=Track.objects.filter(pk__in=track_ids or ()).values("album_id")
        ).order_by("title_key", "pk")
    elif list_type == AlbumListType.BY_YEAR:
        low, high = sorted((year_from or 0, year_to or 0))
        albums = albums.filter(year__gte=low, year__lte=high)
        descending = (year_from or 0) > (year_to or 0)
        albums = albums.order_by("-year" if descending else "year", "title_key", "pk")
    elif list_type == AlbumListType.BY_GENRE:
        with_genre = Track.objects.filter(genres__name__iexact=genre or "").values("album_id")
        albums = albums.filter(pk__in=with_genre).order_by("title_key", "pk")
    else:
        raise ValueError(f"unknown album list type: {list_type}")
    return in_order(app_albums(), page_ids(albums, offset=offset, size=size))


def page_ids(queryset: QuerySet, *, offset: int, size: int) -> list[int]:
    """The primary keys of one page of ``queryset`` in its order, in one query that reads
    no more than the ordering needs."""
    offset, size = max(0, offset), max(0, size)
    if size == 0:
        return []
    return list(queryset.values_list("pk", flat=True)[offset : offset + size])


def library_page(kind: str, *, offset: int, size: int) -> list:
    """One page of every artist, album or library track, in the order they were added
    (stable while an app pages through them), each as ``app_artists``, ``app_albums`` or
    ``app_tracks`` shape it."""
    size = max(0, min(size, APP_PAGE_MAX))
    if kind == "artist":
        rows, shaped = Artist.objects.order_by("pk"), app_artists()
    elif kind == "album":
        rows, shaped = Album.objects.order_by("pk"), app_albums()
    elif kind == "track":
        rows = Track.objects.filter(source=Track.Source.LIBRARY).order_by("pk")
        shaped = app_tracks()
    else:
        raise ValueError(f"unknown kind: {kind}")
    return in_order(shaped, page_ids(rows, offset=offset, size=size))


def app_genres() -> QuerySet[Genre]:
    """Genres by name with how many tracks and albums carry each."""
    tracks = (
        Track.genres.through.objects.filter(genre=OuterRef("pk"))
        .order_by()
        .values("genre")
        .annotate(n=Count("*"))
        .values("n")
    )
    albums = (
        Track.genres.through.objects.filter(genre=OuterRef("pk"), track__album__isnull=False)
        .order_by()
        .values("genre")
        .annotate(n=Count("track__album", distinct=True))
        .values("n")
    )
    return Genre.objects.annotate(
        track_count=Coalesce(Subquery(tracks, output_field=IntegerField()), Value(0)),
        album_count=Coalesce(Subquery(albums, output_field=IntegerField()), Value(0)),
    ).order_by("name", "pk")


def matching_ids(kind: str, query: str, *, offset: int, count: int) -> list[int]:
    """One page of the ids of ``kind`` ("artist", "album", "track") matching ``query``,
    best first (the search engine's ranking; its cap of 1,000 results applies)."""
    parsed = parse_search_query(query)
    if parsed is None or count <= 0:
        return []
    kinds = {"artist": _RANKED_ARTISTS, "album": _RANKED_ALBUMS, "track": _RANKED_TRACKS}
    ids = ranked_ids(parsed, min(offset + count, SEARCH_RESULT_CAP), kinds[kind])
    return ids[offset : offset + count]


def in_order(queryset: QuerySet, ids: list[int]) -> list:
    """The rows of ``queryset`` with these ids, in the ids' order (missing ones skipped)."""
    rows = queryset.order_by().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def random_tracks(
    size: int, *, genre: str | None = None, year_from: int | None = None, year_to: int | None = None
) -> list[Track]:
    """Up to ``size`` library tracks in random order, of a genre and a year range if asked."""
    tracks = app_tracks()
    if genre:
        tracks = tracks.filter(genres__name__iexact=genre)
    if year_from is not None:
        tracks = tracks.filter(year__gte=year_from)
    if year_to is not None:
        tracks = tracks.filter(year__lte=year_to)
    return list(tracks.order_by("?")[: max(0, min(size, APP_PAGE_MAX))])


def tracks_of_genre(genre: str, *, offset: int = 0, count: int = 10) -> list[Track]:
    """One page of the library tracks of a genre (by name, any case), in list order."""
    count = max(0, min(count, APP_PAGE_MAX))
    tracks = app_tracks().filter(genres__name__iexact=genre).order_by(*TRACK_LIST_ORDER)
    return list(tracks[max(0, offset) : max(0, offset) + count])


def top_tracks_of_artist_named(name: str, *, count: int = 50) -> list[Track]:
    """The most listened library tracks of the artist of that name (as names are matched)."""
    count = max(0, min(count, APP_PAGE_MAX))
    return list(
        app_tracks()
        .filter(artist__name_key=fold(name))
        .annotate(listen_count=_count_of(Listen, "track"))
        .order_by("-listen_count", "title_key", "pk")[:count]
    )


# --- Lyrics ---------------------------------------------------------------------------------

# Lyrics a track has at most that an app is shown: a file with more is not a song's lyrics.
MAX_LYRICS_PER_TRACK = 20


def library_track_with_lyrics(pk: int) -> tuple[Track, list[TrackLyrics]] | None:
    """A library track (artist loaded) and its lyrics, embedded ones first, then the
    ``.lrc`` file's; None when there is no such track. Two queries."""
    track = (
        Track.objects.select_related("artist")
        .only("id", "title", "artist__name")
        .filter(pk=pk, source=Track.Source.LIBRARY)
        .first()
    )
    if track is None:
        return None
    lyrics = TrackLyrics.objects.filter(track=track).order_by("pk")[:MAX_LYRICS_PER_TRACK]
    return track, list(lyrics)


def lyrics_by_artist_and_title(
    artist: str | None, title: str | None
) -> tuple[Track, list[TrackLyrics]] | None:
    """The first library track (by id) with lyrics whose artist and title fold to the ones
    asked (either may be left out, not both), with its lyrics; None when none matches."""
    artist_key, title_key = fold(artist or ""), fold(title or "")
    if not artist_key and not title_key:
        return None
    tracks = Track.objects.filter(source=Track.Source.LIBRARY, lyrics__isnull=False)
    if artist_key:
        tracks = tracks.filter(artist__name_key=artist_key)
    if title_key:
        tracks = tracks.filter(title_key=title_key)
    pk = tracks.order_by("pk").values_list("pk", flat=True).first()
    return library_track_with_lyrics(pk) if pk is not None else None
