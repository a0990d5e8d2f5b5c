"""What the social domain refuses: playlists, their tracks, likes and comments.

Each refusal is a ``DomainError`` with its code from ``SocialErrorCode``; the messages are
the documented API bodies (API reference, sections 1 and 2), kept word for word.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy

from rubysound.core.errors import DomainError

INVALID_INPUT = "Invalid input."


class SocialErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    TRACK_EXISTS = "track_exists"
    FAVORITES = "favorites"
    INVALID_ORDER = "invalid_order"
    OWN_PLAYLIST = "own_playlist"


class SocialError(DomainError):
    code = SocialErrorCode.INVALID


# --- Access to a playlist -------------------------------------------------------------------


class PlaylistNotFound(SocialError):
    """Missing, or someone else's private playlist: the two look the same."""

    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Playlist not found."


class PlaylistNotYours(SocialError):
    """A playlist the user may read but only its owner may change."""

    code = SocialErrorCode.PERMISSION_DENIED
    status = 403
    message = "Only the owner can change this playlist."


# --- Playlist writes --------------------------------------------------------------------------


class PlaylistError(SocialError):
    """A playlist write that cannot be done."""


class TrackNotFound(PlaylistError):
    """A ``track_id`` that names no catalog track."""

    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Track not found."
    page_message = gettext_lazy("This track is no longer in the catalog.")


class TooManyTracks(PlaylistError):
    """More tracks in one request than ``services.playlists.MAX_TRACKS_PER_ADD``."""

    status = 400
    message = "Too many tracks in one request."
    page_message = gettext_lazy("That is too many tracks to add at once.")


class TrackNotInPlaylist(PlaylistError):
    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Track not found."
    page_message = gettext_lazy(
        "That track is no longer in this playlist: the page shows it as it is now."
    )


class TrackAlreadyInPlaylist(PlaylistError):
    """The playlist already holds that song; ``item`` is the item that holds it."""

    code = SocialErrorCode.TRACK_EXISTS
    status = 409
    message = "Track already exists."

    def __init__(self, item):
        super().__init__()
        self.item = item


class FavoritesRule(PlaylistError):
    """Favorites are not deleted, and their visibility is the owner's profile switch."""

    code = SocialErrorCode.FAVORITES


FAVORITES_NOT_DELETABLE = "Favorites cannot be deleted."
FAVORITES_VISIBILITY = (
    "The visibility of Favorites follows your profile: change is_public_favorites "
    "on /api/users/me/ instead."
)


class InvalidOrder(PlaylistError):
    code = SocialErrorCode.INVALID_ORDER
    message = "track_ids must list every track of the playlist exactly once."


# --- Likes ------------------------------------------------------------------------------------


class OwnPlaylistError(SocialError):
    """People cannot like their own playlists."""

    code = SocialErrorCode.OWN_PLAYLIST
    message = "You cannot like your own playlist."


class PlaylistNotPublicError(SocialError):
    """Only playlists anyone may see can be liked (it may have turned private meanwhile)."""

    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Public playlist not found."


# --- Comments ---------------------------------------------------------------------------------


class CommentRefused(SocialError):
    """A write the rules of threads refuse; ``field`` names the culprit input, if one is."""

    def __init__(self, reason: str, field: str | None = None):
        if field is None:
            super().__init__(reason)
        else:
            super().__init__(INVALID_INPUT, fields={field: [reason]})
        self.reason = reason
        self.field = field


class CommentGone(SocialError):
    """The comment does not exist, or was deleted meanwhile."""

    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Comment not found."


class NotAllowedToDelete(SocialError):
    """Only the author and the playlist's owner may delete a comment."""

    code = SocialErrorCode.PERMISSION_DENIED
    status = 403
    message = "Only the author or the playlist's owner may delete this comment."


# --- Stars and ratings ----------------------------------------------------------------------


class AnnotatedItemNotFound(SocialError):
    """The album, artist or track to star or rate does not exist."""

    code = SocialErrorCode.NOT_FOUND
    status = 404
    message = "Not found."


class InvalidRating(SocialError):
    message = "A rating is a whole number from 0 (none) to 5."
