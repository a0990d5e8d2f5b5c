"""Creating, withdrawing and reading notifications; every push goes out after commit."""

from django.db import transaction
from django.utils import timezone

from ..models import Notification
from ..realtime import push_to_user_on_commit
from ..selectors.notifications import notification_payload, unread_count


def notify(
    *,
    recipient,
    actor,
    type: str,
    playlist=None,
    comment=None,
    extra: dict | None = None,
) -> Notification | None:
    """Records that ``actor`` did something to ``recipient``'s things, and pushes it live.

    Nobody is notified of their own actions. ``extra`` adds fields to the live message only
    (e.g. the playlist's new ``likes_count``).
    """
    if actor is not None and actor.pk == recipient.pk:
        return None
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=recipient, actor=actor, type=type, playlist=playlist, comment=comment
        )
        payload = {
            **notification_payload(notification),
            "unread_count": unread_count(recipient),
            **(extra or {}),
        }
        push_to_user_on_commit(recipient.pk, payload)
    return notification


def withdraw_unread(*, recipient, actor, type: str, playlist=None, comment=None) -> list[int]:
    """Removes the matching notifications the recipient has not read yet; returns their ids.

    Read ones stay: they are the recipient's history.
    """
    matching = Notification.objects.filter(
        recipient=recipient, actor=actor, type=type, read_at__isnull=True
    )
    if playlist is not None:
        matching = matching.filter(playlist=playlist)
    if comment is not None:
        matching = matching.filter(comment=comment)
    ids = list(matching.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids).delete()
    return ids


def mark_read(user, ids: list[int] | None = None) -> int:
    """Marks some (``ids``) or all of the user's unread notifications read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
