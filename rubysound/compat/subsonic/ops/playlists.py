"""Playlists: the web app's own, as apps see them. Someone else's private playlist is not
found (70); changing someone else's is not authorised (50). A playlist holds a song once:
adding one it already has leaves it where it is."""

import contextlib

from rubysound.catalog import selectors as catalog
from rubysound.social.errors import TrackAlreadyInPlaylist
from rubysound.social.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Playlist
from rubysound.social.selectors.access import access_playlist
from rubysound.social.selectors.playlists import (
    playlist_track_ids,
    playlists_of,
    with_duration,
)
from rubysound.social.services import playlists as playlist_services

from .. import presenters
from ..errors import invalid, missing, not_authorized
from ..ids import Kind, decode
from ..params import parse_int
from ..registry import Call, operation
from .browsing import song_rows


def _summary(row) -> dict:
    return presenters.playlist(row, song_count=row.tracks_count, duration=row.total_duration)


def _visible_songs(playlist) -> list:
    """The playlist's library tracks in order (remote tracks have nothing to play)."""
    return catalog.in_order(catalog.app_tracks(), playlist_track_ids(playlist))


def _with_songs(call: Call, pk: int) -> dict:
    row = access_playlist(call.user, pk)
    songs = _visible_songs(row)
    duration = sum(song.duration or 0 for song in songs)
    body = presenters.playlist(row, song_count=len(songs), duration=duration)
    body["entry"] = song_rows(call, songs)
    return {"playlist": body}


@operation("getPlaylists")
def get_playlists(call: Call) -> dict:
    username = call.params.get("username")
    if username and username.lower() != call.user.username.lower():
        raise not_authorized()
    rows = with_duration(playlists_of(call.user))
    return {"playlists": {"playlist": [_summary(row) for row in rows]}}


@operation("getPlaylist")
def get_playlist(call: Call) -> dict:
    return _with_songs(call, decode(call.params.required("id"), Kind.PLAYLIST))


# createPlaylist writes its songs in one bulk insert; updatePlaylist adds one at a time.
MAX_SONGS_REPLACED = 10_000
MAX_SONGS_ADDED = 500


def _song_ids(call: Call, name: str, limit: int) -> list[int]:
    values = call.params.list(name)
    if len(values) > limit:
        raise invalid(name)
    return [decode(value, Kind.SONG) for value in values]


def _title(value: str) -> str:
    title = value.strip()
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise invalid("name")
    return title


@operation("createPlaylist")
def create_playlist(call: Call) -> dict:
    """Creates a playlist, or with ``playlistId`` replaces the songs of an existing one."""
    song_ids = _song_ids(call, "songId", MAX_SONGS_REPLACED)
    if call.params.has("playlistId"):
        pk = decode(call.params.get("playlistId"), Kind.PLAYLIST)
        playlist = access_playlist(call.user, pk, for_write=True)
        if call.params.get("name"):
            playlist_services.update_playlist(playlist, title=_title(call.params.get("name")))
    else:
        name = call.params.get("name")
        if not name:
            raise missing("name")
        playlist = playlist_services.create_playlist(call.user, title=_title(name))
    playlist_services.replace_tracks(playlist, song_ids)
    return _with_songs(call, playlist.pk)


@operation("updatePlaylist")
def update_playlist(call: Call) -> None:
    pk = decode(call.params.required("playlistId"), Kind.PLAYLIST)
    playlist = access_playlist(call.user, pk, for_write=True)
    changes = {}
    if call.params.has("name"):
        changes["title"] = _title(call.params.get("name"))
    if call.params.has("comment"):
        comment = call.params.get("comment")
        if len(comment) > DESCRIPTION_MAX_LENGTH:
            raise invalid("comment")
        changes["description"] = comment
    public = call.params.bool("public")
    if public is not None:
        changes["visibility"] = (
            Playlist.Visibility.PUBLIC if public else Playlist.Visibility.PRIVATE
        )
    if changes:
        playlist_services.update_playlist(playlist, **changes)

    # Indexes count the songs as the app saw them (getPlaylist), before this update.
    raw_indexes = call.params.list("songIndexToRemove")
    if len(raw_indexes) > MAX_SONGS_REPLACED:
        raise invalid("songIndexToRemove")
    indexes = {parse_int(raw, "songIndexToRemove") for raw in raw_indexes}
    if indexes:
        visible = [track.pk for track in _visible_songs(playlist)]
        if any(index < 0 or index >= len(visible) for index in indexes):
            raise invalid("songIndexToRemove")
        for index in sorted(indexes, reverse=True):
            playlist_services.remove_track(
                playlist, playlist_services.TrackRef(track_id=visible[index])
            )
    for track_id in _song_ids(call, "songIdToAdd", MAX_SONGS_ADDED):
        with contextlib.suppress(TrackAlreadyInPlaylist):
            playlist_services.add_track(playlist, playlist_services.TrackRef(track_id=track_id))
    return None


@operation("deletePlaylist")
def delete_playlist(call: Call) -> None:
    pk = decode(call.params.required("id"), Kind.PLAYLIST)
    playlist = access_playlist(call.user, pk, for_write=True)
    playlist_services.delete_playlist(playlist)
    return None
