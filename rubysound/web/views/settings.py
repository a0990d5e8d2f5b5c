"""``/settings/<section>/``: the signed-in user's settings, one page per section.

Profile (name, picture, bio...), Account (username, email, password), Privacy (what a public
profile shows), Apps and services (what a Subsonic app needs to connect, the app passwords
and API keys given out: ``web/settings/_apps.html``, and the Last.fm and ListenBrainz
accounts listens are passed on to: ``web/settings/_scrobbling.html``), Notifications. Each
form posts to its own section and comes back there (a new app secret is shown on the answer
to its form, once); every write goes through the accounts and catalog services.

Linking Last.fm leaves the site: ``lastfm_connect`` sends the user to approve RubySound at
Last.fm, which sends them back to ``lastfm_callback``.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from rubysound.accounts import selectors, services
from rubysound.catalog import selectors as catalog_selectors
from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import ScrobbleLink
from rubysound.core.errors import DomainError
from rubysound.social.selectors.notifications import notification_payload, notifications_for

from ..forms import (
    AppCredentialForm,
    EmailChangeForm,
    ListenBrainzLinkForm,
    PasswordChangeForm,
    PrivacyForm,
    ProfileForm,
    UsernameForm,
)
from ..notifications import describe_notification, notifications_text
from ..plurals import plural_tables

LATEST_NOTIFICATIONS = 20

# (slug, label) in the order of the side navigation.
SECTIONS = [
    ("profile", gettext_lazy("Profile")),
    ("account", gettext_lazy("Account")),
    ("privacy", gettext_lazy("Privacy")),
    ("apps", gettext_lazy("Apps and services")),
    ("notifications", gettext_lazy("Notifications")),
]


def _render(request, section: str, context: dict, *, failed: bool = False):
    # Failed forms keep what the user typed; the stored user (top bar, headings) must not
    # show unsaved changes.
    request.user.refresh_from_db()
    return render(
        request,
        f"web/settings/{section}.html",
        {"sections": SECTIONS, "section": section, **context},
        status=400 if failed else 200,
    )


def _saved(request, section: str, message: str):
    messages.success(request, message)
    return redirect("settings-section", section=section)


def _apply(form, save) -> bool:
    """Runs ``save`` when ``form`` is valid; a service's refusal lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        # Model checks raise a per-field dict; password validators a plain list.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages_ in errors.items():
            for error in messages_:
                form.add_error(field if field in form.fields else None, error)
        return False
    return True


@login_required
def settings_index(request):
    return redirect("settings-section", section="profile")


@login_required
@ensure_csrf_cookie  # Notifications' "Mark all read" sends the token with its API call
def settings_section(request, section: str):
    view = _SECTION_VIEWS.get(section)
    if view is None:
        raise Http404
    if section in _READ_ONLY_SECTIONS and request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return view(request)


def _profile(request):
    user = request.user
    form = ProfileForm(instance=user)
    if request.method == "POST":
        if request.POST.get("action") == "reset_avatar":
            services.reset_avatar(user)
            return _saved(request, "profile", _("Avatar reset to the default."))
        form = ProfileForm(request.POST, request.FILES, instance=user)
        if _apply(form, lambda data: services.update_profile(user, **form.changes())):
            return _saved(request, "profile", _("Profile saved."))
        return _render(request, "profile", {"form": form}, failed=True)
    return _render(request, "profile", {"form": form})


