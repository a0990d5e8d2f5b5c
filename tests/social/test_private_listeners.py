"""Users whose profile others cannot open, among the likers and commenters of public playlists.

A user with private Favorites (or a deactivated account) has a profile page that answers 404
to everyone else. Where others see their likes and comments they appear as "a listener":
``username`` null, ``display_name`` "a listener", no profile link, the default avatar; their
name appears nowhere in the answer.
"""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.templatetags.static import static
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.asgi import application
from rubysound.social.serializers.comments import CommentLikerSerializer, CommentThreadSerializer
from rubysound.social.serializers.public import PlaylistLikersPageSerializer
from rubysound.social.services import comments as comment_services
from tests.factories import (
    CommentFactory,
    CommentLikeFactory,
    PlaylistFactory,
    PlaylistLikeFactory,
    UserFactory,
    favorites_of,
)
from tests.social.test_public_playlist import assert_declared_shape

pytestmark = pytest.mark.django_db

LISTENER = "a listener"
DEFAULT_AVATAR = static("img/default-avatar.svg")


@pytest.fixture
def owner():
    return UserFactory(username="stage_owner")


@pytest.fixture
def playlist(owner):
    return favorites_of(owner)


@pytest.fixture
def shy():
    """Private Favorites, so a profile page that answers 404."""
    return UserFactory(username="shy_listener", is_public_favorites=False)


@pytest.fixture
def gone():
    return UserFactory(username="gone_listener", is_active=False)


@pytest.fixture
def fan():
    return UserFactory(username="open_fan")


