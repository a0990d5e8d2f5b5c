"""Version tokens of what a user's own playlist reads show (``core.http.versioned``).

Every write to a user's playlists (their items, titles, visibility, likes) replaces the
owner's token through ``playlists_changed``, from the services; a read kept under the old
token is not served again. ``GET /api/playlists/me/`` is kept this way: its entry also
follows the catalog's version (a rescan renaming or deleting a track) and the owner's
``is_public_favorites`` (part of the key: the user row comes fresh from authentication).
"""

import hashlib

from rubysound.catalog.selectors import CATALOG_VERSION_KEY
from rubysound.core.http.versioned import bump


def _playlists_key(user_id: int) -> str:
    return f"social:playlists:version:{user_id}"


def playlists_changed(owner_id: int) -> None:
    """The owner's playlists change with the current transaction."""
    bump(_playlists_key(owner_id))


def favorites_version_keys(user) -> list[str]:
    return [_playlists_key(user.pk), CATALOG_VERSION_KEY]


def favorites_entry_key(user, filters, base_url: str) -> str:
    """One entry per user, way of narrowing the list, and site address (URLs are absolute)."""
    shape = f"{filters!r}|{base_url}|{user.is_public_favorites}"
    digest = hashlib.blake2b(shape.encode(), digest_size=12).hexdigest()
    return f"social:favorites:{user.pk}:{digest}"
