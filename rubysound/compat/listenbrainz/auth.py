"""Who is submitting: the ``Authorization: Token <token>`` header, where the token is one of
the user's API keys (revocable in settings, the same keys Subsonic apps use)."""

from rubysound.accounts import services as account_services

from .errors import ListenBrainzError

# Longer values are no key; they are refused before any lookup.
_MAX_TOKEN_LENGTH = 512

MISSING = "You need to provide an Authorization header."
INVALID = "Invalid authorization token."


def token_of(request) -> str | None:
    """The token the request carries (``Token <token>``, the scheme in any case), else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "token" or not token:
        return None
    return token


def user_of_token(token: str | None):
    """The active user the token belongs to, else None."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return account_services.user_for_api_key(token)


def require_user(request):
    """The user who sent the request, or a 401 in ListenBrainz's shape."""
    token = token_of(request)
    if token is None:
        raise ListenBrainzError(401, MISSING)
    user = user_of_token(token)
    if user is None:
        raise ListenBrainzError(401, INVALID)
    return user


def optional_user(request):
    """The user the request's token names, when it carries a valid one (reads are public)."""
    return user_of_token(token_of(request))