def as_user(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def get(path: str, viewer=None) -> tuple[dict, str]:
    response = as_user(viewer).get(path)
    assert response.status_code == 200, response.content
    return response.json(), response.content.decode()


def test_the_profiles_of_hidden_users_are_404_which_is_why_they_get_no_link(client, shy, gone):
    assert client.get(f"/u/{shy.username}/").status_code == 404
    assert client.get(f"/u/{gone.username}/").status_code == 404


@pytest.mark.parametrize("by", ["username", "id"])
def test_hidden_likers_of_a_public_playlist_are_listeners(playlist, owner, shy, gone, fan, by):
    for user in (shy, gone, fan):
        PlaylistLikeFactory(playlist=playlist, user=user)
    path = (
        f"/api/playlists/public/{owner.username}/likes/"
        if by == "username"
        else f"/api/playlists/{playlist.pk}/likes/"
    )
    body, text = get(path)
    fan_item, gone_item, shy_item = body["results"]
    assert fan_item == {
        "username": "open_fan",
        "display_name": "open_fan",
        "avatar_url": f"http://testserver{DEFAULT_AVATAR}",
        "profile_url": "http://testserver/u/open_fan/",
        "liked_at": fan_item["liked_at"],
    }
    for item in (shy_item, gone_item):
        assert item == {
            "username": None,
            "display_name": LISTENER,
            "avatar_url": f"http://testserver{DEFAULT_AVATAR}",
            "profile_url": None,
            "liked_at": item["liked_at"],
        }
    assert "shy_listener" not in text
    assert "gone_listener" not in text
    assert_declared_shape(PlaylistLikersPageSerializer(), body)


def test_a_hidden_likers_own_avatar_is_not_shown(playlist, shy):
    shy.avatar.name = "avatars/shy-face.png"
    shy.save(update_fields=["avatar"])
    PlaylistLikeFactory(playlist=playlist, user=shy)
    body, text = get(f"/api/playlists/{playlist.pk}/likes/")
    assert body["results"][0]["avatar_url"] == f"http://testserver{DEFAULT_AVATAR}"
    assert "shy-face" not in text


def test_hidden_likers_of_any_public_playlist_are_listeners(shy):
    mix = PlaylistFactory(visibility="public")
    PlaylistLikeFactory(playlist=mix, user=shy)
    body, text = get(f"/api/playlists/{mix.pk}/likes/")
    assert body["results"][0]["display_name"] == LISTENER
    assert "shy_listener" not in text


def test_hidden_likers_of_a_comment_are_listeners(owner, playlist, shy, fan):
    comment = CommentFactory(playlist=playlist, author=fan)
    CommentLikeFactory(comment=comment, user=shy)
    body, text = get(f"/api/playlists/public/{owner.username}/comments/{comment.pk}/likes/")
    assert body["results"][0] == {
        "username": None,
        "display_name": LISTENER,
        "avatar_url": DEFAULT_AVATAR,
        "profile_url": None,
        "liked_at": body["results"][0]["liked_at"],
    }
    assert "shy_listener" not in text
    assert_declared_shape(CommentLikerSerializer(many=True), body["results"])


def test_public_comment_likers_keep_their_names(owner, playlist, fan):
    comment = CommentFactory(playlist=playlist, author=owner)
    CommentLikeFactory(comment=comment, user=fan)
    body, _ = get(f"/api/playlists/public/{owner.username}/comments/{comment.pk}/likes/")
    assert body["results"][0] == {
        "username": "open_fan",
        "display_name": "open_fan",
        "avatar_url": DEFAULT_AVATAR,
        "profile_url": "/u/open_fan/",
        "liked_at": body["results"][0]["liked_at"],
    }


def test_hidden_commenters_and_who_replies_answer_are_listeners(owner, playlist, shy, fan):
    root = CommentFactory(playlist=playlist, author=shy, text="from the shadows")
    CommentFactory(playlist=playlist, author=fan, parent=root, reply_to_user=shy, text="hi!")
    for viewer in (None, fan, owner, shy):
        body, text = get(f"/api/playlists/public/{owner.username}/comments/", viewer)
        (shown,) = body["results"]
        assert shown["author_username"] is None
        assert shown["author_display_name"] == LISTENER
        assert shown["author_profile_url"] is None
        assert shown["author_avatar_url"] == DEFAULT_AVATAR
        (reply,) = shown["replies"]
        assert reply["author_username"] == "open_fan"
        assert reply["author_display_name"] == "open_fan"
        assert reply["author_profile_url"] == "/u/open_fan/"
        assert reply["reply_to_user_id"] == shy.pk
        assert reply["reply_to_username"] is None
        assert reply["reply_to_display_name"] == LISTENER
        assert "shy_listener" not in text
        assert_declared_shape(CommentThreadSerializer(), body)
    # Still theirs to delete (and the owner's, as moderator): the name is hidden, not the author.
    url = f"/api/playlists/public/{owner.username}/comments/"
    viewers = {"shy": shy, "owner": owner, "fan": fan, "anonymous": None}
    can_delete = {
        name: get(url, viewer)[0]["results"][0]["can_delete"] for name, viewer in viewers.items()
    }
    assert can_delete == {"shy": True, "owner": True, "fan": False, "anonymous": False}


def test_a_posted_comment_of_a_hidden_user_is_answered_as_a_listeners(owner, playlist, shy):
    response = as_user(shy).post(
        f"/api/playlists/public/{owner.username}/comments/", {"text": "quietly"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["author_display_name"] == LISTENER
    assert "shy_listener" not in response.content.decode()


def test_public_commenters_keep_their_names(owner, playlist, fan):
    CommentFactory(playlist=playlist, author=fan)
    body, _ = get(f"/api/playlists/public/{owner.username}/comments/")
    (shown,) = body["results"]
    assert shown["author_username"] == "open_fan"
    assert shown["author_display_name"] == "open_fan"
    assert shown["reply_to_username"] is None
    assert shown["reply_to_display_name"] is None


@pytest.mark.django_db(transaction=True)
async def test_a_hidden_users_comment_reaches_the_socket_as_a_listeners():
    owner = await database_sync_to_async(UserFactory)(username="live_owner")
    shy = await database_sync_to_async(UserFactory)(username="live_shy", is_public_favorites=False)
    playlist = await database_sync_to_async(favorites_of)(owner)
    ws = WebsocketCommunicator(application, "/ws/comments/public/live_owner/")
    assert (await ws.connect())[0]
    try:
        await database_sync_to_async(comment_services.post_comment)(
            author=shy, playlist=playlist, text="psst"
        )
        message = await ws.receive_json_from(timeout=5)
    finally:
        await ws.disconnect()
    comment = message["comment"]
    assert comment["author_username"] is None
    assert comment["author_display_name"] == LISTENER
    assert comment["author_profile_url"] is None
    assert "live_shy" not in str(message)
