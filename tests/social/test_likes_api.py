"""Liking public playlists over HTTP, and the likers lists."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rubysound.social.models import Notification, PlaylistLike
from rubysound.social.serializers.public import (
    PlaylistLikeResultSerializer,
    PlaylistLikersPageSerializer,
)
from tests.factories import PlaylistFactory, PlaylistLikeFactory, UserFactory, favorites_of
from tests.social.test_public_playlist import assert_declared_shape

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="Ann")


@pytest.fixture
def favorites(owner):
    return favorites_of(owner)


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def like_url(username="ann") -> str:
    return f"/api/playlists/public/{username}/like/"


def likes_url(username="ann") -> str:
    return f"/api/playlists/public/{username}/likes/"


# --- /api/playlists/public/<username>/like/ ---------------------------------------------------


def test_like_then_unlike_with_the_documented_bodies(auth_client, user, owner, favorites):
    response = auth_client.post(like_url())
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Playlist liked.",
        "likes_count": 1,
        "liked_by_me": True,
        "title": "Favorites",
        "playlist_id": favorites.pk,
    }
    assert_declared_shape(PlaylistLikeResultSerializer(), response.json())
    assert PlaylistLike.objects.filter(playlist=favorites, user=user).exists()
    response = auth_client.delete(like_url())
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Like removed.",
        "likes_count": 0,
        "liked_by_me": False,
        "title": "Favorites",
        "playlist_id": favorites.pk,
    }
    assert not PlaylistLike.objects.exists()


def test_like_and_unlike_are_idempotent(auth_client, favorites):
    for _ in range(2):
        response = auth_client.post(like_url())
        assert response.status_code == 200
        assert response.json()["likes_count"] == 1
    for _ in range(2):
        response = auth_client.delete(like_url())
        assert response.status_code == 200
        assert response.json()["likes_count"] == 0


def test_the_owner_is_notified_once_per_like(auth_client, user, owner, favorites):
    auth_client.post(like_url())
    auth_client.post(like_url())
    [notification] = Notification.objects.filter(recipient=owner)
    assert notification.type == Notification.Type.PLAYLIST_LIKE
    assert notification.actor == user


def test_the_count_includes_other_peoples_likes(auth_client, favorites):
    PlaylistLikeFactory(playlist=favorites)
    assert auth_client.post(like_url()).json()["likes_count"] == 2
    assert auth_client.delete(like_url()).json()["likes_count"] == 1


@pytest.mark.parametrize("method", ["post", "delete"])
def test_own_playlist_is_400(owner, favorites, method):
    response = getattr(client_of(owner), method)(like_url("ANN"))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You cannot like your own playlist.",
        "code": "own_playlist",
    }


@pytest.mark.parametrize("method", ["post", "delete"])
def test_anonymous_is_401(api_client, favorites, method):
    response = getattr(api_client, method)(like_url())
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert not PlaylistLike.objects.exists()


@pytest.mark.parametrize("method", ["post", "delete"])
def test_missing_or_private_favorites_are_404(auth_client, method):
    UserFactory(username="hidden", is_public_favorites=False)
    for name in ("nobody", "hidden"):
        response = getattr(auth_client, method)(like_url(name))
        assert response.status_code == 404
        assert response.json() == {"detail": "Public playlist not found.", "code": "not_found"}
    assert not PlaylistLike.objects.exists()


def test_the_username_is_case_insensitive(auth_client, favorites):
    assert auth_client.post(like_url("ANN")).json()["liked_by_me"] is True
    assert auth_client.get("/api/playlists/public/aNn/").json()["playlist"]["liked_by_me"]


def test_a_body_is_ignored(auth_client, favorites):
    response = auth_client.post(like_url(), {"anything": 1}, format="json")
    assert response.status_code == 200


def test_like_queries_are_bounded(auth_client, favorites, django_assert_max_num_queries):
    # Token user, playlist, insert, count, notification and its unread count (unlike:
    # delete, count, withdrawn notifications, unread count), and up to six savepoint
    # statements (the test itself runs inside a transaction).
    with django_assert_max_num_queries(12):
        assert auth_client.post(like_url()).status_code == 200
    with django_assert_max_num_queries(12):
        assert auth_client.delete(like_url()).status_code == 200


# --- /api/playlists/<id>/like/ --------------------------------------------------------------


def test_other_public_playlists_by_id(auth_client, user):
    mix = PlaylistFactory(visibility="public", title="Late night")
    response = auth_client.post(f"/api/playlists/{mix.pk}/like/")
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Playlist liked.",
        "likes_count": 1,
        "liked_by_me": True,
        "title": "Late night",
        "playlist_id": mix.pk,
    }
    assert Notification.objects.filter(recipient=mix.owner, actor=user).count() == 1
    response = auth_client.delete(f"/api/playlists/{mix.pk}/like/")
    assert response.json()["likes_count"] == 0


def test_public_favorites_by_id_too(auth_client, favorites):
    assert auth_client.post(f"/api/playlists/{favorites.pk}/like/").status_code == 200


def test_non_public_playlists_by_id_are_404(auth_client):
    private = PlaylistFactory(visibility="private")
    hidden = favorites_of(UserFactory(is_public_favorites=False))
    gone = PlaylistFactory(owner=UserFactory(is_active=False))
    for playlist in (private, hidden, gone):
        for method in ("post", "delete"):
            response = getattr(auth_client, method)(f"/api/playlists/{playlist.pk}/like/")
            assert response.status_code == 404
            assert response.json()["detail"] == "Playlist not found."
    assert auth_client.post("/api/playlists/999999/like/").status_code == 404


def test_own_playlist_by_id_is_400(auth_client, user):
    mine = PlaylistFactory(owner=user, visibility="public")
    assert auth_client.post(f"/api/playlists/{mine.pk}/like/").status_code == 400


# --- Likers ---------------------------------------------------------------------------------


def liked_by(playlist, username: str, minutes_ago: int):
    return PlaylistLikeFactory(
        playlist=playlist,
        user=UserFactory(username=username),
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_likers_newest_first_with_the_documented_items(api_client, favorites):
    first = liked_by(favorites, "early", 30)
    liked_by(favorites, "middle", 20)
    liked_by(favorites, "latest", 10)
    response = api_client.get(likes_url())
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["username"] for item in body["results"]] == ["latest", "middle", "early"]
    assert body["results"][2] == {
        "username": "early",
        "display_name": "early",
        "avatar_url": "http://testserver/static/img/default-avatar.svg",
        "profile_url": "http://testserver/u/early/",
        "liked_at": first.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert_declared_shape(PlaylistLikersPageSerializer(), body)


def test_likers_are_paginated(api_client, favorites):
    for index in range(5):
        liked_by(favorites, f"liker{index}", index)
    page = api_client.get(likes_url(), {"page_size": 2}).json()
    assert page["count"] == 5
    assert [item["username"] for item in page["results"]] == ["liker0", "liker1"]
    assert page["next"].endswith("page=2&page_size=2") or "page=2" in page["next"]
    last = api_client.get(likes_url(), {"page_size": 2, "page": 3}).json()
    assert [item["username"] for item in last["results"]] == ["liker4"]
    assert last["next"] is None
    assert api_client.get(likes_url(), {"page": 9}).status_code == 404


def test_likers_of_a_playlist_by_id(api_client):
    mix = PlaylistFactory(visibility="public")
    liked_by(mix, "someone", 1)
    body = api_client.get(f"/api/playlists/{mix.pk}/likes/").json()
    assert [item["username"] for item in body["results"]] == ["someone"]


def test_likers_of_non_public_playlists_are_404(api_client):
    hidden = favorites_of(UserFactory(username="hidden", is_public_favorites=False))
    liked_by(hidden, "someone", 1)
    private = PlaylistFactory(visibility="private")
    assert api_client.get(likes_url("hidden")).json() == {
        "detail": "Public playlist not found.",
        "code": "not_found",
    }
    assert api_client.get(f"/api/playlists/{private.pk}/likes/").status_code == 404
    assert api_client.get(f"/api/playlists/{hidden.pk}/likes/").status_code == 404


@pytest.mark.parametrize("likers", [1, 15])
def test_likers_queries_do_not_grow_with_the_page(
    api_client, favorites, likers, django_assert_max_num_queries
):
    for index in range(likers):
        liked_by(favorites, f"fan{index}", index)
    # The playlist, the count, the page with its users.
    with django_assert_max_num_queries(3):
        assert api_client.get(likes_url()).status_code == 200
