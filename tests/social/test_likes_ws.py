"""Likes and read marks reach the owner's open ``/ws/notifications/`` sockets, live.

Everything goes through the deployed ASGI application and the real HTTP API, with real
commits (``transaction=True``): pushes leave only after the transaction commits.
"""

import contextlib

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from rubysound.asgi import application
from rubysound.social.models import Notification
from tests.factories import PlaylistFactory, favorites_of
from tests.realtime import access_token, assert_nothing_pushed_to_user, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_channel_layer"),
]

PATH = "/ws/notifications/"


@database_sync_to_async
def call_api(user, method: str, url: str, data=None):
    client = APIClient()
    client.force_authenticate(user)
    response = getattr(client, method)(url, data, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@contextlib.asynccontextmanager
async def notifications_socket(user):
    token = await access_token(user)
    communicator = WebsocketCommunicator(application, f"{PATH}?token={token}")
    try:
        connected, _ = await communicator.connect()
        assert connected
        yield communicator
    finally:
        await communicator.disconnect()


async def test_a_like_and_its_removal_reach_the_owner_live():
    ann, bob = await make_user(username="ann"), await make_user(username="bob")
    playlist = await database_sync_to_async(favorites_of)(ann)
    async with notifications_socket(ann) as ann_ws, notifications_socket(bob) as bob_ws:
        await call_api(bob, "post", "/api/playlists/public/ann/like/")
        liked = await ann_ws.receive_json_from(timeout=2)
        assert liked["type"] == "playlist_like"
        assert liked["actor_username"] == "bob"
        assert liked["likes_count"] == 1
        assert liked["playlist_id"] == playlist.pk
        assert liked["unread_count"] == 1
        notification_id = liked["id"]

        await call_api(bob, "delete", "/api/playlists/public/ann/like/")
        removed = await ann_ws.receive_json_from(timeout=2)
        assert removed == {
            "type": "playlist_like_removed",
            "actor_username": "bob",
            "playlist_id": playlist.pk,
            "playlist_title": "Favorites",
            "likes_count": 0,
            "notification_ids": [notification_id],
            "unread_count": 0,
        }
        # The liker is not told about their own like.
        await assert_nothing_pushed_to_user(bob_ws, bob)
    exists = database_sync_to_async(Notification.objects.filter(pk=notification_id).exists)
    assert not await exists()


async def test_a_repeated_like_is_announced_once():
    ann, bob = await make_user(username="ann"), await make_user(username="bob")
    async with notifications_socket(ann) as ann_ws:
        await call_api(bob, "post", "/api/playlists/public/ann/like/")
        await call_api(bob, "post", "/api/playlists/public/ann/like/")
        assert (await ann_ws.receive_json_from(timeout=2))["type"] == "playlist_like"
        await assert_nothing_pushed_to_user(ann_ws, ann)


async def test_a_like_of_another_public_playlist_by_id_reaches_its_owner():
    ann, bob = await make_user(username="ann"), await make_user(username="bob")
    mix = await database_sync_to_async(PlaylistFactory)(owner=ann, title="Dub", visibility="public")
    async with notifications_socket(ann) as ann_ws:
        await call_api(bob, "post", f"/api/playlists/{mix.pk}/like/")
        message = await ann_ws.receive_json_from(timeout=2)
        assert message["type"] == "playlist_like"
        assert message["playlist_title"] == "Dub"
        assert message["playlist"]["id"] == mix.pk


async def test_reading_on_one_device_updates_the_others():
    ann, bob = await make_user(username="ann"), await make_user(username="bob")
    await call_api(bob, "post", "/api/playlists/public/ann/like/")
    async with notifications_socket(ann) as phone, notifications_socket(ann) as laptop:
        listed = await call_api(ann, "get", "/api/notifications/")
        [notification] = listed["results"]
        body = await call_api(
            ann, "post", "/api/notifications/read/", {"ids": [notification["id"]]}
        )
        assert body == {"marked": 1, "unread_count": 0}
        expected = {"type": "notifications_read", "ids": [notification["id"]], "unread_count": 0}
        assert await phone.receive_json_from(timeout=2) == expected
        assert await laptop.receive_json_from(timeout=2) == expected
