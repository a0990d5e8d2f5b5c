"""Reading playlists and their tracks.

Counts are correlated subqueries rather than ``Count()`` over joins: likes and items counted
over two joins would multiply each other's rows before counting.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from rubysound.catalog.models import Track
from rubysound.catalog.selectors import TRACK_CARD_FIELDS, track_cards
from rubysound.catalog.types import TrackCard, UrlMaker
from rubysound.core.text import fold
from rubysound.core.timefmt import iso_utc

from ..models import Playlist, PlaylistItem
from .public import liked_by_expression, likes_count_expression, tracks_count_expression

SORT_POSITION = "position"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
ITEM_ORDERS = {
    SORT_POSITION: ("position", "pk"),
    SORT_NEWEST: ("-added_at", "-pk"),
    SORT_OLDEST: ("added_at", "pk"),
}


def favorites_of(user) -> Playlist | None:
    """The user's Favorites, or None for an account that has never had any (no write here)."""
    return Playlist.objects.filter(owner=user, is_favorites=True).first()


def playlist_items(playlist: Playlist) -> QuerySet[PlaylistItem]:
    """A playlist's items in order, with what the Track object needs: one query."""
    return (
        PlaylistItem.objects.filter(playlist=playlist)
        .select_related("track__artist", "track__album")
        .order_by("position", "pk")
    )


# An item as ``playlist_tracks`` reads it. Without ``only`` each row would also carry the
# track's waveform (hundreds of numbers), tags and file facts, decoded for nothing: about
# half the time of a 1,000-track read.
_ITEM_CARD_FIELDS = (
    "id",
    "playlist_id",
    "track_id",
    "position",
    "added_at",
    *(f"track__{name}" for name in TRACK_CARD_FIELDS),
)


def for_cards(items: QuerySet[PlaylistItem]) -> QuerySet[PlaylistItem]:
    """Items (from ``playlist_items`` or ``filtered_items``) loading only what their cards
    show: for reads that hand them to ``playlist_tracks`` and nothing else."""
    return items.only(*_ITEM_CARD_FIELDS)


def tracks_in(playlist: Playlist, track_ids: list[int]) -> set[int]:
    """Which of these catalog tracks ``playlist`` holds: one query."""
    if not track_ids:
        return set()
    return set(
        PlaylistItem.objects.filter(playlist=playlist, track_id__in=track_ids).values_list(
            "track_id", flat=True
        )
    )


@dataclass(frozen=True)
class PlaylistTrack:
    """A playlist item: the track's card, its place and when it came."""

    card: TrackCard
    position: int
    added_at: datetime

    def as_json(self, absolute: UrlMaker) -> dict:
        """The API's Track object with ``position`` and ``added_at``."""
        return {
            **self.card.as_json(absolute),
            "position": self.position,
            "added_at": iso_utc(self.added_at),
        }


def playlist_tracks(items) -> list[PlaylistTrack]:
    """Playlist items (with their tracks' artist and album loaded) as cards in their place.

    Listener and play counts come from the catalog's cached stats (at most one query).
    """
    items = list(items)
    cards = track_cards(item.track for item in items)
    return [
        PlaylistTrack(card, item.position, item.added_at)
        for item, card in zip(items, cards, strict=True)
    ]


# --- Playlists with their counts ----------------------------------------------------------------


def _with_counts(playlists: QuerySet[Playlist], viewer=None) -> QuerySet[Playlist]:
    """Playlists with their owner, ``likes_count``, ``tracks_count`` and ``liked_by_me``."""
    return playlists.select_related("owner").annotate(
        likes_count=likes_count_expression(),
        tracks_count=tracks_count_expression(),
        liked_by_me=liked_by_expression(viewer),
    )


def playlists_of(owner) -> QuerySet[Playlist]:
    """The owner's playlists, Favorites first, then the most recently changed: one query."""
    return _with_counts(Playlist.objects.filter(owner=owner), owner).order_by(
        "-is_favorites", "-updated_at", "-pk"
    )


def favorites_with_counts(user) -> Playlist | None:
    """The user's Favorites with counts (see ``_with_counts``), or None: never created here."""
    return _with_counts(Playlist.objects.filter(owner=user, is_favorites=True), user).first()


def playlist_with_counts(playlist: Playlist, viewer=None) -> Playlist:
    """The same playlist reloaded with its counts (after a write)."""
    return _with_counts(Playlist.objects.filter(pk=playlist.pk), viewer).get()


# --- Items: filters, and finding a track in a playlist -----------------------------------------


@dataclass(frozen=True)
class ItemFilters:
    """How a client narrows and orders a playlist's items (all optional)."""

    artist: str = ""  # part of the artist's name, matched folded (case, accents, spaces)
    year_from: int | None = None  # release year, inclusive
    year_to: int | None = None
    sort: str = SORT_POSITION


def filtered_items(playlist: Playlist | None, filters: ItemFilters) -> QuerySet[PlaylistItem]:
    """The playlist's items narrowed and ordered by ``filters``; one query to list them.

    A track's release year is its own, else its album's.
    """
    if playlist is None or playlist.pk is None:
        return PlaylistItem.objects.none()
    items = playlist_items(playlist)
    if filters.artist:
        items = items.filter(track__artist__name_key__contains=fold(filters.artist))
    if filters.year_from is not None or filters.year_to is not None:
        items = items.alias(release_year=Coalesce("track__year", "track__album__year"))
        if filters.year_from is not None:
            items = items.filter(release_year__gte=filters.year_from)
        if filters.year_to is not None:
            items = items.filter(release_year__lte=filters.year_to)
    return items.order_by(*ITEM_ORDERS[filters.sort])


