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
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubysound.catalog.selectors import track_detail
from rubysound.social.selectors.playlists import favorites_of
from rubysound.social.services import playlists as services

ACTIONS = {"add", "remove"}
FALLBACK_PAGE = "/"


class SeeOther(HttpResponseRedirect):
    """After a POST, the browser fetches the page with GET whatever the form's method was."""

    status_code = 303


def _safe_next(request) -> str:
    """The page the form came from, when it is a path of this very site; else the home page."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        # Only a path: the browser would read "/\\other.example" as another host.
        and "\\" not in target
    ):
        return target
    return FALLBACK_PAGE


def _track_id(request) -> int | None:
    try:
        value = int(request.POST.get("track_id", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _title(track_id: int) -> str:
    track = track_detail().filter(pk=track_id).first()
    return track.title if track is not None else ""


@require_POST
def toggle_favorite(request):
    back = _safe_next(request)
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

    if action == "add":
        _add(request, track_id)
    else:
        _remove(request, track_id)
    return SeeOther(back)


def _add(request, track_id: int) -> None:
    favorites = services.ensure_favorites(request.user)
    try:
        item = services.add_track(favorites, services.TrackRef(track_id=track_id))
    except services.TrackAlreadyInPlaylist as exc:
        title = exc.item.track.title
        messages.info(request, _("%(title)s was already in your Favorites.") % {"title": title})
    except services.TrackNotFound:
        messages.error(request, _("This track is no longer in the catalog."))
    else:
        messages.success(
            request, _("%(title)s is now in your Favorites.") % {"title": item.track.title}
        )


def _remove(request, track_id: int) -> None:
    favorites = favorites_of(request.user)
    try:
        if favorites is None:  # nothing was ever added (and nothing is created to say so)
            raise services.TrackNotInPlaylist(services.TRACK_NOT_FOUND)
        item = services.remove_track(favorites, services.TrackRef(track_id=track_id))
    except services.TrackNotInPlaylist:
        title = _title(track_id)
        if title:
            messages.info(
                request, _("%(title)s was no longer in your Favorites.") % {"title": title}
            )
        else:
            messages.error(request, _("This track is no longer in the catalog."))
    else:
        messages.success(
            request,
            _("%(title)s was removed from your Favorites.") % {"title": item.track.title},
        )
