"""A user's own listening: their listens, and whom they listened to most in a window."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from rubysound.catalog.browse import MAX_PAGE, PAGE_SIZE, Page
from rubysound.catalog.listening.charts import (
    WINDOWS,
    artist_api_path,
    track_cards,
    window_bounds,
)
from rubysound.catalog.models import Listen, Track


def user_listens(user) -> QuerySet:
    """The user's listens, newest first (served by the (user, -listened_at) index)."""
    return (
        Listen.objects.filter(user=user)
        .select_related("track__artist", "track__album")
        .order_by("-listened_at", "-pk")
    )


def user_stats(user, *, window: str, limit: int = 10, albums: bool = False) -> dict:
    """How much the user listened in a window, and to whom: a handful of bounded queries.

    ``top_tracks`` holds track cards (with their all-time numbers) and the user's plays;
    ``top_albums`` costs one query more and is left empty unless ``albums`` asks for it.
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}")
    listens = Listen.objects.filter(user=user).order_by()
    since = window_bounds(window)
    if since is not None:
        listens = listens.filter(listened_at__gte=since)
    top_artists = list(
        listens.values("track__artist", "track__artist__name")
        .annotate(plays=Count("pk"))
        .order_by("-plays", "track__artist__name", "track__artist")[:limit]
    )
    top_albums = []
    if albums:
        top_albums = list(
            listens.filter(track__album__isnull=False)
            .values("track__album", "track__album__title", "track__album__artist__name")
            .annotate(plays=Count("pk"))
            .order_by("-plays", "track__album__title", "track__album")[:limit]
        )
    top_tracks = list(
        listens.values("track").annotate(plays=Count("pk")).order_by("-plays", "track")[:limit]
    )
    tracks = Track.objects.select_related("artist", "album").in_bulk(
        [row["track"] for row in top_tracks]
    )
    top_tracks = [row for row in top_tracks if row["track"] in tracks]
    cards = track_cards(tracks[row["track"]] for row in top_tracks)
    return {
        "window": window,
        "listens": listens.count(),
        "top_artists": [
            {
                "id": row["track__artist"],
                "name": row["track__artist__name"],
                "url": artist_api_path(row["track__artist"]),
                "plays": row["plays"],
            }
            for row in top_artists
        ],
        "top_albums": [
            {
                "id": row["track__album"],
                "title": row["track__album__title"],
                "artist": row["track__album__artist__name"],
                "plays": row["plays"],
            }
            for row in top_albums
        ],
        "top_tracks": [
            {"track": card, "plays": row["plays"]}
            for row, card in zip(top_tracks, cards, strict=True)
        ],
    }


def user_listens_page(user, *, page: int = 1, size: int = PAGE_SIZE) -> Page[Listen]:
    """One page of the user's listens, newest first (a page past MAX_PAGE is empty)."""
    if page < 1 or page > MAX_PAGE:
        return Page(items=[], number=page, size=size, has_next=False)
    start = (page - 1) * size
    rows = list(user_listens(user)[start : start + size + 1])
    return Page(items=rows[:size], number=page, size=size, has_next=len(rows) > size)


# ISO weekdays, Monday first, as the heat map's rows are.
WEEKDAYS = range(1, 8)
HOURS = range(24)


@dataclass(frozen=True)
class Heatmap:
    """How many listens fell in each hour of each weekday, in one time zone.

    ``counts[day - 1][hour]`` for ISO weekday ``day`` (1 is Monday); ``peak`` is the
    largest count (0 when there is none), which the page scales the cells by.
    """

    counts: tuple[tuple[int, ...], ...]
    total: int
    peak: int