@dataclass(frozen=True)
class TrackIdentity:
    """What makes two tracks the same song in a playlist: the catalog row, the MusicBrainz
    recording, or the folded title and artist name."""

    track_id: int | None = None
    mbid: str | None = None
    title_key: str = ""
    artist_key: str = ""

    @classmethod
    def of_track(cls, track: Track) -> "TrackIdentity":
        return cls(
            track_id=track.pk,
            mbid=str(track.mbid) if track.mbid else None,
            title_key=track.title_key,
            artist_key=track.artist.name_key,
        )

    @classmethod
    def of_names(cls, name: str, artist: str, mbid: str | None = None) -> "TrackIdentity":
        return cls(mbid=mbid or None, title_key=fold(name), artist_key=fold(artist))

    def as_q(self, prefix: str = "") -> Q | None:
        """A filter on tracks (``prefix`` "track__" from items); None when nothing is known."""
        alternatives = []
        if self.track_id is not None:
            alternatives.append(Q(**{f"{prefix}pk": self.track_id}))
        if self.mbid:
            alternatives.append(Q(**{f"{prefix}mbid": self.mbid}))
        if self.title_key and self.artist_key:
            alternatives.append(
                Q(
                    **{
                        f"{prefix}title_key": self.title_key,
                        f"{prefix}artist__name_key": self.artist_key,
                    }
                )
            )
        if not alternatives:
            return None
        matches = alternatives[0]
        for alternative in alternatives[1:]:
            matches |= alternative
        return matches


def matching_item(playlist: Playlist, identity: TrackIdentity) -> PlaylistItem | None:
    """The playlist's item holding the same song as ``identity``, if any (one query)."""
    matches = identity.as_q("track__")
    if matches is None:
        return None
    return playlist_items(playlist).filter(matches).first()


def catalog_track_matching(name: str, artist: str, mbid: str | None = None) -> Track | None:
    """The catalog's track for a song named by a client: by MusicBrainz id, else by folded
    title and artist name. A file of our library is preferred to a provider's track."""
    library_first = Case(When(source=Track.Source.LIBRARY, then=Value(0)), default=Value(1))
    tracks = Track.objects.select_related("artist", "album").order_by(library_first, "pk")
    if mbid:
        found = tracks.filter(mbid=mbid).first()
        if found is not None:
            return found
    return tracks.filter(title_key=fold(name), artist__name_key=fold(artist)).first()


# --- Charts: favorites weigh in ------------------------------------------------------------------

# The chart signal's name (a name of its own: tests of the charts register a "favorites").
FAVORITES_SIGNAL = "social_favorites"


def favorites_signal(
    subject: str, ids: list[int], since: datetime | None, until: datetime | None
) -> dict[int, int]:
    """People who put a track (or a track of an artist) in their Favorites within the window.

    A chart signal (``rubysound.catalog.listening.tallies.Signal``) counted like listeners are: in
    people, so one account favoriting an artist's whole discography counts once for them.
    Accounts that are switched off do not count. One GROUP BY query.
    """
    group = {"track": "track", "artist": "track__artist"}.get(subject)
    if group is None or not ids:
        return {}
    items = PlaylistItem.objects.filter(
        playlist__is_favorites=True, playlist__owner__is_active=True, **{f"{group}__in": ids}
    ).order_by()
    if since is not None:
        items = items.filter(added_at__gte=since)
    if until is not None:
        items = items.filter(added_at__lt=until)
    rows = items.values(group).annotate(people=Count("playlist", distinct=True))
    return {row[group]: row["people"] for row in rows}


def favorite_track_ids(user) -> frozenset[int]:
    """Ids of the tracks in the user's Favorites: one query (empty without any Favorites)."""
    return frozenset(
        PlaylistItem.objects.filter(playlist__owner=user, playlist__is_favorites=True).values_list(
            "track_id", flat=True
        )
    )


def favorites_added_at(user, track_ids=None) -> dict[int, object]:
    """When each track entered the user's Favorites (``{track_id: added_at}``), in one query;
    only ``track_ids`` when given."""
    items = PlaylistItem.objects.filter(playlist__owner=user, playlist__is_favorites=True)
    if track_ids is not None:
        items = items.filter(track_id__in=list(track_ids))
    return dict(items.values_list("track_id", "added_at"))


def _duration_expression() -> Coalesce:
    total = (
        PlaylistItem.objects.filter(playlist=OuterRef("pk"))
        .order_by()
        .values("playlist")
        .annotate(total=Sum("track__duration"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=FloatField()), Value(0.0))


def with_duration(playlists: QuerySet[Playlist]) -> QuerySet[Playlist]:
    """Playlists annotated with ``total_duration``: their tracks' seconds, summed."""
    return playlists.annotate(total_duration=_duration_expression())


def playlist_track_ids(playlist: Playlist) -> list[int]:
    """The playlist's track ids in their order: one query."""
    return list(playlist.items.order_by("position", "pk").values_list("track_id", flat=True))
