"""Reading comment threads, and the one shape a comment has in the API and over WebSocket.

A comment object is built in two steps so that a live push costs no query per viewer:
``comment_base_object`` gives what every viewer sees (it goes into group messages), and
``for_viewer`` adds what depends on who receives it (``can_delete``, ``liked_by_me``). The
HTTP views and the comments WebSocket consumer both use these two.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects

from rubysound.accounts.models import username_key_for
from rubysound.core.timefmt import iso_utc

from ..models import COMMENT_TOMBSTONE, Comment, CommentLike, Playlist
from ..people import ShownUser

# The thread view shows the latest this many root comments (each with all its replies).
THREAD_ROOT_LIMIT = 50


# --- The comment object ------------------------------------------------------------------


def comment_base_object(comment: Comment, likes_count: int, replies: list[dict] = ()) -> dict:
    """A comment as everyone sees it, without the per-viewer fields.

    Needs ``author`` and ``reply_to_user`` loaded, with their profile switches (whether
    they are named: see people.py). A tombstone (a deleted root kept for its replies) shows
    COMMENT_TOMBSTONE and no author. ``replies`` are base objects too.
    """
    if comment.is_deleted:
        author = {
            "author_id": None,
            "author_username": "",
            "author_display_name": "",
            "author_avatar_url": "",
            "author_profile_url": "",
        }
        text = COMMENT_TOMBSTONE
    else:
        # Authors others may not look up are "a listener" (see people.py); the id stays,
        # for ``can_delete``: it names nobody.
        shown = ShownUser.of(comment.author)
        author = {
            "author_id": comment.author_id,
            "author_username": shown.username,
            "author_display_name": shown.display_name,
            "author_avatar_url": shown.avatar_url,
            "author_profile_url": shown.profile_url,
        }
        text = comment.text
    reply_to = ShownUser.of(comment.reply_to_user) if comment.reply_to_user else None
    return {
        "id": comment.pk,
        "text": text,
        **author,
        "created_at": iso_utc(comment.created_at),
        "parent_id": comment.parent_id,
        "reply_to_user_id": comment.reply_to_user_id,
        "reply_to_username": reply_to.username if reply_to is not None else None,
        "reply_to_display_name": reply_to.display_name if reply_to is not None else None,
        "likes_count": likes_count,
        "is_deleted": comment.is_deleted,
        "replies": list(replies),
    }


def for_viewer(base: dict, *, viewer_id: int | None, owner_id: int, liked_ids: set[int]) -> dict:
    """The comment object as one viewer receives it (``viewer_id`` None: anonymous).

    ``can_delete``: the author, or the playlist's owner (moderation); never a tombstone.
    ``liked_ids``: which of the comments shown the viewer likes. Recurses into ``replies``
    when the base object has them (tombstones in deletion events carry none).
    """
    signed_in = viewer_id is not None
    result = {
        **base,
        "can_delete": (
            signed_in and not base["is_deleted"] and viewer_id in (base["author_id"], owner_id)
        ),
        "liked_by_me": signed_in and base["id"] in liked_ids,
    }
    if "replies" in base:
        result["replies"] = [
            for_viewer(reply, viewer_id=viewer_id, owner_id=owner_id, liked_ids=liked_ids)
            for reply in base["replies"]
        ]
    return result


def comment_ids(bases: list[dict]) -> list[int]:
    """The ids of these comment objects and of all their replies."""
    ids = []
    for base in bases:
        ids.append(base["id"])
        ids.extend(comment_ids(base.get("replies", [])))
    return ids


def liked_comment_ids(viewer_id: int | None, ids: list[int]) -> set[int]:
    """Which of these comments the viewer likes: one query (none for anonymous viewers)."""
    if viewer_id is None or not ids:
        return set()
    return set(
        CommentLike.objects.filter(user_id=viewer_id, comment_id__in=ids).values_list(
            "comment_id", flat=True
        )
    )


# --- Finding the playlist and its comments -----------------------------------------------


def public_favorites(username: str) -> tuple[object | None, Playlist | None]:
    """The public owner with this username (any case) and their Favorites.

    ``(None, None)`` when the user is missing, inactive or keeps Favorites private;
    ``(owner, None)`` for a public owner who has no Favorites row yet (reads never create).
    """
    playlist = (
        Playlist.objects.public()
        .favorites()
        .select_related("owner")
        .filter(owner__username_key=username_key_for(username))
        .first()
    )
    if playlist is not None:
        return playlist.owner, playlist
    owner = (
        get_user_model()
        .objects.filter(
            username_key=username_key_for(username), is_active=True, is_public_favorites=True
        )
        .first()
    )
    return owner, None


def comment_of(playlist: Playlist | None, comment_id: int) -> Comment | None:
    """A comment of this playlist (root or reply, tombstone or not), or None."""
    if playlist is None:
        return None
    return (
        Comment.objects.filter(playlist=playlist, pk=comment_id)
        .select_related("author", "reply_to_user")
        .first()
    )


def _with_likes_count(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    return queryset.select_related("author", "reply_to_user").annotate(likes_count=Count("likes"))


def thread_objects(playlist: Playlist | None) -> tuple[list[dict], int]:
    """The latest THREAD_ROOT_LIMIT root comments (oldest first), each with all its replies
    (oldest first), as base objects; and how many root comments the playlist has.

    The count is of ALL root comments, tombstones included (they are shown too), so a
    client can tell that older ones exist beyond the latest THREAD_ROOT_LIMIT. At most three
    queries whatever the number of comments, replies and likes: the roots with their likes
    counts, their replies with theirs, and the count (only when the limit is reached).
    """
    if playlist is None:
        return [], 0
    roots = _with_likes_count(Comment.objects.filter(playlist=playlist, parent__isnull=True))
    latest = list(roots.order_by("-created_at", "-pk")[:THREAD_ROOT_LIMIT])
    latest.reverse()
    replies = _with_likes_count(Comment.objects.all()).order_by("created_at", "pk")
    prefetch_related_objects(latest, Prefetch("replies", queryset=replies))
    objects = [
        comment_base_object(
            root,
            root.likes_count,
            [comment_base_object(reply, reply.likes_count) for reply in root.replies.all()],
        )
        for root in latest
    ]
    if len(latest) < THREAD_ROOT_LIMIT:
        total = len(latest)
    else:
        total = Comment.objects.filter(playlist=playlist, parent__isnull=True).count()
    return objects, total


def comment_likers(comment: Comment) -> QuerySet[CommentLike]:
    """Who likes a comment, newest first."""
    return (
        CommentLike.objects.filter(comment=comment)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