def listening_heatmap(user, *, zone: tzinfo, window: str = "all") -> Heatmap:
    """The user's listens of ``window`` by weekday and hour as ``zone`` reads their times:
    one grouped query, whatever the size of the history."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}")
    listens = Listen.objects.filter(user=user).order_by()
    since = window_bounds(window)
    if since is not None:
        listens = listens.filter(listened_at__gte=since)
    cells = [[0] * len(HOURS) for _ in WEEKDAYS]
    rows = (
        listens.annotate(
            day=ExtractIsoWeekDay("listened_at", tzinfo=zone),
            hour=ExtractHour("listened_at", tzinfo=zone),
        )
        .values("day", "hour")
        .annotate(listens=Count("pk"))
    )
    for row in rows:
        cells[row["day"] - 1][row["hour"]] = row["listens"]
    flat = [count for day in cells for count in day]
    return Heatmap(
        counts=tuple(tuple(day) for day in cells), total=sum(flat), peak=max(flat, default=0)
    )


# --- A user's listens by time and their top lists by calendar range (the ListenBrainz API) ---

MAX_LISTENS_PER_READ = 1000
MAX_TOP_ENTRIES = 1000

# Calendar ranges, as ListenBrainz names them: the current week/month/year so far, or the
# last complete one (a quarter and a half-year are the last complete ones too).
LISTENING_RANGES = (
    "this_week",
    "this_month",
    "this_year",
    "week",
    "month",
    "quarter",
    "half_yearly",
    "year",
    "all_time",
)
TOP_ENTITIES = ("artists", "recordings", "releases")


def _month_start(year: int, month: int) -> datetime:
    while month < 1:
        month += 12
        year -= 1
    return datetime(year, month, 1, tzinfo=UTC)


def range_bounds(name: str, now: datetime | None = None) -> tuple[datetime | None, datetime]:
    """The [start, end) of a calendar range in UTC; start is None for all time."""
    now = now or timezone.now()
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    this_week = today - timedelta(days=today.weekday())
    this_month = _month_start(today.year, today.month)
    this_year = datetime(today.year, 1, 1, tzinfo=UTC)
    quarter = _month_start(today.year, today.month - (today.month - 1) % 3)
    half = _month_start(today.year, 1 if today.month <= 6 else 7)
    bounds = {
        "this_week": (this_week, now),
        "this_month": (this_month, now),
        "this_year": (this_year, now),
        "week": (this_week - timedelta(days=7), this_week),
        "month": (_month_start(today.year, today.month - 1), this_month),
        "quarter": (_month_start(quarter.year, quarter.month - 3), quarter),
        "half_yearly": (_month_start(half.year, half.month - 6), half),
        "year": (datetime(today.year - 1, 1, 1, tzinfo=UTC), this_year),
        "all_time": (None, now),
    }
    if name not in bounds:
        raise ValueError(f"range must be one of {', '.join(LISTENING_RANGES)}")
    return bounds[name]


def listens_between(
    user,
    *,
    min_ts: datetime | None = None,
    max_ts: datetime | None = None,
    count: int = 25,
) -> list[Listen]:
    """At most ``count`` listens of ``user`` strictly between the bounds, newest first.

    With only ``min_ts`` these are the listens right after it (walking forward in time, as
    ListenBrainz pages); otherwise the newest before ``max_ts``.
    """
    if not 1 <= count <= MAX_LISTENS_PER_READ:
        raise ValueError(f"count must be between 1 and {MAX_LISTENS_PER_READ}")
    listens = Listen.objects.filter(user=user).select_related("track__artist", "track__album")
    if min_ts is not None:
        listens = listens.filter(listened_at__gt=min_ts)
    if max_ts is not None:
        listens = listens.filter(listened_at__lt=max_ts)
    if min_ts is not None and max_ts is None:
        rows = list(listens.order_by("listened_at", "pk")[:count])
        rows.reverse()
        return rows
    return list(listens.order_by("-listened_at", "-pk")[:count])


EXPORT_BATCH_SIZE = 1000


def listens_older_than(
    user, before: tuple[datetime, int] | None, *, count: int = EXPORT_BATCH_SIZE
) -> list[Listen]:
    """The next ``count`` listens of ``user`` after ``before`` (a listen's (listened_at,
    pk)) in newest-first order: one indexed query a batch, however deep in the history,
    so an export walks 100k listens without holding them."""
    listens = user_listens(user)
    if before is not None:
        at, pk = before
        listens = listens.filter(Q(listened_at__lt=at) | Q(listened_at=at, pk__lt=pk))
    return list(listens[:count])


def latest_listen_at(user) -> datetime | None:
    return (
        Listen.objects.filter(user=user)
        .order_by("-listened_at")
        .values_list("listened_at", flat=True)
        .first()
    )


def user_top(
    user, *, entity: str, range_name: str, count: int = 25, offset: int = 0
) -> dict | None:
    """The user's most listened artists, recordings or releases in a calendar range.

    Returns None when they have no listen in it, else ``{"entries", "total", "from",
    "to"}``: each entry a dict of the entity's names, MBIDs and ``listen_count``. Three
    queries whatever the size of the history.
    """
    if entity not in TOP_ENTITIES:
        raise ValueError(f"entity must be one of {', '.join(TOP_ENTITIES)}")
    if not 1 <= count <= MAX_TOP_ENTRIES or offset < 0:
        raise ValueError("count or offset out of range")
    start, end = range_bounds(range_name)
    listens = Listen.objects.filter(user=user, listened_at__lt=end).order_by()
    if start is not None:
        listens = listens.filter(listened_at__gte=start)
    fields = {
        "artists": ["track__artist", "track__artist__name", "track__artist__mbid"],
        "recordings": [
            "track",
            "track__title",
            "track__mbid",
            "track__artist__name",
            "track__artist__mbid",
            "track__album__title",
            "track__album__mbid",
        ],
        "releases": [
            "track__album",
            "track__album__title",
            "track__album__mbid",
            "track__album__artist__name",
            "track__album__artist__mbid",
        ],
    }[entity]
    if entity == "releases":
        listens = listens.filter(track__album__isnull=False)
    total = listens.values(fields[0]).distinct().count()
    if not total:
        return None
    rows = list(
        listens.values(*fields)
        .annotate(listen_count=Count("pk"))
        .order_by("-listen_count", fields[1], fields[0])[offset : offset + count]
    )
    return {"entries": rows, "total": total, "from": start, "to": end}
