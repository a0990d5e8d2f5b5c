"""Live comment events reach the playlist's comments group, after the transaction commits.

A test channel joins the group as a WebSocket consumer would; the HTTP API does the writes.
"""

import asyncio
import contextlib

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.social.models import COMMENT_TOMBSTONE
from rubysound.social.realtime import comments_group, notifications_group
from rubysound.social.selectors.comments import for_viewer
from tests.factories import CommentFactory
from tests.realtime import favorites, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_channel_layer"),
]


class GroupListener:
    def __init__(self, layer, channel):
        self.layer = layer
        self.channel = channel

    async def next(self) -> dict:
        async with asyncio.timeout(2):
            return await self.layer.receive(self.channel)

    async def nothing(self) -> bool:
        """True when no message arrives within a short while."""
        try:
            async with asyncio.timeout(0.2):
                await self.layer.receive(self.channel)
        except TimeoutError:
            return True
        return False


@contextlib.asynccontextmanager
async def listening(playlist_id: int):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = comments_group(playlist_id)
    await layer.group_add(group, channel)
    try:
        yield GroupListener(layer, channel)
    finally:
        await layer.group_discard(group, channel)


@database_sync_to_async
def make_comment(**fields):
    return CommentFactory(**fields)


@database_sync_to_async
def call(user, method: str, url: str, body: dict | None = None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    response = getattr(client, method)(url, body, format="json")
    return response.status_code, response.json()


def base_url(owner) -> str:
    return f"/api/playlists/public/{owner.username}/comments/"


async def test_a_new_comment_is_pushed_without_the_viewer_fields():
    owner, ann = await make_user(), await make_user(username="ann")
    playlist = await favorites(owner)
    async with listening(playlist.pk) as group:
        status, posted = await call(ann, "post", base_url(owner), {"text": "<b>hi</b>"})
        assert status == 201
        message = await group.next()
    assert message["type"] == "comment.event"
    assert message["event"] == "playlist_comment_created"
    assert message["owner_id"] == owner.pk
    comment = message["comment"]
    assert "can_delete" not in comment
    assert "liked_by_me" not in comment
    assert comment["author_id"] == ann.pk
    assert comment["text"] == "<b>hi</b>"
    # What a consumer turns it into for the poster is what the poster's POST answered.
    mine = for_viewer(comment, viewer_id=ann.pk, owner_id=owner.pk, liked_ids=set())
    assert mine == posted
    # And for the owner watching, can_delete is true (moderation); for others false.
    assert for_viewer(comment, viewer_id=owner.pk, owner_id=owner.pk, liked_ids=set())["can_delete"]
    assert not for_viewer(comment, viewer_id=None, owner_id=owner.pk, liked_ids=set())["can_delete"]


async def test_a_reply_is_pushed_with_its_thread_and_answered_user():
    owner, ann, bob = await make_user(), await make_user(), await make_user()
    playlist = await favorites(owner)
    root = await make_comment(playlist=playlist, author=ann)
    async with listening(playlist.pk) as group:
        status, _ = await call(bob, "post", base_url(owner), {"text": "yes", "parent_id": root.pk})
        assert status == 201
        comment = (await group.next())["comment"]
    assert comment["parent_id"] == root.pk
    assert comment["reply_to_user_id"] == ann.pk
    assert comment["replies"] == []


async def test_refused_writes_push_nothing():
    owner, ann = await make_user(), await make_user()
    playlist = await favorites(owner)
    root = await make_comment(playlist=playlist, author=ann, deleted_at=timezone.now())
    await make_comment(playlist=playlist, author=owner, parent=root)
    async with listening(playlist.pk) as group:
        status, _ = await call(ann, "post", base_url(owner), {"text": "x", "parent_id": root.pk})
        assert status == 400
        status, _ = await call(ann, "post", base_url(owner), {"text": "   "})
        assert status == 400
        status, _ = await call(ann, "post", f"{base_url(owner)}{root.pk}/like/")
        assert status == 400
        assert await group.nothing()


async def test_deleting_pushes_the_deleted_ids_and_tombstones():
    owner, ann, bob = await make_user(), await make_user(), await make_user()
    playlist = await favorites(owner)
    root = await make_comment(playlist=playlist, author=ann, text="private thought")
    reply = await make_comment(playlist=playlist, author=bob, parent=root)
    alone = await make_comment(playlist=playlist, author=ann)
    own_reply = await make_comment(playlist=playlist, author=ann, parent=alone)
    async with listening(playlist.pk) as group:
        # A root with bob's reply becomes a tombstone.
        assert (await call(ann, "delete", f"{base_url(owner)}{root.pk}/"))[0] == 200
        message = await group.next()
        assert message["event"] == "playlist_comment_deleted"
        assert message["deleted_ids"] == []
        [tombstone] = message["tombstones"]
        assert tombstone["id"] == root.pk
        assert tombstone["is_deleted"] is True
        assert tombstone["text"] == COMMENT_TOMBSTONE
        assert tombstone["author_id"] is None
        assert tombstone["author_username"] == ""
        assert "can_delete" not in tombstone
        assert "liked_by_me" not in tombstone
        assert "private thought" not in str(message)

        # The last reply under it: both go.
        assert (await call(bob, "delete", f"{base_url(owner)}{reply.pk}/"))[0] == 200
        message = await group.next()
        assert message["deleted_ids"] == [root.pk, reply.pk]
        assert message["tombstones"] == []

        # A root with only its author's replies goes with them (the owner moderating).
        assert (await call(owner, "delete", f"{base_url(owner)}{alone.pk}/"))[0] == 200
        message = await group.next()
        assert message["deleted_ids"] == [alone.pk, own_reply.pk]

        # Refused: nothing is pushed.
        assert (await call(bob, "delete", f"{base_url(owner)}{10**9}/"))[0] == 404
        assert await group.nothing()


async def test_like_changes_are_pushed_once_per_change():
    owner, ann, bob = await make_user(), await make_user(), await make_user()
    playlist = await favorites(owner)
    comment = await make_comment(playlist=playlist, author=ann)
    url = f"{base_url(owner)}{comment.pk}/like/"
    async with listening(playlist.pk) as group:
        assert (await call(bob, "post", url))[0] == 200
        assert await group.next() == {
            "type": "comment.event",
            "event": "playlist_comment_like_changed",
            "comment_id": comment.pk,
            "likes_count": 1,
            "actor_id": bob.pk,
            "liked": True,
        }
        assert (await call(bob, "post", url))[0] == 200  # no change, no push
        assert await group.nothing()
        assert (await call(bob, "delete", url))[0] == 200
        message = await group.next()
        assert (message["likes_count"], message["liked"]) == (0, False)
        assert (await call(bob, "delete", url))[0] == 200
        assert await group.nothing()


async def test_other_playlists_groups_hear_nothing():
    owner, other, ann = await make_user(), await make_user(), await make_user()
    other_playlist = await favorites(other)
    async with listening(other_playlist.pk) as group:
        assert (await call(ann, "post", base_url(owner), {"text": "hi"}))[0] == 201
        assert await group.nothing()


async def test_unliking_tells_the_author_their_pending_like_notification_is_gone():
    owner, ann, bob = await make_user(), await make_user(), await make_user()
    playlist = await favorites(owner)
    comment = await make_comment(playlist=playlist, author=ann)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(notifications_group(ann.pk), channel)
    try:
        status, _ = await call(bob, "post", f"{base_url(owner)}{comment.pk}/like/")
        assert status == 200
        async with asyncio.timeout(2):
            liked = (await layer.receive(channel))["payload"]
        status, _ = await call(bob, "delete", f"{base_url(owner)}{comment.pk}/like/")
        assert status == 200
        async with asyncio.timeout(2):
            removed = (await layer.receive(channel))["payload"]
    finally:
        await layer.group_discard(notifications_group(ann.pk), channel)

    assert liked["type"] == "comment_like"
    assert removed == {
        "type": "comment_like_removed",
        "actor_username": bob.username,
        "comment_id": comment.pk,
        "notification_ids": [liked["id"]],
        "unread_count": 0,
    }
