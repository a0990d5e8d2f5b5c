"""Writing comments and comment likes; notifications and live events go out after commit.

Threads have one nesting level: a root comment on a playlist, and replies to it. A reply
may answer the root's author or any other replier of the thread (``reply_to_user``).

Row locks keep concurrent writes on one thread consistent: posting a reply and deleting a
comment lock the thread's root first, and liking locks the liked comment, so a reply never
lands on a root being deleted and a like never lands on a comment being deleted (which
would fail the foreign key at commit).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import CommentGone, CommentRefused, NotAllowedToDelete
from ..models import COMMENT_MAX_LENGTH, Comment, CommentLike, Notification, Playlist
from ..realtime import push_comment_event_on_commit, push_to_user_on_commit
from ..selectors.comments import comment_base_object
from ..selectors.notifications import unread_count
from .notifications import notify, withdraw_unread

TEXT_REQUIRED = "Comment text is required."
TEXT_TOO_LONG = f"Comment is too long (at most {COMMENT_MAX_LENGTH} characters)."


def validate_comment_text(text: str) -> None:
    """1..COMMENT_MAX_LENGTH characters, not only whitespace; kept exactly as typed."""
    if not text.strip():
        raise CommentRefused(TEXT_REQUIRED, field="text")
    if len(text) > COMMENT_MAX_LENGTH:
        raise CommentRefused(TEXT_TOO_LONG, field="text")


# --- Posting ------------------------------------------------------------------------------


def _locked_root(playlist: Playlist, root_id: int, field: str) -> Comment:
    """The thread's root, locked until commit, provided it still takes replies."""
    root = Comment.objects.select_for_update().filter(playlist=playlist, pk=root_id).first()
    if root is None:
        raise CommentRefused("That comment does not exist on this playlist.", field=field)
    if root.parent_id is not None:
        raise CommentRefused("Replies are only allowed to root comments.", field=field)
    if root.is_deleted:
        raise CommentRefused("That comment was deleted and takes no new replies.", field=field)
    return root


def _thread_position(
    playlist: Playlist, parent_id: int | None, reply_to_comment_id: int | None
) -> tuple[Comment | None, object | None]:
    """Where a new comment goes: ``(root it replies to, user it answers)``, or (None, None).

    Accepted: ``parent_id`` alone (a root; the reply answers the root's author);
    ``reply_to_comment_id`` alone (any comment of the playlist; the reply goes into that
    comment's thread and answers its author); or both, when the comment replied to is the
    root ``parent_id`` or one of its replies.
    """
    if parent_id is None and reply_to_comment_id is None:
        return None, None
    answered = None
    if reply_to_comment_id is not None:
        answered = (
            Comment.objects.select_related("author")
            .filter(playlist=playlist, pk=reply_to_comment_id)
            .first()
        )
        if answered is None:
            raise CommentRefused(
                "That comment does not exist on this playlist.", field="reply_to_comment_id"
            )
        thread_id = answered.parent_id or answered.pk
        if parent_id is not None and parent_id != thread_id:
            raise CommentRefused(
                "The comment replied to is not in that thread.", field="reply_to_comment_id"
            )
        root = _locked_root(playlist, thread_id, field="reply_to_comment_id")
    else:
        root = _locked_root(playlist, parent_id, field="parent_id")
    answered_user = answered.author if answered is not None else root.author
    return root, answered_user


def post_comment(
    *,
    author,
    playlist: Playlist,
    text: str,
    parent_id: int | None = None,
    reply_to_comment_id: int | None = None,
) -> Comment:
    """Posts a root comment, or a reply (see ``_thread_position`` for what is accepted).

    Notifies the replied-to user (COMMENT_REPLY) and the playlist's owner
    (PLAYLIST_COMMENT), the owner only once: when the reply answers the owner, they get the
    COMMENT_REPLY alone. Nobody is notified of their own comment.
    """
    validate_comment_text(text)
    with transaction.atomic():
        root, answered_user = _thread_position(playlist, parent_id, reply_to_comment_id)
        comment = Comment.objects.create(
            playlist=playlist,
            author=author,
            parent=root,
            reply_to_user=answered_user,
            text=text,
        )
        owner = playlist.owner
        if answered_user is not None:
            notify(
                recipient=answered_user,
                actor=author,
                type=Notification.Type.COMMENT_REPLY,
                playlist=playlist,
                comment=comment,
            )
        if answered_user is None or answered_user.pk != owner.pk:
            notify(
                recipient=owner,
                actor=author,
                type=Notification.Type.PLAYLIST_COMMENT,
                playlist=playlist,
                comment=comment,
            )
        push_comment_event_on_commit(
            playlist.pk,
            {
                "event": "playlist_comment_created",
                "comment": comment_base_object(comment, 0),
                "owner_id": playlist.owner_id,
            },
        )
    return comment


# --- Deleting -----------------------------------------------------------------------------


def may_delete(user, playlist: Playlist, comment: Comment) -> bool:
    return not comment.is_deleted and user.pk in (comment.author_id, playlist.owner_id)


