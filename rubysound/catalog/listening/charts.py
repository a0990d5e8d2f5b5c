"""Charts and the statistics of chart entries: the read side of listens.

A chart is the top (or trending) artists or tracks of a window (``ranking``, over the
``tallies`` of listens), turned into plain data and kept in Django's cache for a few minutes
under a key naming the chart, window, genre and limit. A request that finds the chart cached
runs no query at all; ``refresh_charts`` (and ``manage.py refresh_charts``, for a schedule)
recomputes the charts the public routes ask for, so visitors rarely meet a cold cache.
Per-entry statistics (all-time listeners and plays of a track or an artist, for search
results and listening history) are cached the same way, per entry.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.templatetags.static import static
from django.utils import timezone

from rubysound.catalog.listening import ranking
from rubysound.catalog.listening.tallies import Tally, listen_tallies, listens
from rubysound.catalog.models import DEFAULT_COVER, Album, Artist, Genre, Track, genre_slug
from rubysound.catalog.types import TrackCard

WINDOWS: dict[str, timedelta | None] = {
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
    "all": None,
}
TRENDING_WINDOWS = ("week", "month", "year")  # "all" has no previous window to grow from

TOP_ARTISTS = "artists"
TOP_TRACKS = "tracks"
TRENDING_ARTISTS = "trending-artists"
TRENDING_TRACKS = "trending-tracks"
KINDS = (TOP_ARTISTS, TOP_TRACKS, TRENDING_ARTISTS, TRENDING_TRACKS)
MAX_LIMIT = 100

# Trending needs this many distinct listeners in the current window: one account playing a
# track 500 times is one listener and cannot make it trend.
TRENDING_MIN_LISTENERS = 3
# Growth is measured on at most this many of the most listened entries of the window.
TRENDING_POOL = 500
RELEASES_PER_ARTIST = 5

CACHE_PREFIX = "charts:v1"
DEFAULT_CACHE_TTL = 300  # seconds; settings.CHARTS_CACHE_TTL overrides
STATS_CACHE_TTL = 300

# The charts the public routes ask for with their default parameters; refresh_charts()
# keeps them warm. (kind, window, limit, also per genre)
ROUTE_CHARTS = (
    (TOP_ARTISTS, "month", 16, True),  # /music_api/trending/
    (TOP_TRACKS, "year", 15, True),  # /music_api/year-chart/
    (TOP_TRACKS, "week", 50, False),  # /music_api/apple-chart/
)
API_DEFAULT_LIMIT = 20  # /api/charts/...


def cache_ttl() -> int:
    return int(getattr(settings, "CHARTS_CACHE_TTL", DEFAULT_CACHE_TTL))


def window_bounds(window: str, now: datetime | None = None) -> datetime | None:
    """The start of a window ending now (None for all time)."""
    length = WINDOWS[window]
    if length is None:
        return None
    return (now or timezone.now()) - length


# --- Plain data for responses and the cache --------------------------------------------------


def artist_api_path(artist_id: int) -> str:
    return f"/api/artists/{artist_id}/"


def album_api_path(album_id: int) -> str:
    return f"/api/albums/{album_id}/"


def track_summary(track: Track) -> dict:
    """A track as plain data (URLs relative to the site); needs artist and album loaded."""
    album = track.album if track.album_id else None
    return {
        "id": track.pk,
        "name": track.title,
        "artist": track.artist.name,
        "artist_id": track.artist_id,
        "album": album.title if album else "",
        "album_id": track.album_id,
        "url": track.stream_url or "",
        "image_url": track.image_url,
        "mbid": str(track.mbid) if track.mbid else "",
        "duration": track.duration,
        "source": track.source,
    }


def _tracks_by_id(ids: list[int]) -> dict[int, Track]:
    return Track.objects.select_related("artist", "album").in_bulk(ids)


def _track_entries(tallies: list[Tally]) -> list[dict]:
    tracks = _tracks_by_id([t.id for t in tallies])
    return [
        {**track_summary(tracks[t.id]), "listeners": t.listeners, "playcount": t.plays}
        for t in tallies
        if t.id in tracks
    ]


def _artist_entries(
    tallies: list[Tally], since: datetime | None, until: datetime | None = None
) -> list[dict]:
    """Artists with their photo and releases (albums with their plays in the window).

    Three queries whatever the number of artists: the artists, their albums, and one
    aggregate of album plays.
    """
    ids = [t.id for t in tallies]
    if not ids:
        return []
    artists = Artist.objects.only("id", "name", "mbid", "image").in_bulk(ids)
    albums_by_artist: dict[int, list[Album]] = {}
    for album in (
        Album.objects.filter(artist_id__in=ids)
        .order_by()
        .only("id", "title", "title_key", "year", "cover", "artist_id")
    ):
        albums_by_artist.setdefault(album.artist_id, []).append(album)
    album_plays = {
        row["track__album"]: row["plays"]
        for row in listens(since=since, until=until)
        .filter(track__artist__in=ids, track__album__isnull=False)
        .values("track__album")
        .annotate(plays=Count("pk"))
    }
    entries = []
    for tally in tallies:
        artist = artists.get(tally.id)
        if artist is None:
            continue
        albums = sorted(
            albums_by_artist.get(artist.pk, []),
            key=lambda a: (-album_plays.get(a.pk, 0), -(a.year or 0), a.title_key, a.pk),
        )
        releases = [
            {
                "id": album.pk,
                "title": album.title,
                "year": album.year,
                "playcount": album_plays.get(album.pk, 0),
                "url": album_api_path(album.pk),
                "cover": album.cover_url,
            }
            for album in albums[:RELEASES_PER_ARTIST]
        ]
        entries.append(
            {
                "id": artist.pk,
                "name": artist.name,
                "url": artist_api_path(artist.pk),
                "mbid": str(artist.mbid) if artist.mbid else "",
                "photo_url": _artist_photo(artist, albums),
                "listeners": tally.listeners,
                "playcount": tally.plays,
                "releases": releases,
            }
        )
    return entries


def _artist_photo(artist: Artist, albums_by_rank: list[Album]) -> str:
    """The artist's own image, else the cover of their most played release, else default."""
    if artist.image:
        return artist.image.url
    for album in albums_by_rank:
        if album.cover:
            return album.cover_url
    return static(DEFAULT_COVER)


