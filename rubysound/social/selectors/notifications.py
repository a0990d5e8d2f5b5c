"""Reading notifications, and the one shape they have in the API and over WebSocket."""

from django.db.models import QuerySet
from django.utils.text import Truncator

from rubysound.core.timefmt import iso_utc

from ..models import COMMENT_TOMBSTONE, Notification

COMMENT_EXCERPT_LENGTH = 140


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications, newest first, with everything their payload needs."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "playlist__owner", "comment")
        .order_by("-created_at", "-pk")
    )


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _user_brief(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.username,
        "avatar_url": user.avatar_url,
        "profile_url": user.profile_url,
    }


def notification_payload(notification: Notification) -> dict:
    """A notification as plain data; its ``type`` is the notification type.

    Needs ``actor``, ``playlist__owner`` and ``comment`` loaded (see ``notifications_for``).
    """
    playlist = notification.playlist
    comment = notification.comment
    return {
        "type": notification.type,
        "id": notification.pk,
        "created_at": iso_utc(notification.created_at),
        "read_at": iso_utc(notification.read_at),
        "actor": _user_brief(notification.actor),
        "actor_username": notification.actor.username if notification.actor else None,
        "playlist": (
            {
                "id": playlist.pk,
                "title": playlist.title,
                "owner_username": playlist.owner.username,
                "is_favorites": playlist.is_favorites,
            }
            if playlist is not None
            else None
        ),
        "comment": (
            {
                "id": comment.pk,
                "parent_id": comment.parent_id,
                "text": (
                    COMMENT_TOMBSTONE
                    if comment.is_deleted
                    else Truncator(comment.text).chars(COMMENT_EXCERPT_LENGTH)
                ),
            }
            if comment is not None
            else None
        ),
    }
