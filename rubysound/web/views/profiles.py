"""``/u/<username>/``, a user's public profile (and ``/profile/``, the settings' old address)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from rubysound.catalog import selectors as catalog_selectors
from rubysound.catalog.types import Absolutizer
from rubysound.social.models import COMMENT_MAX_LENGTH
from rubysound.social.selectors.playlists import favorites_of, playlist_items, playlist_tracks
from rubysound.social.selectors.public import public_favorites_of

from ..plurals import plural_tables
from .history import heatmap_context, listen_rows, reader_zone, stats_context

# On a profile that shares its listening: its newest listens, and the rest over all time.
PROFILE_RECENT_LISTENS = 10
# A profile shows its Favorites a page at a time: one of thousands of tracks would
# otherwise make the page megabytes.
PROFILE_FAVORITES_PER_PAGE = 100
PROFILE_STATS_WINDOW = "all"


def profile(request):
    """The old address of the settings (one page then): their Profile section now."""
    return redirect("settings-section", section="profile")


@require_GET
@ensure_csrf_cookie  # the page's script sends the token with its API calls
def public_profile(request, username: str):
    """``/u/<username>/``: a user's profile with their Favorites, likes and live comments.

    Missing, inactive and private profiles are the 404 page (so nobody learns which
    accounts exist); owners still see their own private profile, without the social parts,
    which the API and the comments socket would refuse anyway.
    """
    favorites = public_favorites_of(username, viewer=request.user)
    if favorites is not None:
        owner = favorites.owner
        is_public = True
    elif request.user.is_authenticated and request.user.username.lower() == username.lower():
        owner = request.user
        favorites = favorites_of(owner)
        is_public = False
    else:
        raise Http404
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    likes_count = favorites.likes_count if is_public else 0
    liked_by_me = bool(is_public and not is_owner and favorites.liked_by_me)

    tracks, page = [], None
    if favorites is not None:
        paginator = Paginator(playlist_items(favorites), PROFILE_FAVORITES_PER_PAGE)
        if is_public:
            # Read with the playlist already (Paginator would count again).
            paginator.count = favorites.tracks_count
        page = paginator.get_page(request.GET.get("page"))
        # The shared track rows: playable by the player, with the viewer's hearts.
        absolute = Absolutizer(request)
        tracks = [track.as_json(absolute) for track in playlist_tracks(page.object_list)]

    live_config = {
        "username": owner.username,
        "ownerId": owner.pk,
        "favoritesId": favorites.pk if favorites is not None else None,
        "isOwner": is_owner,
        "isPublic": is_public,
        "viewer": (
            {"id": request.user.pk, "username": request.user.username}
            if request.user.is_authenticated
            else None
        ),
        "likesCount": likes_count,
        "likedByMe": liked_by_me,
        # The script's own words, translated here like the rest of the page.
        "text": {
            "like": _("Like"),
            "liked": _("Liked"),
            "live": pgettext("comments arrive as they are written", "Live"),
            "connecting": _("Connecting…"),
            "reconnecting": _("Reconnecting…"),
            "offline": _("Not live"),
            "loading": _("Loading comments…"),
            "empty": _("No comments yet. Be the first!"),
            "unavailable": _("Comments could not be loaded."),
            "signIn": _("Your session has ended: sign in again to do that."),
            "failed": _("That did not work. Please try again."),
            "emptyText": _("Write something first."),
            "tooFast": _("You're commenting too fast. Wait a moment and try again."),
            "tooLong": _("A comment can be at most %(count)s characters long. Shorten it a little.")
            % {"count": number_format(COMMENT_MAX_LENGTH, force_grouping=True)},
            # Who a commenter is when their profile is private (the API names them null).
            "listener": _("a listener"),
        },
        # Counted words the script rewrites when a count changes live.
        "plurals": plural_tables("likesWord", "tooFastSeconds"),
        "commentMaxLength": COMMENT_MAX_LENGTH,
    }
    listening = {}
    if is_public and owner.shares_listening:
        recent = catalog_selectors.user_listens_page(owner, size=PROFILE_RECENT_LISTENS).items
        listening = {
            "shows_listening": True,
            "recent_listens": listen_rows(request, recent),
            **stats_context(request, owner, window=PROFILE_STATS_WINDOW),
            **heatmap_context(owner, zone=reader_zone(request), window=PROFILE_STATS_WINDOW),
        }
    return render(
        request,
        "web/public_profile.html",
        {
            **listening,
            "owner": owner,
            "favorites": favorites,
            "tracks": tracks,
            "page": page,
            "is_owner": is_owner,
            "is_public": is_public,
            "likes_count": likes_count,
            "liked_by_me": liked_by_me,
            "now_playing": _now_playing_seen_by(request, owner),
            "live_config": live_config,
        },
    )


@require_GET
def public_now_playing(request, username: str):
    """``/u/<username>/now-playing``: the profile's "listening to" line alone, which the page
    asks again every half minute. Seen by whoever may see the profile."""
    favorites = public_favorites_of(username, viewer=request.user)
    if favorites is not None:
        owner = favorites.owner
    elif request.user.is_authenticated and request.user.username.lower() == username.lower():
        owner = request.user
    else:
        raise Http404
    return render(
        request,
        "web/_listening_now.html",
        {"owner": owner, "now_playing": _now_playing_seen_by(request, owner)},
    )


def _now_playing_seen_by(request, owner):
    """What the owner plays now is listening, as their history is: shown to others only when
    the owner shares their listening."""
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    if not (is_owner or owner.shares_listening):
        return None
    return catalog_selectors.now_playing_of(owner)
