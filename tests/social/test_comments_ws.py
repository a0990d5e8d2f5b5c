"""``/ws/comments/public/<username>/`` through the deployed ASGI application.

Comments are written by the real services (and, at the end, through the HTTP API); each
socket receives the event as its own viewer sees it.
"""

import contextlib

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.test import APIClient

from rubysound.asgi import application
from rubysound.social.models import COMMENT_TOMBSTONE
from rubysound.social.realtime import comments_group
from rubysound.social.services import comments as services
from tests.factories import CommentFactory
from tests.realtime import (
    COMMENT_MARKER,
    access_token,
    assert_no_comment_event,
    favorites,
    make_user,
    send_comment_marker,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_channel_layer"),
]


def path_for(username: str) -> str:
    return f"/ws/comments/public/{username}/"


@contextlib.asynccontextmanager
async def socket(username: str, viewer=None):
    """A connected socket on ``username``'s comments, anonymous or signed in as ``viewer``."""
    path = path_for(username)
    if viewer is not None:
        path += f"?token={await access_token(viewer)}"
    communicator = WebsocketCommunicator(application, path)
    try:
        connected, _ = await communicator.connect()
        assert connected
        # Still open: a ping is answered rather than the socket being closed.
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from() == {"type": "pong"}
        yield communicator
    finally:
        await communicator.disconnect()


@pytest.fixture
async def owner():
    """A user whose Favorites are public."""
    return await make_user(username="Maria")


@pytest.fixture
async def playlist(owner):
    return await favorites(owner)


@pytest.fixture
async def author():
    return await make_user()


@pytest.fixture
async def other():
    return await make_user()


def post(author, playlist, text="Lovely", **reply):
    return database_sync_to_async(services.post_comment)(
        author=author, playlist=playlist, text=text, **reply
    )


# --- Who may watch ------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["missing", "inactive", "private", "no_favorites"])
async def test_missing_inactive_private_or_favoriteless_users_are_closed_with_4404(case):
    username = "nobody"
    if case == "inactive":
        username = (await make_user(is_active=False)).username
    elif case == "private":
        username = (await make_user(is_public_favorites=False)).username
    elif case == "no_favorites":
        username = (await make_user(favorites=False)).username
    communicator = WebsocketCommunicator(application, path_for(username))
    try:
        connected, _ = await communicator.connect()
        # Accepted first, so the browser sees a close code it can act on.
        assert connected
        assert await communicator.receive_output(timeout=1) == {
            "type": "websocket.close",
            "code": 4404,
        }
    finally:
        await communicator.disconnect()


async def test_a_private_user_is_refused_even_to_themselves():
    owner = await make_user(is_public_favorites=False)
    communicator = WebsocketCommunicator(
        application, f"{path_for(owner.username)}?token={await access_token(owner)}"
    )
    try:
        assert (await communicator.connect())[0]
        assert (await communicator.receive_output(timeout=1))["code"] == 4404
    finally:
        await communicator.disconnect()


async def test_the_username_matches_in_any_case(playlist, author):
    async with socket("mARIA") as anonymous:
        await post(author, playlist, "Hi")
        assert (await anonymous.receive_json_from())["comment"]["text"] == "Hi"


# --- What each viewer receives ------------------------------------------------------------


async def test_a_new_comment_reaches_every_viewer_with_their_own_can_delete(
    owner, playlist, author, other
):
    async with (
        socket("Maria") as anonymous,
        socket("Maria", viewer=author) as author_ws,
        socket("Maria", viewer=owner) as owner_ws,
        socket("Maria", viewer=other) as other_ws,
    ):
        comment = await post(author, playlist, "Great picks")
        received = {
            "anonymous": await anonymous.receive_json_from(),
            "author": await author_ws.receive_json_from(),
            "owner": await owner_ws.receive_json_from(),
            "other": await other_ws.receive_json_from(),
        }
    for message in received.values():
        assert message["type"] == "playlist_comment_created"
        assert message["comment"]["id"] == comment.pk
        assert message["comment"]["text"] == "Great picks"
        assert message["comment"]["author_username"] == author.username
        assert message["comment"]["likes_count"] == 0
        assert message["comment"]["replies"] == []
        assert message["comment"]["liked_by_me"] is False
    can_delete = {viewer: message["comment"]["can_delete"] for viewer, message in received.items()}
    assert can_delete == {"anonymous": False, "author": True, "owner": True, "other": False}