# --- Charts: computed, cached, refreshed -------------------------------------------------------


@dataclass
class Chart:
    kind: str
    window: str
    genre: str  # the genre's slug, "" for all genres
    limit: int
    entries: list[dict]
    computed_at: str
    cached: bool = False

    def as_cached(self) -> dict:
        return {
            "kind": self.kind,
            "window": self.window,
            "genre": self.genre,
            "limit": self.limit,
            "entries": self.entries,
            "computed_at": self.computed_at,
        }


def chart_cache_key(kind: str, window: str, genre: str, limit: int) -> str:
    return f"{CACHE_PREFIX}:{kind}:{window}:{genre or '-'}:{limit}"


def _validate(kind: str, window: str, limit: int) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown chart {kind!r}")
    allowed = TRENDING_WINDOWS if kind in (TRENDING_ARTISTS, TRENDING_TRACKS) else WINDOWS
    if window not in allowed:
        raise ValueError(f"window must be one of {', '.join(allowed)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1-{MAX_LIMIT}")


def _possible_slug(slug: str) -> bool:
    """Whether a genre could have this slug (no query spent, no cache key made otherwise)."""
    return 0 < len(slug) <= Genre._meta.get_field("slug").max_length


def _genre_id(slug: str) -> int | None:
    if not _possible_slug(slug):
        return None
    return Genre.objects.filter(slug=slug).order_by().values_list("pk", flat=True).first()


def _compute(kind: str, window: str, genre_id: int | None, limit: int) -> list[dict]:
    now = timezone.now()
    since = window_bounds(window, now)
    if kind == TOP_TRACKS:
        return _track_entries(ranking.top("track", since=since, genre_id=genre_id, limit=limit))
    if kind == TOP_ARTISTS:
        tallies = ranking.top("artist", since=since, genre_id=genre_id, limit=limit)
        return _artist_entries(tallies, since)
    subject = "track" if kind == TRENDING_TRACKS else "artist"
    growth = ranking.trending(
        subject,
        since=since,
        before=since - WINDOWS[window],
        genre_id=genre_id,
        limit=limit,
        min_listeners=TRENDING_MIN_LISTENERS,
        pool=TRENDING_POOL,
    )
    tallies = [g.tally for g in growth]
    entries = _track_entries(tallies) if subject == "track" else _artist_entries(tallies, since)
    by_id = {g.tally.id: g for g in growth}
    for entry in entries:
        g = by_id[entry["id"]]
        entry["previous_listeners"] = g.previous.listeners
        entry["growth"] = round(g.growth, 4)
    return entries


def _build(kind: str, window: str, slug: str, limit: int) -> Chart | None:
    """Computes a chart; None when the genre asked for does not exist."""
    genre_id = None
    if slug:
        genre_id = _genre_id(slug)
        if genre_id is None:
            return None
    return Chart(
        kind=kind,
        window=window,
        genre=slug,
        limit=limit,
        entries=_compute(kind, window, genre_id, limit),
        computed_at=timezone.now().isoformat(),
    )


