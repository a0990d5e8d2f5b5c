"""May this user read, or change, this playlist: the one way to ask (``access_playlist``)."""

from ..errors import PlaylistNotFound, PlaylistNotYours
from ..models import Playlist
from .playlists import _with_counts


def access_playlist(
    user, pk: int, *, for_write: bool = False, owner_only: bool = False
) -> Playlist:
    """Playlist ``pk`` with its counts (``likes_count``, ``tracks_count``, ``liked_by_me``)
    when ``user`` may read it: theirs, or a public one. One query.

    Raises PlaylistNotFound (404) for a missing playlist and for someone else's private one
    alike, so nobody learns it exists; with ``for_write``, PlaylistNotYours (403) for one the
    user may read but not change. ``owner_only``: anyone else's playlist, public or not, is
    not found either (the site's playlist forms only ever name the user's own).
    """
    playlist = _with_counts(Playlist.objects.filter(pk=pk), user).first()
    if playlist is None:
        raise PlaylistNotFound
    if user is not None and user.is_authenticated and playlist.owner_id == user.pk:
        return playlist
    if owner_only or not playlist.is_public:
        raise PlaylistNotFound
    if for_write:
        raise PlaylistNotYours
    return playlist
