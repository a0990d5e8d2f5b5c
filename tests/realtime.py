"""Helpers for WebSocket and channel-layer tests: database work from async test code, and
proof that nothing was pushed to a socket without waiting for a quiet moment.

A marker sent through the same channel-layer group after the event under test arrives after
anything that event pushed (a group's messages keep their order, on both layers), so "the
next message is the marker" proves nothing was pushed, however busy the machine is."""

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from rest_framework_simplejwt.tokens import RefreshToken

from rubysound.social.realtime import comments_group, push_to_user
from tests.factories import UserFactory, favorites_of

# No server sends these: a notification of a type of its own, and a like count for a
# comment id no database hands out (the comment sockets pass only known events on).
NOTIFICATION_MARKER = {"type": "test_marker"}
COMMENT_MARKER = {"type": "playlist_comment_like_changed", "comment_id": 0, "likes_count": 0}
MARKER_TIMEOUT_SECONDS = 10


@database_sync_to_async
def make_user(**fields):
    return UserFactory(**fields)


@database_sync_to_async
def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@database_sync_to_async
def favorites(user):
    return favorites_of(user)


async def assert_nothing_pushed_to_user(ws, user) -> None:
    """``ws``, a notifications socket of ``user``, has received nothing more."""
    await sync_to_async(push_to_user)(user.pk, NOTIFICATION_MARKER)
    assert await ws.receive_json_from(timeout=MARKER_TIMEOUT_SECONDS) == NOTIFICATION_MARKER


async def send_comment_marker(playlist_id: int) -> None:
    """COMMENT_MARKER to every comments socket on the playlist."""
    kind, fields = COMMENT_MARKER["type"], {k: v for k, v in COMMENT_MARKER.items() if k != "type"}
    await get_channel_layer().group_send(
        comments_group(playlist_id), {"type": "comment.event", "event": kind, **fields}
    )


async def assert_no_comment_event(ws, playlist_id: int) -> None:
    """``ws``, a comments socket on the playlist, has received nothing more."""
    await send_comment_marker(playlist_id)
    assert await ws.receive_json_from(timeout=MARKER_TIMEOUT_SECONDS) == COMMENT_MARKER
