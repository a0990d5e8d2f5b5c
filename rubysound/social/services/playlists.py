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

from ..errors import (
    FAVORITES_NOT_DELETABLE,
    FAVORITES_VISIBILITY,
    FavoritesRule,
    InvalidOrder,
    TooManyTracks,
    TrackAlreadyInPlaylist,
    TrackNotFound,
    TrackNotInPlaylist,
)
from ..models import FAVORITES_TITLE, Playlist, PlaylistItem
from ..selectors.playlists import (
    TrackIdentity,
    catalog_track_matching,
    favorites_of,
    matching_item,
    playlist_items,
)
from ..versions import playlists_changed


def create_favorites(user) -> Playlist:
    """The user's Favorites playlist; run by the signup service inside its transaction."""
    playlists_changed(user.pk)
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


# --- Playlists ---------------------------------------------------------------------------------


def favorites_visibility(playlist: Playlist) -> str:
    """What a Favorites playlist's visibility effectively is: the owner's profile switch."""
    public = playlist.owner.is_public_favorites
    return Playlist.Visibility.PUBLIC if public else Playlist.Visibility.PRIVATE


def create_playlist(
    owner, *, title: str, description: str = "", visibility: str = Playlist.Visibility.PRIVATE
) -> Playlist:
    """A new (non-Favorites) playlist of ``owner``; input is validated by the caller."""
    playlists_changed(owner.pk)
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
        playlists_changed(playlist.owner_id)
    return playlist


def rename_favorites(user, title: str) -> Playlist:
    """Gives the user's Favorites (created when missing) a new title."""
    return update_playlist(ensure_favorites(user), title=title)


def delete_playlist(playlist: Playlist) -> None:
    """Deletes a playlist with its items, likes and comments; Favorites stay."""
    if playlist.is_favorites:
        raise FavoritesRule(FAVORITES_NOT_DELETABLE)
    playlist.delete()
    playlists_changed(playlist.owner_id)


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
    """Every change to a playlist's items ends here (inside its transaction)."""
    playlist.save(update_fields=["updated_at"])
    playlists_changed(playlist.owner_id)


def _catalog_track(track_id: int) -> Track:
    track = Track.objects.select_related("artist", "album").filter(pk=track_id).first()
    if track is None:
        raise TrackNotFound
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
            raise TrackNotInPlaylist
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
            raise TrackNotInPlaylist
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
            raise InvalidOrder
        moved = [
            PlaylistItem(pk=current[track_id][0], position=position)
            for position, track_id in enumerate(track_ids)
            if current[track_id][1] != position
        ]
        if moved:
            PlaylistItem.objects.bulk_update(moved, ["position"], batch_size=500)
            _touch(playlist)
    return list(track_ids)


