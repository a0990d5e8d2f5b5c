"""Writes to playlists; the Favorites playlist of a user is created at signup.

Every change to a playlist's items locks the playlist row first (``SELECT ... FOR UPDATE``;
on SQLite the write transaction itself is exclusive), so concurrent adds, removals and moves
of the same playlist take turns: positions stay 0..n-1 without gaps or duplicates, and the
second of two identical adds finds the first one's item and is refused, never a 500.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from rubysound.catalog.models import Track
from rubysound.catalog.services import get_or_create_remote_track

from ..models import FAVORITES_TITLE, Playlist, PlaylistItem
from ..selectors.playlists import (
    TrackIdentity,
    catalog_track_matching,
    matching_item,
    playlist_items,
)


def create_favorites(user) -> Playlist:
    """The user's Favorites playlist; run by the signup service inside its transaction."""
    return Playlist.objects.create(owner=user, title=FAVORITES_TITLE, is_favorites=True)


def ensure_favorites(user) -> Playlist:
    """The user's Favorites, created when missing (accounts made by ``createsuperuser``).

    Only write paths call this; reads answer an empty Favorites without creating anything.
    """
    existing = Playlist.objects.filter(owner=user, is_favorites=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return create_favorites(user)
    except IntegrityError:  # created meanwhile by a concurrent request of the same user
        return Playlist.objects.get(owner=user, is_favorites=True)


# --- Refusals ----------------------------------------------------------------------------------


class PlaylistError(Exception):
    """A playlist write that cannot be done; ``message`` is meant for the client."""

    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TrackNotFound(PlaylistError):
    """A ``track_id`` that names no catalog track."""

    code = "not_found"


class TrackNotInPlaylist(PlaylistError):
    code = "not_found"


class TrackAlreadyInPlaylist(PlaylistError):
    """The playlist already holds that song; ``item`` is the item that holds it."""

    code = "track_exists"

    def __init__(self, item: PlaylistItem):
        super().__init__("Track already exists.")
        self.item = item


class FavoritesRule(PlaylistError):
    """Favorites are not deleted, and their visibility is the owner's profile switch."""

    code = "favorites"


class InvalidOrder(PlaylistError):
    code = "invalid_order"


TRACK_NOT_FOUND = "Track not found."
FAVORITES_NOT_DELETABLE = "Favorites cannot be deleted."
FAVORITES_VISIBILITY = (
    "The visibility of Favorites follows your profile: change is_public_favorites "
    "on /api/users/me/ instead."
)
NOT_A_PERMUTATION = "track_ids must list every track of the playlist exactly once."


# --- Playlists ---------------------------------------------------------------------------------


def favorites_visibility(playlist: Playlist) -> str:
    """What a Favorites playlist's visibility effectively is: the owner's profile switch."""
    public = playlist.owner.is_public_favorites
    return Playlist.Visibility.PUBLIC if public else Playlist.Visibility.PRIVATE


def create_playlist(
    owner, *, title: str, description: str = "", visibility: str = Playlist.Visibility.PRIVATE
) -> Playlist:
    """A new (non-Favorites) playlist of ``owner``; input is validated by the caller."""
    return Playlist.objects.create(
        owner=owner, title=title, description=description, visibility=visibility
    )


def update_playlist(
    playlist: Playlist,
    *,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Playlist:
    """Renames, re-describes or changes who may see ``playlist`` (None: left as it is).

    Favorites take their visibility from the owner's profile: asking for the one they
    already have is accepted (a client sending back what it read), another is refused.
    """
    if playlist.is_favorites and visibility is not None:
        if visibility != favorites_visibility(playlist):
            raise FavoritesRule(FAVORITES_VISIBILITY)
        visibility = None
    changes = {
        name: value
        for name, value in (
            ("title", title),
            ("description", description),
            ("visibility", visibility),
        )
        if value is not None
    }
    if not changes:
        return playlist
    with transaction.atomic():
        for name, value in changes.items():
            setattr(playlist, name, value)
        playlist.save(update_fields=[*changes, "updated_at"])
    return playlist


def rename_favorites(user, title: str) -> Playlist:
    """Gives the user's Favorites (created when missing) a new title."""
    return update_playlist(ensure_favorites(user), title=title)


def delete_playlist(playlist: Playlist) -> None:
    """Deletes a playlist with its items, likes and comments; Favorites stay."""
    if playlist.is_favorites:
        raise FavoritesRule(FAVORITES_NOT_DELETABLE)
    playlist.delete()


# --- Items -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackRef:
    """A track as a client names it: a catalog id, or a name and an artist (and an MBID)."""

    track_id: int | None = None
    name: str = ""
    artist: str = ""
    mbid: str | None = None
    album: str = ""

    def identity(self) -> TrackIdentity:
        return TrackIdentity.of_names(self.name, self.artist, self.mbid)


def _lock(playlist: Playlist) -> Playlist:
    """The playlist row, locked until the transaction ends (callers run inside one)."""
    return Playlist.objects.select_for_update().order_by().get(pk=playlist.pk)


def _touch(playlist: Playlist) -> None:
    playlist.save(update_fields=["updated_at"])


def _catalog_track(track_id: int) -> Track:
    track = Track.objects.select_related("artist", "album").filter(pk=track_id).first()
    if track is None:
        raise TrackNotFound(TRACK_NOT_FOUND)
    return track


def add_track(playlist: Playlist, ref: TrackRef, *, position: int | None = None) -> PlaylistItem:
    """Puts a track into ``playlist``, at the end or at ``position`` (later items move down).

    A track named by name and artist is the catalog's track of that name (a file of our
    library first), else it becomes a remote track. The same song already in the playlist
    (same catalog track, same MBID, or same title and artist once case, accents and spaces
    are folded) raises TrackAlreadyInPlaylist with the item holding it.
    """
    requested = TrackIdentity(track_id=ref.track_id) if ref.track_id is not None else ref.identity()
    try:
        with transaction.atomic():
            playlist = _lock(playlist)
            track = _catalog_track(ref.track_id) if ref.track_id is not None else None
            identity = TrackIdentity.of_track(track) if track is not None else ref.identity()
            existing = matching_item(playlist, identity)
            if existing is not None:
                raise TrackAlreadyInPlaylist(existing)
            if track is None:
                track = catalog_track_matching(ref.name, ref.artist, ref.mbid)
                if track is not None:
                    # Found under another identity (its MBID, say): it may be in there already.
                    existing = matching_item(playlist, TrackIdentity.of_track(track))
                    if existing is not None:
                        raise TrackAlreadyInPlaylist(existing)
                else:
                    track = get_or_create_remote_track(
                        ref.name, ref.artist, mbid=ref.mbid, album=ref.album
                    )
            count = playlist.items.count()
            at = count if position is None else min(position, count)
            if at < count:
                playlist.items.filter(position__gte=at).update(position=F("position") + 1)
            item = PlaylistItem.objects.create(playlist=playlist, track=track, position=at)
            _touch(playlist)
    except IntegrityError:
        # Only a write that escaped the lock can get here; the song is in there now.
        existing = matching_item(playlist, requested)
        if existing is None:
            raise
        raise TrackAlreadyInPlaylist(existing) from None
    return item


def remove_track(playlist: Playlist, ref: TrackRef) -> PlaylistItem:
    """Takes a song out of ``playlist``; later items move up. Returns the removed item.

    By ``track_id`` the item of that catalog track; by name and artist (and MBID) the item
    of the same song, matched as ``add_track`` matches duplicates.
    """
    with transaction.atomic():
        playlist = _lock(playlist)
        if ref.track_id is not None:
            item = playlist_items(playlist).filter(track_id=ref.track_id).first()
        else:
            item = matching_item(playlist, ref.identity())
        if item is None:
            raise TrackNotInPlaylist(TRACK_NOT_FOUND)
        position = item.position
        item.delete()
        playlist.items.filter(position__gt=position).update(position=F("position") - 1)
        _touch(playlist)
    item.position = position
    return item


def move_track(playlist: Playlist, *, track_id: int, position: int) -> PlaylistItem:
    """Moves one track to ``position`` (past the end: the last place); the others follow."""
    with transaction.atomic():
        playlist = _lock(playlist)
        item = playlist_items(playlist).filter(track_id=track_id).first()
        if item is None:
            raise TrackNotInPlaylist(TRACK_NOT_FOUND)
        last = playlist.items.count() - 1
        old, new = item.position, min(position, last)
        if new == old:
            return item
        if new < old:
            playlist.items.filter(position__gte=new, position__lt=old).update(
                position=F("position") + 1
            )
        else:
            playlist.items.filter(position__gt=old, position__lte=new).update(
                position=F("position") - 1
            )
        item.position = new
        item.save(update_fields=["position"])
        _touch(playlist)
    return item


def reorder_tracks(playlist: Playlist, track_ids: list[int]) -> list[int]:
    """Sets the whole order: ``track_ids`` must be the playlist's tracks, each once."""
    with transaction.atomic():
        playlist = _lock(playlist)
        current = {
            track_id: (pk, position)
            for track_id, pk, position in playlist.items.order_by().values_list(
                "track_id", "pk", "position"
            )
        }
        if len(track_ids) != len(current) or set(track_ids) != set(current):
            raise InvalidOrder(NOT_A_PERMUTATION)
        moved = [
            PlaylistItem(pk=current[track_id][0], position=position)
            for position, track_id in enumerate(track_ids)
            if current[track_id][1] != position
        ]
        if moved:
            PlaylistItem.objects.bulk_update(moved, ["position"], batch_size=500)
            _touch(playlist)
    return list(track_ids)
