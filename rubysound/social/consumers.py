from channels.db import database_sync_to_async

from rubysound.core.websocket import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, RubySoundConsumer

from .realtime import comments_group, notifications_group
from .selectors.comments import for_viewer, public_favorites


class NotificationConsumer(RubySoundConsumer):
    """``/ws/notifications/``: every notification for the signed-in user, as it happens."""

    route_name = "notifications"

    async def connect(self):
        if not self.user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        await self.join_group(notifications_group(self.user.pk))
        await self.accept_connection()

    async def notification_push(self, event):
        await self.send_json(event["payload"])


@database_sync_to_async
def _public_favorites_id_and_owner(username: str) -> tuple[int, int] | None:
    _, playlist = public_favorites(username)
    if playlist is None:
        return None
    return playlist.pk, playlist.owner_id


class PublicCommentsConsumer(RubySoundConsumer):
    """``/ws/comments/public/<username>/``: the comments of a user's public Favorites, live.

    Anyone may watch, signed in or not. A missing, inactive or private user, or one without
    Favorites, is closed with 4404. Group messages (see ``realtime.push_comment_event_on_commit``)
    carry what every viewer sees; this socket adds its viewer's ``can_delete`` and
    ``liked_by_me`` without a query, so a comment pushed to many viewers costs no query each.

    Who may watch is decided at connect: if the owner makes their Favorites private later,
    open sockets keep receiving the comments until they reconnect (and are then refused).
    """

    route_name = "comments"

    async def connect(self):
        found = await _public_favorites_id_and_owner(self.scope["url_route"]["kwargs"]["username"])
        if found is None:
            await self.refuse(CLOSE_NOT_FOUND)
            return
        playlist_id, self.owner_id = found
        # Fixed for the socket's life, like the connection's authentication.
        self.viewer_id = self.user.pk if self.user.is_authenticated else None
        await self.join_group(comments_group(playlist_id))
        await self.accept_connection()

    def _for_this_viewer(self, base: dict, owner_id: int) -> dict:
        # A new comment, and a tombstone, are liked by nobody as far as this socket knows:
        # which earlier comments the viewer liked would take a query per viewer.
        return for_viewer(base, viewer_id=self.viewer_id, owner_id=owner_id, liked_ids=set())

    async def comment_event(self, event):
        kind = event.get("event")
        if kind == "playlist_comment_created":
            owner_id = event.get("owner_id", self.owner_id)
            message = {"comment": self._for_this_viewer(event["comment"], owner_id)}
        elif kind == "playlist_comment_deleted":
            message = {
                "deleted_ids": event["deleted_ids"],
                "tombstones": [
                    self._for_this_viewer(tombstone, self.owner_id)
                    for tombstone in event.get("tombstones", [])
                ],
            }
        elif kind == "playlist_comment_like_changed":
            message = {"comment_id": event["comment_id"], "likes_count": event["likes_count"]}
            # Only the liker's own pages learn their new state; others just see the count.
            if self.viewer_id is not None and event.get("actor_id") == self.viewer_id:
                message["liked_by_me"] = event["liked"]
        else:
            # An event this server does not know yet (a newer server during a rolling deploy).
            return
        await self.send_json({"type": kind, **message})
