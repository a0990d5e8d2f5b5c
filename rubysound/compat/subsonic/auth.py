"""Who is asking: a Subsonic request's credentials, checked against the user's app
passwords or API keys (accounts), never against the account password.

Mechanisms: ``u`` + ``t`` + ``s`` (token, ``t = md5(secret + s)``), ``u`` + ``p`` (the
app password, plain or ``enc:`` + hex), or ``apiKey`` alone (OpenSubsonic). Mixing them is
error 43. Failures count in the sign-in lockout (django-axes) of the account named, so
guessing app passwords here is as slow as guessing the password on the sign-in page.
"""

import binascii

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth.signals import user_login_failed

from rubysound.accounts import services as account_services
from rubysound.accounts.models import USERNAME_MAX_LENGTH
from rubysound.core.client_ip import client_ip

from .errors import Code, SubsonicError, missing
from .params import Params

WRONG_CREDENTIALS = "Wrong username or password."
LOCKED = "Too many failed attempts: try again later."
# Longer values are no credential; they are refused before any work is done.
_MAX_CREDENTIAL_LENGTH = 512


def _decoded_password(raw: str) -> str | None:
    if not raw.startswith("enc:"):
        return raw
    try:
        return binascii.unhexlify(raw[4:]).decode()
    except (binascii.Error, ValueError):
        return None


def _lockout_credentials(username: str) -> dict:
    return {"username": username}


def _failures_so_far(request, username: str) -> int:
    """Failed attempts on record for this account (or this address), as axes counts them;
    raises the lockout's error when they reach the limit, as the sign-in page would."""
    if not settings.AXES_ENABLED:
        return 0
    credentials = _lockout_credentials(username)
    AxesProxyHandler.update_request(request)
    failures = AxesProxyHandler.get_failures(request, credentials)
    if failures >= get_failure_limit(request, credentials):
        raise SubsonicError(Code.WRONG_CREDENTIALS, LOCKED)
    return failures


def _record_success(request, user) -> None:
    # As a successful sign-in does (AXES_RESET_ON_SUCCESS): earlier typos stop counting.
    # Attempts are on record under the folded username (accounts.lockout).
    if settings.AXES_RESET_ON_SUCCESS:
        reset_login_failures(username=user.username.lower())
        reset_login_failures(ip=client_ip(request))


def _record_failure(request, username: str) -> None:
    user_login_failed.send(
        sender=__name__, credentials=_lockout_credentials(username), request=request
    )
    # axes flags the request when this failure reaches the limit, and its middleware would
    # then answer its own 429 page; the protocol answers every refusal itself.
    request.axes_locked_out = False


def authenticate(request, params: Params):
    """The user the request's credentials name, or a SubsonicError (40 to 44, or 10)."""
    try:
        username = params.get("u")
        api_key = params.get("apiKey")
        password, token, salt = params.get("p"), params.get("t"), params.get("s")
    except SubsonicError:  # a value no account can have (a NUL character)
        raise SubsonicError(Code.WRONG_CREDENTIALS, WRONG_CREDENTIALS) from None

    if api_key is not None:
        if username is not None or password is not None or token is not None:
            raise SubsonicError(
                Code.CONFLICTING_MECHANISMS, "Multiple conflicting authentication mechanisms."
            )
        user = None
        if 0 < len(api_key) <= _MAX_CREDENTIAL_LENGTH:
            user = account_services.user_for_api_key(api_key)
        if user is None:
            raise SubsonicError(Code.INVALID_API_KEY, "Invalid API key.")
        return user

    if not username:
        raise missing("u")
    if password is not None and token is not None:
        raise SubsonicError(
            Code.CONFLICTING_MECHANISMS, "Multiple conflicting authentication mechanisms."
        )
    if token is not None and not salt:
        raise missing("s")
    if password is None and token is None:
        raise missing("p")
    if len(username) > USERNAME_MAX_LENGTH:
        # No account has such a name, so there is nothing to lock; the lockout's own records
        # could not hold it either (a 255-character column).
        raise SubsonicError(Code.WRONG_CREDENTIALS, WRONG_CREDENTIALS)

    failures = _failures_so_far(request, username)

    user = None
    if all(len(v or "") <= _MAX_CREDENTIAL_LENGTH for v in (username, password, token, salt)):
        if token is not None:
            user = account_services.app_password_user(username, token=token, salt=salt)
        else:
            clear = _decoded_password(password)
            if clear is not None:
                user = account_services.app_password_user(username, password=clear)
    if user is None:
        _record_failure(request, username)
        raise SubsonicError(Code.WRONG_CREDENTIALS, WRONG_CREDENTIALS)
    if failures:
        _record_success(request, user)
    return user
