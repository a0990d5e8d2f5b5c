"""Sessions: ``auth.getMobileSession`` signs in with an app password, and the session key it
answers (a new API key of the user's) authenticates every later call as ``sk``.

Wrong passwords count in the sign-in lockout (django-axes) of the account named, as they do
for Subsonic apps, so guessing app passwords here is as slow as on the sign-in page.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth.signals import user_login_failed

from rubysound.accounts import services as account_services
from rubysound.accounts.errors import TooManyAppCredentials
from rubysound.core.client_ip import client_ip

from .errors import AudioscrobblerError, Code

SESSION_NAME = "Last.fm-compatible app"
WRONG_CREDENTIALS = "Authentication Failed - Invalid username or app password."
LOCKED = "Too many failed attempts: try again later."
# Longer values are no credential; refused before any work is done.
_MAX_CREDENTIAL_LENGTH = 512


def _credentials(username: str) -> dict:
    return {"username": username}


def _check_lockout(request, username: str) -> int:
    if not settings.AXES_ENABLED:
        return 0
    AxesProxyHandler.update_request(request)
    failures = AxesProxyHandler.get_failures(request, _credentials(username))
    if failures >= get_failure_limit(request, _credentials(username)):
        raise AudioscrobblerError(Code.AUTHENTICATION_FAILED, LOCKED)
    return failures


def _record_failure(request, username: str) -> None:
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)
    # The protocol answers every refusal itself, not axes' middleware.
    request.axes_locked_out = False


def _record_success(request, user) -> None:
    if settings.AXES_RESET_ON_SUCCESS:
        reset_login_failures(username=user.username.lower())
        reset_login_failures(ip=client_ip(request))


def mobile_session(request, username: str, *, password: str | None, auth_token: str | None):
    """The user and a new session key, or error 4 (nothing to say which part was wrong)."""
    if not username or (password is None and auth_token is None):
        raise AudioscrobblerError(
            Code.INVALID_PARAMETERS, "Invalid parameters - username and password or authToken."
        )
    failures = _check_lockout(request, username)
    user = None
    if all(len(v or "") <= _MAX_CREDENTIAL_LENGTH for v in (username, password, auth_token)):
        user = account_services.app_password_user(
            username, password=password, auth_token=auth_token
        )
    if user is None:
        _record_failure(request, username)
        raise AudioscrobblerError(Code.AUTHENTICATION_FAILED, WRONG_CREDENTIALS)
    if failures:
        _record_success(request, user)
    try:
        _, key = account_services.create_api_key(user, SESSION_NAME)
    except TooManyAppCredentials:
        raise AudioscrobblerError(
            Code.AUTHENTICATION_FAILED, "Too many API keys: revoke one in your settings."
        ) from None
    return user, key


def session_user(session_key: str | None):
    """The user of a session key, or error 9."""
    user = None
    if session_key and len(session_key) <= _MAX_CREDENTIAL_LENGTH:
        user = account_services.user_for_api_key(session_key)
    if user is None:
        raise AudioscrobblerError(
            Code.INVALID_SESSION_KEY, "Invalid session key - Please re-authenticate"
        )
    return user
