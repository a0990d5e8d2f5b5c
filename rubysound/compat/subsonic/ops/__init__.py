"""The operations, one module per group; each registers itself in ``registry``."""

from . import (
    annotation,
    browsing,
    lists,
    lyrics,
    media,
    play_queue,
    playlists,
    ratings,
    search,
    system,
    transcoding,
    unsupported,
)

__all__ = [
    "annotation",
    "browsing",
    "lists",
    "lyrics",
    "media",
    "play_queue",
    "playlists",
    "ratings",
    "search",
    "system",
    "transcoding",
    "unsupported",
]