async def test_a_reply_arrives_with_its_thread_and_who_it_answers(playlist, author, other):
    root = await post(author, playlist, "Root")
    async with socket("Maria", viewer=author) as author_ws:
        reply = await post(other, playlist, "Agreed", parent_id=root.pk)
        message = await author_ws.receive_json_from()
    assert message["comment"]["id"] == reply.pk
    assert message["comment"]["parent_id"] == root.pk
    assert message["comment"]["reply_to_username"] == author.username
    # The author of the root may not delete someone else's reply on it.
    assert message["comment"]["can_delete"] is False


async def test_a_deleted_root_with_others_replies_becomes_a_tombstone_nobody_may_delete(
    owner, playlist, author, other
):
    root = await post(author, playlist, "Root")
    await post(other, playlist, "Reply", parent_id=root.pk)
    async with (
        socket("Maria") as anonymous,
        socket("Maria", viewer=owner) as owner_ws,
        socket("Maria", viewer=author) as author_ws,
    ):
        await database_sync_to_async(services.delete_comment)(
            user=owner, playlist=playlist, comment=root
        )
        for ws in (anonymous, owner_ws, author_ws):
            message = await ws.receive_json_from()
            assert message["type"] == "playlist_comment_deleted"
            assert message["deleted_ids"] == []
            [tombstone] = message["tombstones"]
            assert tombstone["id"] == root.pk
            assert tombstone["text"] == COMMENT_TOMBSTONE
            assert tombstone["author_username"] == ""
            assert tombstone["can_delete"] is False
            assert tombstone["liked_by_me"] is False


async def test_a_deleted_root_without_replies_is_announced_by_id(playlist, author):
    root = await post(author, playlist, "Root")
    own_reply = await post(author, playlist, "PS", parent_id=root.pk)
    async with socket("Maria") as anonymous:
        await database_sync_to_async(services.delete_comment)(
            user=author, playlist=playlist, comment=root
        )
        assert await anonymous.receive_json_from() == {
            "type": "playlist_comment_deleted",
            "deleted_ids": sorted([root.pk, own_reply.pk]),
            "tombstones": [],
        }


async def test_a_like_tells_only_the_liker_liked_by_me_and_everyone_the_count(
    playlist, author, other
):
    comment = await post(author, playlist, "Root")
    async with (
        socket("Maria") as anonymous,
        socket("Maria", viewer=other) as liker_ws,
        socket("Maria", viewer=author) as author_ws,
    ):
        await database_sync_to_async(services.like_comment)(
            user=other, playlist=playlist, comment=comment
        )
        liked = {"type": "playlist_comment_like_changed", "comment_id": comment.pk}
        assert await liker_ws.receive_json_from() == {
            **liked,
            "likes_count": 1,
            "liked_by_me": True,
        }
        assert await anonymous.receive_json_from() == {**liked, "likes_count": 1}
        assert await author_ws.receive_json_from() == {**liked, "likes_count": 1}

        await database_sync_to_async(services.unlike_comment)(
            user=other, playlist=playlist, comment=comment
        )
        assert await liker_ws.receive_json_from() == {
            **liked,
            "likes_count": 0,
            "liked_by_me": False,
        }
        assert await author_ws.receive_json_from() == {**liked, "likes_count": 0}


async def test_a_repeated_like_changes_nothing_and_sends_nothing(playlist, author, other):
    comment = await post(author, playlist, "Root")
    like = database_sync_to_async(services.like_comment)
    await like(user=other, playlist=playlist, comment=comment)
    async with socket("Maria") as anonymous:
        await like(user=other, playlist=playlist, comment=comment)
        await assert_no_comment_event(anonymous, playlist.pk)


async def test_only_the_watched_playlists_comments_arrive(playlist, author, other):
    async with socket(other.username) as elsewhere:
        await post(author, playlist, "Not for you")
        await assert_no_comment_event(elsewhere, (await favorites(other)).pk)


# --- After commit, and only then ----------------------------------------------------------


async def test_a_comment_is_pushed_when_its_transaction_commits_not_before(playlist, author):
    async with socket("Maria") as anonymous:

        def post_and_mark_before_commit():
            with transaction.atomic():
                comment = services.post_comment(author=author, playlist=playlist, text="Soon")
                async_to_sync(send_comment_marker)(playlist.pk)
            return comment

        comment = await database_sync_to_async(post_and_mark_before_commit)()
        # The socket heard nothing while the comment was not committed: the marker sent
        # then comes first. (The socket cannot hear anything during the transaction itself:
        # its consumer waits for the thread the transaction holds.)
        assert await anonymous.receive_json_from() == COMMENT_MARKER
        message = await anonymous.receive_json_from()
    assert message["comment"]["id"] == comment.pk


