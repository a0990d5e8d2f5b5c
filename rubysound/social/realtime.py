"""Group names and pushes for live updates; services call these, and only after commit.

Group messages carry viewer-independent data. Consumers turn it into what each viewer
receives (``can_delete`` and ``liked_by_me`` differ per viewer), so a push costs no query
per connected viewer.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def notifications_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def comments_group(playlist_id: int) -> str:
    return f"comments.playlist.{playlist_id}"


def _group_send(group: str, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def push_to_user(user_id: int, payload: dict) -> None:
    """Sends a JSON message (with a ``type``) to every open notifications socket of a user."""
    _group_send(notifications_group(user_id), {"type": "notification.push", "payload": payload})


def push_to_user_on_commit(user_id: int, payload: dict) -> None:
    transaction.on_commit(lambda: push_to_user(user_id, payload))


def push_comment_event_on_commit(playlist_id: int, event: dict) -> None:
    """Sends a comment event to everyone watching a playlist's comments, after commit.

    ``event`` is one of (ids are integers, ``comment`` a comment object without the
    per-viewer fields ``can_delete`` and ``liked_by_me``):

    - ``{"event": "playlist_comment_created", "comment": {...}, "owner_id": ...}``
    - ``{"event": "playlist_comment_deleted", "deleted_ids": [...], "tombstones": [{...}]}``
    - ``{"event": "playlist_comment_like_changed", "comment_id": ..., "likes_count": ...,
      "actor_id": ..., "liked": bool}``
    """
    message = {"type": "comment.event", **event}
    transaction.on_commit(lambda: _group_send(comments_group(playlist_id), message))