def _account(request):
    user = request.user
    forms = {
        "username": UsernameForm(initial={"username": user.username}),
        "email": EmailChangeForm(user, initial={"email": user.email}),
        "password": PasswordChangeForm(user),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "username":
            form = forms["username"] = UsernameForm(request.POST)
            if _apply(form, lambda data: services.change_username(user, data["username"])):
                return _saved(request, "account", _("Username changed."))
        elif action == "email":
            form = forms["email"] = EmailChangeForm(user, request.POST)
            if _apply(form, lambda data: services.change_email(user, data["email"])):
                return _saved(request, "account", _("Email address changed."))
        elif action == "password":
            form = forms["password"] = PasswordChangeForm(user, request.POST)

            def change(data):
                services.change_password(user, data["new_password1"])
                # This browser stays signed in; the account's other sessions end.
                update_session_auth_hash(request, user)

            if _apply(form, change):
                return _saved(request, "account", _("Password changed."))
        return _render(request, "account", {"forms": forms}, failed=True)
    return _render(request, "account", {"forms": forms})


def _privacy(request):
    user = request.user
    form = PrivacyForm(
        initial={
            "is_public_favorites": user.is_public_favorites,
            "is_public_listening": user.is_public_listening,
        }
    )
    if request.method == "POST":
        form = PrivacyForm(request.POST)
        if _apply(form, lambda data: services.update_profile(user, **data)):
            return _saved(request, "privacy", _("Privacy settings saved."))
        return _render(request, "privacy", {"form": form}, failed=True)
    return _render(request, "privacy", {"form": form})


# The two kinds of credentials an app can hold, as the Apps section manages them.
_APP_CREDENTIALS = {
    "app_password": (services.create_app_password, services.revoke_app_password),
    "api_key": (services.create_api_key, services.revoke_api_key),
}


def _apps(request):
    """App passwords and API keys: create one (its secret shown on this answer only, never
    stored in the session or shown again), list them, revoke one. Scrobbling: each
    service's link, linking ListenBrainz, unlinking (``_scrobbling_post``)."""
    user = request.user
    forms = {kind: AppCredentialForm(prefix=kind) for kind in _APP_CREDENTIALS}
    listenbrainz_form = ListenBrainzLinkForm()
    created = None
    failed = False
    scrobbling_action, _sep, service = request.POST.get("action", "").partition(":")
    if request.method == "POST" and scrobbling_action in ("link", "unlink"):
        answer, listenbrainz_form = _scrobbling_post(request, scrobbling_action, service)
        if answer is not None:
            return answer
        failed = True
    elif request.method == "POST":
        action, _sep, kind = request.POST.get("action", "").partition(":")
        if kind not in _APP_CREDENTIALS or action not in ("create", "revoke"):
            return HttpResponseBadRequest()
        create, revoke = _APP_CREDENTIALS[kind]
        if action == "revoke":
            credential_id = request.POST.get("id", "")
            if not credential_id.isdigit():
                raise Http404
            revoke(user, int(credential_id))  # someone else's id: AppCredentialNotFound, a 404
            return _saved(request, "apps", _("Revoked: apps using it can no longer sign in."))
        form = forms[kind] = AppCredentialForm(request.POST, prefix=kind)
        result = {}

        def save(data):
            result["row"], result["secret"] = create(user, data["name"])

        if _apply(form, save):
            created = {"kind": kind, "name": result["row"].name, "secret": result["secret"]}
            forms[kind] = AppCredentialForm(prefix=kind)
        else:
            failed = True
    response = _render(
        request,
        "apps",
        {
            "forms": forms,
            "created": created,
            "credential_sections": [
                (
                    "app_password",
                    _("App passwords"),
                    list(selectors.app_passwords_of(user)),
                    forms["app_password"],
                    _(
                        "One per device: type it into the app as the password. Apps that "
                        "use token authentication (most of them) need one."
                    ),
                    _("No app passwords yet."),
                    _("Create app password"),
                ),
                (
                    "api_key",
                    _("API keys"),
                    list(selectors.api_keys_of(user)),
                    forms["api_key"],
                    _(
                        "For apps that support OpenSubsonic API keys: the key alone signs "
                        "in, without a username."
                    ),
                    _("No API keys yet."),
                    _("Create API key"),
                ),
            ],
            # What to type into an app as the server: this site's address, as the browser sees it.
            "server_address": request.build_absolute_uri("/").rstrip("/"),
            "scrobbling_links": catalog_selectors.scrobble_links_of(user),
            "listenbrainz_form": listenbrainz_form,
        },
        failed=failed,
    )
    if created:
        # The secret is in this page only: no cache, not even the browser's back button, keeps it.
        response["Cache-Control"] = "no-store"
    return response


# The Last.fm token this browser was sent to approve: the callback accepts that one only,
# so nobody can link their Last.fm account to someone else's by sending them a link.
_LASTFM_APPROVAL_SESSION_KEY = "scrobbling_lastfm_approval"


def _scrobbling_post(request, action: str, service: str):
    """Links ListenBrainz with a token or unlinks a service: (the answer, the ListenBrainz
    form). The answer goes back to the page with a message; it is None when the form is
    invalid, for the page to show it again (never with the token). A refusal of the service
    comes back as a message too (DomainErrorMiddleware, to the form's ``next``)."""
    form = ListenBrainzLinkForm()
    if service not in ScrobbleLink.Service.values:
        return HttpResponseBadRequest(), form
    user = request.user
    if action == "unlink":
        catalog_services.unlink(user, service)
        label = ScrobbleLink.Service(service).label
        message = _("%(service)s unlinked: nothing more is sent to it.") % {"service": label}
        return _saved(request, "apps", message), form
    if service != ScrobbleLink.Service.LISTENBRAINZ:
        return HttpResponseBadRequest(), form  # Last.fm links through lastfm_connect
    form = ListenBrainzLinkForm(request.POST)
    if not form.is_valid():
        return None, form
    link = catalog_services.link_listenbrainz(
        user, form.cleaned_data["token"], form.cleaned_data["base_url"]
    )
    message = _("ListenBrainz linked as %(name)s: your listens will be passed on.") % {
        "name": link.account_name
    }
    return _saved(request, "apps", message), form


@login_required
@require_POST
def lastfm_connect(request):
    """Asks Last.fm for a token and sends the user to approve it there."""
    callback = request.build_absolute_uri(reverse("settings-lastfm-callback"))
    token, approval_url = catalog_services.start_lastfm_link(request.user, callback)
    request.session[_LASTFM_APPROVAL_SESSION_KEY] = token
    return redirect(approval_url)


@login_required
def lastfm_callback(request):
    """Where Last.fm sends the user back, with the token they approved: linked."""
    expected = request.session.pop(_LASTFM_APPROVAL_SESSION_KEY, None)
    given = request.GET.get("token", "")
    if not expected or not given or not constant_time_compare(expected, given):
        messages.error(request, _("This Last.fm approval was not started here: connect again."))
        return redirect("settings-section", section="apps")
    try:
        link = catalog_services.finish_lastfm_link(request.user, given)
    except DomainError as refusal:
        # Caught here, unlike a form's refusal: the user arrives from Last.fm, with no form
        # of ours to go back to, and belongs on the settings page with the reason.
        if refusal.page_message is None:
            raise
        messages.error(request, refusal.page_message)
        return redirect("settings-section", section="apps")
    return _saved(
        request,
        "apps",
        _("Last.fm linked as %(name)s: your listens will be passed on.")
        % {"name": link.account_name},
    )


def _notifications(request):
    # One more than shown: whether "Load more" has anything to load.
    latest = list(notifications_for(request.user)[: LATEST_NOTIFICATIONS + 1])
    notifications = [
        {**describe_notification(notification_payload(n)), "created": n.created_at}
        for n in latest[:LATEST_NOTIFICATIONS]
    ]
    return _render(
        request,
        "notifications",
        {
            "notifications": notifications,
            "has_unread": any(n["unread"] for n in notifications),
            "notifications_config": {
                "pageSize": LATEST_NOTIFICATIONS,
                "hasMore": len(latest) > LATEST_NOTIFICATIONS,
                "text": notifications_text(),
                "plurals": plural_tables("moreNotifications"),
            },
        },
    )


_READ_ONLY_SECTIONS = {"notifications"}
_SECTION_VIEWS = {
    "profile": _profile,
    "account": _account,
    "privacy": _privacy,
    "apps": _apps,
    "notifications": _notifications,
}