async def test_nothing_is_pushed_when_the_transaction_rolls_back(playlist, author, other):
    comment = await post(author, playlist, "Root")

    class Abandoned(Exception):
        pass

    def write_then_roll_back():
        with transaction.atomic():
            services.post_comment(author=other, playlist=playlist, text="Never mind")
            services.like_comment(user=other, playlist=playlist, comment=comment)
            services.delete_comment(user=author, playlist=playlist, comment=comment)
            raise Abandoned

    async with socket("Maria") as anonymous:
        with pytest.raises(Abandoned):
            await database_sync_to_async(write_then_roll_back)()
        await assert_no_comment_event(anonymous, playlist.pk)
        # The socket is alive: the next committed comment arrives.
        await post(other, playlist, "For real")
        assert (await anonymous.receive_json_from())["comment"]["text"] == "For real"


# --- The socket itself --------------------------------------------------------------------


async def test_unknown_frames_are_told_so_and_unknown_events_are_ignored(playlist):
    async with socket("Maria") as anonymous:
        # Every bad frame on every route: tests/core/test_websocket_frames.py.
        for frame in ({"type": "subscribe", "to": "everything"}, ["not", "an", "object"]):
            await anonymous.send_json_to(frame)
            assert (await anonymous.receive_json_from())["code"] == "bad_request"
        await get_channel_layer().group_send(
            comments_group(playlist.pk), {"type": "comment.event", "event": "from_the_future"}
        )
        await assert_no_comment_event(anonymous, playlist.pk)
        await anonymous.send_json_to({"type": "ping"})
        assert await anonymous.receive_json_from() == {"type": "pong"}


async def test_a_closed_socket_leaves_the_group(playlist):
    async with socket("Maria"):
        assert await group_members(comments_group(playlist.pk)) == 1
    assert await group_members(comments_group(playlist.pk)) == 0


async def group_members(group: str) -> int:
    """How many channels a group holds, on the in-memory or the Redis layer."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zcard(layer._group_key(group))


# --- End to end: the HTTP API writes, the socket tells ------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


async def test_comments_posted_liked_and_deleted_through_the_api_reach_the_socket(
    owner, author, other
):
    base = "/api/playlists/public/maria/comments/"
    call = database_sync_to_async(
        lambda client, method, url, **kw: getattr(client, method)(url, **kw)
    )
    async with socket("Maria", viewer=owner) as owner_ws, socket("Maria") as anonymous:
        posted = await call(api_as(author), "post", base, data={"text": "From the API"})
        assert posted.status_code == 201, posted.content
        comment_id = posted.json()["id"]
        created = await owner_ws.receive_json_from()
        assert created["type"] == "playlist_comment_created"
        assert created["comment"]["id"] == comment_id
        assert created["comment"]["can_delete"] is True  # the owner moderates
        assert (await anonymous.receive_json_from())["comment"]["can_delete"] is False

        liked = await call(api_as(other), "post", f"{base}{comment_id}/like/")
        assert liked.status_code == 200, liked.content
        expected = {
            "type": "playlist_comment_like_changed",
            "comment_id": comment_id,
            "likes_count": 1,
        }
        assert await owner_ws.receive_json_from() == expected
        assert await anonymous.receive_json_from() == expected

        deleted = await call(api_as(owner), "delete", f"{base}{comment_id}/")
        assert deleted.status_code == 200, deleted.content
        gone = {"type": "playlist_comment_deleted", "deleted_ids": [comment_id], "tombstones": []}
        assert await owner_ws.receive_json_from() == gone
        assert await anonymous.receive_json_from() == gone


async def test_a_refused_comment_sends_nothing(author, playlist):
    async with socket("Maria") as anonymous:
        response = await database_sync_to_async(
            lambda: api_as(author).post(
                "/api/playlists/public/Maria/comments/", data={"text": "x" * 1001}
            )
        )()
        assert response.status_code == 400
        await assert_no_comment_event(anonymous, playlist.pk)


async def test_an_existing_comment_made_elsewhere_is_not_replayed_on_connect(playlist, author):
    await database_sync_to_async(CommentFactory)(playlist=playlist, author=author)
    async with socket("Maria") as anonymous:
        # The page loads the thread over HTTP; the socket only carries what happens next.
        await assert_no_comment_event(anonymous, playlist.pk)
