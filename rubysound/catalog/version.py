"""The catalog's version: a token in the cache that changes whenever the catalog does.

Search answers (the API's, autocomplete's, the search page's) are cached by query for a
minute. Their keys include this token, so once a scan, an upload or an admin edit adds,
changes or deletes tracks, artists or albums, the next search misses the cache and reads
the database again: a deleted track never lingers in results.

The catalog's write functions (``library.ingest``, ``library.artwork``,
``library.remote_tracks``) and the admin's edits call ``changed()``; the token changes when
their transaction commits (a search between the write and the commit would otherwise
cache the old rows under the new token), and not at all when it rolls back.

The token lives in the shared cache (Redis in production), so every worker sees a change
at once. With the embedded local-memory cache each process has its own: a scan run from
another process (``manage.py scan_library``) reaches a running server's searches only when
their entries expire.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

CACHE_KEY = "catalog:version"


def current() -> str:
    """The token of the catalog as it is now (made on first use, and after an eviction)."""
    version = cache.get(CACHE_KEY)
    if version is None:
        cache.add(CACHE_KEY, _new_token(), timeout=None)
        version = cache.get(CACHE_KEY) or "0"
    return version


def changed() -> None:
    """The catalog changes with the current transaction (or has changed, outside one)."""
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(CACHE_KEY, _new_token(), timeout=None)


def _new_token() -> str:
    return uuid.uuid4().hex[:12]
