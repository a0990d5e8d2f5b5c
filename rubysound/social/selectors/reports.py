"""The tracks report: which tracks the most people keep in their playlists.

People count, not rows: a track in three users' playlists ranks above one that a single
user put in five playlists. Every playlist counts (private ones and Favorites too): the
report is for staff, and it says how widely a track is kept, not what is shown publicly.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, Q

from rubysound.catalog.models import Genre, Track, genre_slug

from ..models import PlaylistItem

DEFAULT_TOP = 50
MAX_TOP = 500
MAX_HOLDERS = 500  # users listed for one track; the total is always given
GENRE_CHOICES_SHOWN = 300
REPORT_TRACK_FIELDS = ("title", "source", "artist__name", "album__title")


@dataclass(frozen=True)
class TrackRow:
    rank: int
    track: Track  # with artist and album loaded
    distinct_users: int
    playlists: int
    favorites: int


@dataclass(frozen=True)
class TrackTotals:
    distinct_users: int
    playlists: int
    favorites: int


@dataclass(frozen=True)
class Holder:
    """A user who keeps a track in at least one playlist."""

    user_id: int
    username: str
    email: str | None  # None when the viewer may not see emails (never even read then)
    playlists: int
    in_favorites: bool
    first_added_at: object  # datetime


def _tallies(items):
    """Per-track counts over playlist items: one GROUP BY on the items' track."""
    return items.values("track_id").annotate(
        distinct_users=Count("playlist__owner_id", distinct=True),
        # (playlist, track) is unique, so one item is one playlist.
        playlists=Count("pk"),
        favorites=Count("pk", filter=Q(playlist__is_favorites=True)),
    )


def top_playlisted_tracks(
    *, top: int = DEFAULT_TOP, source: str = "", genre: str = ""
) -> list[TrackRow]:
    """The ``top`` tracks by distinct playlist owners, then playlists, then Favorites.

    ``source`` is a ``Track.Source`` value or "" for all; ``genre`` a genre's name or slug
    ("" for all). Two queries whatever ``top`` is: the aggregate, then the tracks it names.
    """
    top = max(1, min(int(top), MAX_TOP))
    items = PlaylistItem.objects.all()
    if source:
        items = items.filter(track__source=source)
    if genre:
        in_genre = Track.genres.through.objects.filter(
            track_id=OuterRef("track_id"), genre__slug=genre_slug(genre)
        )
        items = items.filter(Exists(in_genre))
    tallies = list(
        _tallies(items).order_by("-distinct_users", "-playlists", "-favorites", "track_id")[:top]
    )
    tracks = (
        Track.objects.select_related("artist", "album")
        .only(*REPORT_TRACK_FIELDS)  # not the waveforms, bios and provider data
        .in_bulk([tally["track_id"] for tally in tallies])
    )
    return [
        TrackRow(
            rank=rank,
            track=tracks[tally["track_id"]],
            distinct_users=tally["distinct_users"],
            playlists=tally["playlists"],
            favorites=tally["favorites"],
        )
        for rank, tally in enumerate(tallies, start=1)
        if tally["track_id"] in tracks  # deleted between the two queries
    ]


def track_totals(track: Track) -> TrackTotals:
    """The report's counts for one track (zeros when no playlist has it)."""
    totals = PlaylistItem.objects.filter(track=track).aggregate(
        distinct_users=Count("playlist__owner_id", distinct=True),
        playlists=Count("pk"),
        favorites=Count("pk", filter=Q(playlist__is_favorites=True)),
    )
    return TrackTotals(**totals)


def track_holders(track: Track, *, with_email: bool, limit: int = MAX_HOLDERS) -> list[Holder]:
    """Users who keep ``track``, most playlists first, then by username; one query.

    Emails are only selected when ``with_email``: a page that must not show them cannot
    leak them by mistake.
    """
    fields = ["playlist__owner_id", "playlist__owner__username"]
    if with_email:
        fields.append("playlist__owner__email")
    rows = (
        PlaylistItem.objects.filter(track=track)
        .values(*fields)
        .annotate(
            playlists=Count("pk"),
            favorites=Count("pk", filter=Q(playlist__is_favorites=True)),
            first_added_at=Min("added_at"),
        )
        .order_by("-playlists", "playlist__owner__username", "playlist__owner_id")[:limit]
    )
    return [
        Holder(
            user_id=row["playlist__owner_id"],
            username=row["playlist__owner__username"],
            email=row["playlist__owner__email"] if with_email else None,
            playlists=row["playlists"],
            in_favorites=row["favorites"] > 0,
            first_added_at=row["first_added_at"],
        )
        for row in rows
    ]


def genre_names(limit: int = GENRE_CHOICES_SHOWN) -> list[str]:
    """Genre names to suggest in the report's filter."""
    return list(Genre.objects.order_by("name").values_list("name", flat=True)[:limit])