def _tombstone_object(root: Comment) -> dict:
    """A tombstone for the deletion event: no ``replies`` key, the thread's replies stay."""
    base = comment_base_object(root, root.likes.count())
    del base["replies"]
    return base


def delete_comment(*, user, playlist: Playlist, comment: Comment) -> tuple[list[int], list[dict]]:
    """Deletes a comment for its author or the playlist's owner; returns what the live
    event says: ``(deleted_ids, tombstones)``.

    - A reply is deleted. If it was the last reply under a tombstone, the tombstone goes too.
    - A root with replies by someone other than its author becomes a tombstone: its text
      is kept in the database but no longer shown, the replies stay, and so do its
      notifications.
    - A root without replies, or with only its author's own replies, is deleted with them.

    Hard deletes take the comments' likes and notifications with them (foreign keys).
    """
    if not may_delete(user, playlist, comment):
        if comment.is_deleted:
            raise CommentGone()
        raise NotAllowedToDelete()
    root_id = comment.parent_id or comment.pk
    with transaction.atomic():
        # Lock the root first, then read its replies in a new statement: a reply posted
        # meanwhile (posting locks the root too) is committed by then and seen here.
        root = Comment.objects.select_for_update().filter(playlist=playlist, pk=root_id).first()
        if root is None:
            raise CommentGone()
        replies = list(Comment.objects.select_for_update().filter(parent_id=root_id).order_by("pk"))
        if comment.pk != root_id and comment.pk not in {reply.pk for reply in replies}:
            raise CommentGone()
        deleted_ids: list[int] = []
        tombstones: list[dict] = []
        if comment.pk == root_id:
            if root.is_deleted:
                raise CommentGone()
            if any(reply.author_id != root.author_id for reply in replies):
                root.deleted_at = timezone.now()
                root.save(update_fields=["deleted_at"])
                tombstones.append(_tombstone_object(root))
            else:
                deleted_ids = [root.pk, *(reply.pk for reply in replies)]
                Comment.objects.filter(pk__in=deleted_ids).delete()
        else:
            deleted_ids = [comment.pk]
            if root.is_deleted and len(replies) == 1:
                deleted_ids.append(root.pk)
            Comment.objects.filter(pk__in=deleted_ids).delete()
        push_comment_event_on_commit(
            playlist.pk,
            {
                "event": "playlist_comment_deleted",
                "deleted_ids": sorted(deleted_ids),
                "tombstones": tombstones,
            },
        )
    return sorted(deleted_ids), tombstones


# --- Likes --------------------------------------------------------------------------------


def _push_like_changed(playlist: Playlist, comment: Comment, user, likes_count: int, liked: bool):
    push_comment_event_on_commit(
        playlist.pk,
        {
            "event": "playlist_comment_like_changed",
            "comment_id": comment.pk,
            "likes_count": likes_count,
            "actor_id": user.pk,
            "liked": liked,
        },
    )


def like_comment(*, user, playlist: Playlist, comment: Comment) -> int:
    """The user likes the comment (again: no change); returns its likes count.

    Safe under concurrency: the unique (comment, user) constraint decides, inside a
    savepoint, so two simultaneous likes make one row and both succeed. The author is
    notified of the first like only. A tombstone cannot be liked.
    """
    if comment.is_deleted:
        raise CommentRefused("A deleted comment cannot be liked.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
        if locked is None:
            raise CommentGone()
        if locked.is_deleted:
            raise CommentRefused("A deleted comment cannot be liked.")
        try:
            with transaction.atomic():
                CommentLike.objects.create(comment=comment, user=user)
            created = True
        except IntegrityError:
            created = False
        likes_count = CommentLike.objects.filter(comment=comment).count()
        if created:
            notify(
                recipient=comment.author,
                actor=user,
                type=Notification.Type.COMMENT_LIKE,
                playlist=playlist,
                comment=comment,
            )
            _push_like_changed(playlist, comment, user, likes_count, liked=True)
    return likes_count


def unlike_comment(*, user, playlist: Playlist, comment: Comment) -> int:
    """The user no longer likes the comment (never did: no change); returns its likes count.

    The author's COMMENT_LIKE notification for this like is withdrawn if still unread.
    """
    with transaction.atomic():
        removed, _ = CommentLike.objects.filter(comment=comment, user=user).delete()
        likes_count = CommentLike.objects.filter(comment=comment).count()
        if removed:
            withdrawn = withdraw_unread(
                recipient=comment.author,
                actor=user,
                type=Notification.Type.COMMENT_LIKE,
                comment=comment,
            )
            if withdrawn:
                # The author's open pages drop the notification and fix their unread badge.
                push_to_user_on_commit(
                    comment.author_id,
                    {
                        "type": "comment_like_removed",
                        "actor_username": user.username,
                        "comment_id": comment.pk,
                        "notification_ids": withdrawn,
                        "unread_count": unread_count(comment.author),
                    },
                )
            _push_like_changed(playlist, comment, user, likes_count, liked=False)
    return likes_count
