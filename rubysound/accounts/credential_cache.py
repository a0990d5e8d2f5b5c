"""A process's short memory of what the Subsonic and Last.fm apps sign in with: a user's
app-password secrets (decrypted) by username, and an API key's user by the key's SHA-256.

An app sends its credentials with every request (a request per song, a few hundred while it
syncs a library), and each check was three queries: the user, their app passwords, the
last-used time. Entries live ``APP_CREDENTIALS_CACHE_SECONDS`` in this process only (the
secrets never go to a shared cache), and each is checked on every use against a stamp in the
shared cache that every change to the user, their app passwords or their API keys drops
(before and again after the transaction commits, as the JWT user cache does): a revoked app
password or a deactivated account is refused on the very next request. Across processes
that needs a cache they share (Redis); settings turn this off otherwise.
"""

import copy
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Enough for every account of a big server; past it the oldest entries go first.
MAX_ENTRIES = 2000
# A stamp outlives any entry by far; a lost stamp only means one reload.
_STAMP_SECONDS = 24 * 3600

_entries: dict[tuple, tuple[float, str, Any, Any]] = {}
_lock = threading.Lock()


def _stamp_key(user_id: int) -> str:
    return f"app-credentials:{user_id}"


def _stamp(user_id: int) -> str:
    key = _stamp_key(user_id)
    cache.add(key, secrets.token_hex(8), _STAMP_SECONDS)
    return cache.get(key) or ""


def forget(user_id: int) -> None:
    """Every process drops what it remembers of this user's credentials (now, and once the
    current transaction commits, so a request reading the old rows meanwhile cannot keep
    them)."""
    key = _stamp_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def remembered(key: tuple, load: Callable[[], tuple[Any, Any] | None]) -> tuple[Any, Any] | None:
    """``(user, value)`` for ``key``: from this process's memory while it is fresh, else
    from ``load`` (which answers None for nothing to remember, never kept)."""
    seconds = settings.APP_CREDENTIALS_CACHE_SECONDS
    if seconds <= 0:
        return load()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None:
        expires, stamp, user, value = entry
        if expires > now and stamp == cache.get(_stamp_key(user.pk)):
            # A copy: a request may change its user object, and others read this one.
            return copy.copy(user), value
    loaded = load()
    if loaded is None:
        _entries.pop(key, None)
        return None
    user, value = loaded
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for old in list(_entries)[: MAX_ENTRIES // 10]:
                _entries.pop(old, None)
        _entries[key] = (now + seconds, _stamp(user.pk), user, value)
    return loaded


def clear() -> None:
    """Forget everything this process remembers (tests)."""
    _entries.clear()
