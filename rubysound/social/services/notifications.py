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
    """Marks some (``ids``) or all of the user's unread notifications read; returns how many.

    Ids that are not the user's, or already read, are skipped without a word: the answer
    must not tell anyone which ids exist. The user's open pages (other tabs, the phone) are
    told after commit, with the ids actually marked (or ``all``) and the new unread count.
    """
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    with transaction.atomic():
        if ids is None:
            marked = unread.update(read_at=timezone.now())
            scope = {"all": True}
        else:
            marked_ids = list(unread.filter(pk__in=ids).values_list("pk", flat=True))
            marked = (
                unread.filter(pk__in=marked_ids).update(read_at=timezone.now()) if marked_ids else 0
            )
            scope = {"ids": marked_ids}
        if marked:
            push_to_user_on_commit(
                user.pk,
                {"type": "notifications_read", **scope, "unread_count": unread_count(user)},
            )
    return marked


_UNLINKED = {
    "lastfm": Notification.Type.LASTFM_UNLINKED,
    "listenbrainz": Notification.Type.LISTENBRAINZ_UNLINKED,
}


def notify_scrobble_link_refused(sender, *, user, service: str, **kwargs) -> None:
    """The receiver of catalog's ``scrobble_link_refused``: the service refused the user's
    session or token, the link is gone, and the user must hear it to link again."""
    notify(recipient=user, actor=None, type=_UNLINKED[service])
