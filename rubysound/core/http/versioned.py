"""Personal answers kept in the shared cache until what they show changes.

A personal read that clients repeat all day (an app polling its Favorites) is built once
and kept rendered, with the version tokens of everything it shows. A write to one of those
things replaces its token (``bump``), so the next read misses and builds again: a write is
seen in the writer's very next read, with no expiry to wait out. The tokens and the entry
come back in one round trip, and a hit builds no model instance and renders nothing.

The entry's lifetime still bounds what no token follows (numbers other caches keep for
minutes, an edit made behind the services' back). The ``ETag`` is the rendered body's
digest, made once when the entry is: two builds of the same content share it, so a client
revalidating across a rebuild still gets its 304.

The cache must be one every process shares (Redis): with the in-process cache a write in
another process would not reach this one's tokens, so callers keep this off there.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.http import quote_etag


@dataclass(frozen=True)
class StoredBody:
    body: bytes
    etag: str
    content_type: str = "application/json"

    def as_response(self) -> HttpResponse:
        response = HttpResponse(self.body, content_type=self.content_type)
        response["ETag"] = self.etag
        return response


def _new_token() -> str:
    return uuid.uuid4().hex[:12]


def bump(version_key: str) -> None:
    """What ``version_key`` versions changes with the current transaction.

    The token is replaced now and again once the transaction commits: a read between the
    two, which cached the rows of before the commit under the newer token, is outdated at
    the commit (and a test's transaction, which never commits, still sees the change).
    """
    cache.set(version_key, _new_token(), timeout=None)
    transaction.on_commit(lambda: cache.set(version_key, _new_token(), timeout=None))


def _tokens(version_keys: list[str], found: dict) -> tuple | None:
    """The current token of each key (made on first use, or after an eviction); None when
    the cache cannot say (an outage): nothing is then stored or served from it."""
    tokens = []
    for key in version_keys:
        token = found.get(key)
        if token is None:
            cache.add(key, _new_token(), timeout=None)
            token = cache.get(key)
            if token is None:
                return None
        tokens.append(token)
    return tuple(tokens)


def _stored(body: bytes) -> StoredBody:
    return StoredBody(body, quote_etag(hashlib.blake2b(body, digest_size=16).hexdigest()))


def versioned_body(
    entry_key: str,
    version_keys: list[str],
    render: Callable[[], bytes],
    seconds: int,
) -> StoredBody:
    """The body ``render`` makes, from the cache while no token of ``version_keys`` has
    changed since it was made (and for at most ``seconds``; 0 or less: never cached).

    The tokens are read before ``render`` reads anything, so a write committed meanwhile
    leaves this entry under tokens already replaced: it is never served.
    """
    if seconds <= 0:
        return _stored(render())
    found = cache.get_many([*version_keys, entry_key])
    tokens = _tokens(version_keys, found)
    entry = found.get(entry_key)
    if tokens is not None and entry is not None and entry[0] == tokens:
        return StoredBody(entry[1], entry[2])
    stored = _stored(render())
    if tokens is not None:
        cache.set(entry_key, (tokens, stored.body, stored.etag), seconds)
    return stored
