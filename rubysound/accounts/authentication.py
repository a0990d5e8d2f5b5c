"""JWT authentication that reads the token's user from the cache, not the database, on most
requests.

Every signed-in API request looked its user up by primary key: a query (and a database
connection taken from the pool, with its check) even for answers that need nothing else,
about a fifth of ``/api/playlists/me/``. The user row is kept in the cache for
``JWT_USER_CACHE_SECONDS`` and dropped whenever the row changes (any ``save``, a delete,
the presence's ``last_seen_at`` update), before and again after the transaction commits, so
a deactivated user is refused on the very next request and a write is read back at once.
The token itself (signature, expiry, type) is still checked on every request. The cache
must be shared by every process that changes users (Redis) for that to hold across workers
and commands; settings turn this off otherwise.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from .models import User


def _user_key(user_id) -> str:
    return f"jwt-user:{user_id}"


def forget_cached_user(user_id) -> None:
    """Drop the user's cached row now and once the current transaction commits (a request
    reading the old row meanwhile cannot keep it past the commit)."""
    key = _user_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedUserJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        seconds = settings.JWT_USER_CACHE_SECONDS
        if seconds <= 0:
            return super().get_user(validated_token)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError:
            return super().get_user(validated_token)
        key = _user_key(user_id)
        user = cache.get(key)
        if not isinstance(user, User):
            user = super().get_user(validated_token)
            cache.set(key, user, seconds)
            return user
        if not user.is_active:
            # Cached only while active; a row read inactive is refused by the lookup.
            return super().get_user(validated_token)
        return user


class CachedUserJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema declares it as drf-spectacular declares SimpleJWT's (``jwtAuth``)."""

    target_class = "rubysound.accounts.authentication.CachedUserJWTAuthentication"