def replace_tracks(playlist: Playlist, track_ids: list[int]) -> int:
    """Makes ``track_ids`` (catalog tracks; a repeated one kept once, where it first comes)
    the whole content of ``playlist``, in that order. Returns how many tracks it holds.

    Raises TrackNotFound, and changes nothing, when one of the ids names no track.
    """
    wanted = list(dict.fromkeys(track_ids))
    with transaction.atomic():
        playlist = _lock(playlist)
        found = set(Track.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(found) != len(wanted):
            raise TrackNotFound
        playlist.items.all().delete()
        PlaylistItem.objects.bulk_create(
            [
                PlaylistItem(playlist=playlist, track_id=track_id, position=position)
                for position, track_id in enumerate(wanted)
            ],
            batch_size=500,
        )
        _touch(playlist)
    return len(wanted)


# --- Favorites as a switch (the heart of a track row) ------------------------------------------


@dataclass(frozen=True)
class FavoriteChange:
    track: Track | None  # None: no catalog track has that id
    changed: bool  # False when the Favorites already were as asked (a repeated form, say)


def add_favorite(user, track_id: int) -> FavoriteChange:
    """Puts a catalog track into the user's Favorites; one already there stays as it is.

    Raises TrackNotFound when no catalog track has that id.
    """
    try:
        item = add_track(ensure_favorites(user), TrackRef(track_id=track_id))
    except TrackAlreadyInPlaylist as already:
        return FavoriteChange(already.item.track, changed=False)
    return FavoriteChange(item.track, changed=True)


def remove_favorite(user, track_id: int) -> FavoriteChange:
    """Takes a catalog track out of the user's Favorites; one not there is no change.

    An account without Favorites gets none created to say so.
    """
    favorites = favorites_of(user)
    if favorites is not None:
        try:
            item = remove_track(favorites, TrackRef(track_id=track_id))
        except TrackNotInPlaylist:
            pass
        else:
            return FavoriteChange(item.track, changed=True)
    return FavoriteChange(Track.objects.filter(pk=track_id).first(), changed=False)


# --- Many tracks at once ("Add all", a picker's form) ----------------------------------------

# At most this many tracks in one request: a page's list (an album, a playlist page of 200).
MAX_TRACKS_PER_ADD = 500


@dataclass(frozen=True)
class TracksAdded:
    """What ``add_tracks`` did: the new items in order, and the tracks left out because the
    same song was in the playlist already (or earlier in the same request)."""

    added: list[PlaylistItem]
    already: list[Track]


def add_tracks(playlist: Playlist, track_ids: list[int]) -> TracksAdded:
    """Appends catalog tracks to ``playlist`` in the order given, in one transaction.

    Songs already there are skipped (matched as ``add_track`` matches duplicates: the same
    catalog track, MusicBrainz id, or folded title and artist), and so is a repeat within the
    list; an unknown id raises TrackNotFound and nothing is added. A bounded number of
    queries whatever the length of the list.
    """
    wanted = list(dict.fromkeys(track_ids))  # first occurrence wins
    if len(wanted) > MAX_TRACKS_PER_ADD:
        raise TooManyTracks
    with transaction.atomic():
        playlist = _lock(playlist)
        tracks = Track.objects.select_related("artist", "album").in_bulk(wanted)
        if len(tracks) != len(wanted):
            raise TrackNotFound
        present = playlist.items.order_by().values_list(
            "track_id", "track__mbid", "track__title_key", "track__artist__name_key"
        )
        seen_ids, seen_mbids, seen_names = set(), set(), set()

        def remember(track_id, mbid, title_key, artist_key) -> None:
            seen_ids.add(track_id)
            if mbid:
                seen_mbids.add(str(mbid))
            if title_key and artist_key:
                seen_names.add((title_key, artist_key))

        count = 0
        for row in present:
            remember(*row)
            count += 1
        added, already = [], []
        for track_id in wanted:
            track = tracks[track_id]
            mbid = str(track.mbid) if track.mbid else None
            names = (track.title_key, track.artist.name_key)
            if track.pk in seen_ids or (mbid and mbid in seen_mbids) or names in seen_names:
                already.append(track)
                continue
            remember(track.pk, mbid, *names)
            added.append(PlaylistItem(playlist=playlist, track=track, position=count))
            count += 1
        if added:
            PlaylistItem.objects.bulk_create(added)
            _touch(playlist)
    return TracksAdded(added=added, already=already)


def create_playlist_with_tracks(
    owner,
    *,
    title: str,
    track_ids: list[int],
    description: str = "",
    visibility: str = Playlist.Visibility.PRIVATE,
) -> tuple[Playlist, TracksAdded]:
    """A new playlist of ``owner`` (private unless said otherwise) holding these catalog
    tracks ("New playlist…" of a track's menu, the player's "Save as playlist"): both or
    nothing, so an unknown track leaves no empty playlist behind."""
    with transaction.atomic():
        playlist = create_playlist(
            owner, title=title, description=description, visibility=visibility
        )
        return playlist, add_tracks(playlist, track_ids)
