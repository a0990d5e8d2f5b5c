"""Template context every page gets."""

from django.utils.functional import SimpleLazyObject

from rubysound.social.selectors.notifications import unread_count
from rubysound.social.selectors.playlists import favorite_track_ids


def notifications(request) -> dict:
    """``unread_notifications``: the signed-in user's unread count for the top bar's badge.

    One indexed count query (the partial ``social_notif_unread`` index), made only when a
    template shows it and only for signed-in users; anonymous visitors cost nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}


def _favorite_ids(request) -> frozenset[int]:
    """The viewer's Favorites track ids, read once per request however many templates ask."""
    ids = getattr(request, "_rubysound_favorite_ids", None)
    if ids is None:
        ids = favorite_track_ids(request.user)
        request._rubysound_favorite_ids = ids
    return ids


def favorites(request) -> dict:
    """``favorite_track_ids``: which tracks the signed-in viewer has in Favorites.

    Track rows (``web/_track_row.html``) show their heart pressed for these. One query per
    request, made only when a template shows a track row; nothing for anonymous visitors
    (their rows carry no heart).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"favorite_track_ids": SimpleLazyObject(lambda: _favorite_ids(request))}
