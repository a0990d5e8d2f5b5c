from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from rubysound.accounts import services
from rubysound.catalog.music_serializers import Absolutizer
from rubysound.social.selectors.notifications import notification_payload, notifications_for
from rubysound.social.selectors.playlists import favorites_of, playlist_items, track_objects
from rubysound.social.selectors.public import public_favorites_of

from .forms import LoginForm, ProfileForm, SignupForm
from .notifications import describe_notification, notifications_text
from .plurals import plural_tables


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def signup(request):
    if request.user.is_authenticated:
        return redirect("profile")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signup_user(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                is_public_favorites=form.cleaned_data["is_public_favorites"],
            )
        except ValidationError as exc:
            # Model checks raise a per-field dict; password validators raise a plain list.
            if hasattr(exc, "error_dict"):
                field_errors = exc.message_dict
            else:
                field_errors = {"password": exc.messages}
            for field, errors in field_errors.items():
                target = "password1" if field in {"password", "__all__"} else field
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome to RubySound, %(name)s!") % {"name": user.username}
            )
            return redirect(_safe_next(request, "/profile/"))
    return render(request, "web/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.cleaned_data.get("remember_me"):
            # Ends with the browser session instead of living SESSION_COOKIE_AGE.
            self.request.session.set_expiry(0)
        return response


logout = require_POST(auth_views.LogoutView.as_view())


LATEST_NOTIFICATIONS = 20


@login_required
@ensure_csrf_cookie  # "Mark all read" sends the token with its API call
def profile(request):
    profile_form = ProfileForm(instance=request.user)
    password_form = PasswordChangeForm(request.user)
    if request.method == "POST":
        action = request.POST.get("action", "profile")
        if action == "profile":
            profile_form = ProfileForm(request.POST, request.FILES, instance=request.user)
            if profile_form.is_valid():
                services.update_profile(request.user, **profile_form.changes())
                messages.success(request, _("Profile saved."))
                return redirect("profile")
        elif action == "reset_avatar":
            services.reset_avatar(request.user)
            messages.success(request, _("Avatar reset to the default."))
            return redirect("profile")
        elif action == "password":
            password_form = PasswordChangeForm(request.user, request.POST)
            if password_form.is_valid():
                services.change_password(request.user, password_form.cleaned_data["new_password1"])
                update_session_auth_hash(request, request.user)
                messages.success(request, _("Password changed."))
                return redirect("profile")
    # Django autofocuses the old password: the page would open scrolled down to that form,
    # past the notifications and the profile (and screen readers would start there too).
    password_form.fields["old_password"].widget.attrs.pop("autofocus", None)
    # Failed forms keep the user's input; the stored user must not show unsaved changes.
    request.user.refresh_from_db()
    privacy = profile_form.fields["is_public_favorites"]
    privacy.label = _("Public profile")
    privacy.help_text = _(
        "Anyone can see your Favorites and profile page, like them and comment. "
        "Switched off, only you can see them."
    )
    # One more than shown: whether "Load more" has anything to load.
    latest = list(notifications_for(request.user)[: LATEST_NOTIFICATIONS + 1])
    notifications = [
        {**describe_notification(notification_payload(n)), "created": n.created_at}
        for n in latest[:LATEST_NOTIFICATIONS]
    ]
    return render(
        request,
        "web/profile.html",
        {
            "profile_form": profile_form,
            "password_form": password_form,
            "notifications": notifications,
            "has_unread": any(n["unread"] for n in notifications),
            "notifications_config": {
                "pageSize": LATEST_NOTIFICATIONS,
                "hasMore": len(latest) > LATEST_NOTIFICATIONS,
                "text": notifications_text(),
                "plurals": plural_tables("moreNotifications"),
            },
        },
        status=400 if request.method == "POST" else 200,
    )


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

    tracks = []
    if favorites is not None:
        # The shared track rows: playable by the player, with the viewer's hearts.
        tracks = track_objects(playlist_items(favorites), Absolutizer(request))

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
            "live": _("Live"),
            "connecting": _("Connecting…"),
            "reconnecting": _("Reconnecting…"),
            "offline": _("Not live"),
            "loading": _("Loading comments…"),
            "empty": _("No comments yet. Be the first!"),
            "unavailable": _("Comments could not be loaded."),
            "signIn": _("Your session has ended: sign in again to do that."),
            "failed": _("That did not work. Please try again."),
            "emptyText": _("Write something first."),
        },
        # Counted words the script rewrites when a count changes live.
        "plurals": plural_tables("likesWord"),
    }
    return render(
        request,
        "web/public_profile.html",
        {
            "owner": owner,
            "favorites": favorites,
            "tracks": tracks,
            "is_owner": is_owner,
            "is_public": is_public,
            "likes_count": likes_count,
            "liked_by_me": liked_by_me,
            "live_config": live_config,
        },
    )