def get_chart(kind: str, *, window: str, genre: str = "", limit: int) -> Chart:
    """A chart from the cache, computed and cached on a miss (``Chart.cached`` says which).

    An unknown genre gives an empty chart, neither an error nor a cache entry (so made-up
    genres cannot fill the cache). Raises ValueError for an unknown kind or window, or a
    limit outside 1..MAX_LIMIT.
    """
    _validate(kind, window, limit)
    slug = genre_slug(genre)
    if genre and not _possible_slug(slug):
        return _empty(kind, window, slug, limit)
    key = chart_cache_key(kind, window, slug, limit)
    stored = cache.get(key)
    if stored is not None:
        return Chart(**stored, cached=True)
    chart = _build(kind, window, slug, limit)
    if chart is None:
        return _empty(kind, window, slug, limit)
    cache.set(key, chart.as_cached(), cache_ttl())
    return chart


def refresh_chart(kind: str, *, window: str, genre: str = "", limit: int) -> Chart | None:
    """Recomputes one chart and replaces its cache entry (None: unknown genre)."""
    _validate(kind, window, limit)
    slug = genre_slug(genre)
    chart = _build(kind, window, slug, limit)
    if chart is not None:
        cache.set(chart_cache_key(kind, window, slug, limit), chart.as_cached(), cache_ttl())
    return chart


def _empty(kind: str, window: str, slug: str, limit: int) -> Chart:
    return Chart(kind, window, slug, limit, [], timezone.now().isoformat(), cached=False)


def charted_genres() -> list[str]:
    """Slugs of the genres that have at least one track."""
    return list(
        Genre.objects.filter(tracks__isnull=False)
        .distinct()
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def refresh_charts(
    *, genres: Iterable[str] | None = None, windows: Iterable[str] | None = None
) -> int:
    """Warms the charts the routes ask for by default; returns how many were refreshed.

    Per genre (all charted genres unless ``genres`` is given) for the routes that take one,
    and every window of /api/charts/ (``windows`` narrows them).
    """
    genre_list = charted_genres() if genres is None else [genre_slug(g) for g in genres]
    window_list = list(WINDOWS) if windows is None else list(windows)
    specs: list[tuple[str, str, str, int]] = []
    for kind, window, limit, per_genre in ROUTE_CHARTS:
        if window in window_list:
            specs.append((kind, window, "", limit))
            if per_genre:
                specs.extend((kind, window, g, limit) for g in genre_list)
    for window in window_list:
        specs.append((TOP_ARTISTS, window, "", API_DEFAULT_LIMIT))
        specs.append((TOP_TRACKS, window, "", API_DEFAULT_LIMIT))
        if window in TRENDING_WINDOWS:
            specs.append((TRENDING_ARTISTS, window, "", API_DEFAULT_LIMIT))
            specs.append((TRENDING_TRACKS, window, "", API_DEFAULT_LIMIT))
    refreshed = 0
    for kind, window, genre, limit in dict.fromkeys(specs):
        if refresh_chart(kind, window=window, genre=genre, limit=limit) is not None:
            refreshed += 1
    return refreshed


# --- Per-entry statistics (search results, listening history) ---------------------------------


def _cached_stats(subject: str, ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """All-time (listeners, plays) per id: from the cache, the rest in one aggregate."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    keys = {f"{CACHE_PREFIX}:stats:{subject}:{pk}": pk for pk in wanted}
    found = cache.get_many(list(keys))
    stats = {keys[key]: (int(value[0]), int(value[1])) for key, value in found.items()}
    missing = [pk for pk in wanted if pk not in stats]
    if missing:
        computed = {t.id: (t.listeners, t.plays) for t in listen_tallies(subject, ids=missing)}
        fresh = {pk: computed.get(pk, (0, 0)) for pk in missing}
        cache.set_many(
            {f"{CACHE_PREFIX}:stats:{subject}:{pk}": value for pk, value in fresh.items()},
            STATS_CACHE_TTL,
        )
        stats.update(fresh)
    return stats


def track_stats(track_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """All-time (distinct listeners, plays) of each track; at most one query."""
    return _cached_stats("track", track_ids)


def artist_stats(artist_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """All-time (distinct listeners, plays) of each artist; at most one query."""
    return _cached_stats("artist", artist_ids)


def track_cards(tracks: Iterable[Track]) -> list[TrackCard]:
    """Cards of tracks (artist and album loaded) with their all-time numbers: at most one
    query, for the numbers."""
    tracks = list(tracks)
    stats = track_stats(track.pk for track in tracks)
    return [TrackCard.from_entry(track_summary(track), *stats[track.pk]) for track in tracks]
