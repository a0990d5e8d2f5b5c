"""``POST /favorites/``: the heart of a track row as a plain form (works without JavaScript).

The heart (``web/_track_row.html``) is a form that names the track and what to do with it
(``add`` or ``remove``, the opposite of what the page showed), so sending the same form twice
changes nothing the second time. The answer is a 303 back to the page it came from (a path
of this site only), with a message saying what happened. ``components/favorites.js`` keeps
the form for browsers without scripts and does the same through the API without a reload.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubysound.core.http.redirects import SeeOther, safe_next
from rubysound.social.services import playlists as services

ACTIONS = {"add", "remove"}
FALLBACK_PAGE = "/"


def _track_id(request) -> int | None:
    try:
        value = int(request.POST.get("track_id", ""))
    except ValueError:
        return None
    return value if value > 0 else None


@require_POST
def toggle_favorite(request):
    back = safe_next(request, FALLBACK_PAGE)
    if not request.user.is_authenticated:
        # A page left open after the session ended: sign in, then back to that page.
        messages.info(request, _("Your session has ended: sign in again to change your Favorites."))
        return SeeOther(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}")
    track_id = _track_id(request)
    action = request.POST.get("action", "")
    if track_id is None or action not in ACTIONS:
        messages.error(
            request, _("Your Favorites could not be changed right now. Please try again.")
        )
        return SeeOther(back)

    # A track gone from the catalog is refused (TrackNotFound): its message, on the same page.
    if action == "add":
        _add(request, track_id)
    else:
        _remove(request, track_id)
    return SeeOther(back)


def _add(request, track_id: int) -> None:
    change = services.add_favorite(request.user, track_id)
    title = change.track.title
    if change.changed:
        messages.success(request, _("%(title)s is now in your Favorites.") % {"title": title})
    else:
        messages.info(request, _("%(title)s was already in your Favorites.") % {"title": title})


def _remove(request, track_id: int) -> None:
    change = services.remove_favorite(request.user, track_id)
    if change.changed:
        messages.success(
            request,
            _("%(title)s was removed from your Favorites.") % {"title": change.track.title},
        )
    elif change.track is not None:
        messages.info(
            request, _("%(title)s was no longer in your Favorites.") % {"title": change.track.title}
        )
    else:
        messages.error(request, _("This track is no longer in the catalog."))
