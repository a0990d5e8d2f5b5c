"""``GET /api/playlists/public/<username>/``: someone's public Favorites, as a visitor sees it."""

import pytest
from rest_framework import serializers

from rubysound.social.serializers.public import PublicPlaylistSerializer
from tests.factories import (
    CommentFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Public playlist not found.", "code": "not_found"}


def assert_declared_shape(serializer, data) -> None:
    """The response has exactly the fields the OpenAPI schema declares, at every level."""
    if isinstance(serializer, serializers.ListSerializer):
        for item in data:
            assert_declared_shape(serializer.child, item)
        return
    assert set(data) == set(serializer.fields), set(data) ^ set(serializer.fields)
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.BaseSerializer) and data[name] is not None:
            assert_declared_shape(field, data[name])


def url(username: str) -> str:
    return f"/api/playlists/public/{username}/"


@pytest.fixture
def owner():
    return UserFactory(username="DJ_Ann", bio="Dub and more.")


@pytest.fixture
def favorites(owner):
    playlist = favorites_of(owner)
    for title in ("First", "Second", "Third"):
        PlaylistItemFactory(playlist=playlist, track=TrackFactory(title=title))
    return playlist


def test_the_documented_body_with_tracks_in_order(api_client, owner, favorites):
    PlaylistLikeFactory(playlist=favorites)
    PlaylistLikeFactory(playlist=favorites)
    response = api_client.get(url("DJ_Ann"))
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == {
        "username": "DJ_Ann",
        "avatar_url": "http://testserver/static/img/default-avatar.svg",
        "bio": "Dub and more.",
        "profile_url": "http://testserver/u/DJ_Ann/",
    }
    playlist = body["playlist"]
    assert playlist["title"] == "Favorites"
    assert playlist["id"] == favorites.pk
    assert playlist["likes_count"] == 2
    assert playlist["liked_by_me"] is False
    assert playlist["tracks_count"] == 3
    assert [track["name"] for track in playlist["tracks"]] == ["First", "Second", "Third"]
    track = playlist["tracks"][0]
    assert {"name", "artist", "listeners", "playcount", "url", "image_url", "mbid"} <= set(track)
    assert track["position"] == 0
    assert track["url"].startswith("http://testserver/")
    assert_declared_shape(PublicPlaylistSerializer(), body)


@pytest.mark.parametrize("spelling", ["dj_ann", "DJ_ANN", "Dj_AnN"])
def test_the_username_is_case_insensitive(api_client, favorites, spelling):
    response = api_client.get(url(spelling))
    assert response.status_code == 200
    assert response.json()["owner"]["username"] == "DJ_Ann"


def test_liked_by_me_is_the_viewers(auth_client, user, favorites, api_client):
    assert auth_client.get(url("DJ_Ann")).json()["playlist"]["liked_by_me"] is False
    PlaylistLikeFactory(playlist=favorites, user=user)
    assert auth_client.get(url("DJ_Ann")).json()["playlist"]["liked_by_me"] is True
    # Someone else's like is not mine, and anonymous visitors like nothing.
    assert api_client.get(url("DJ_Ann")).json()["playlist"]["liked_by_me"] is False


def test_comments_count_leaves_out_deleted_ones(api_client, favorites):
    from django.utils import timezone

    CommentFactory(playlist=favorites)
    CommentFactory(playlist=favorites, deleted_at=timezone.now())
    assert api_client.get(url("DJ_Ann")).json()["playlist"]["comments_count"] == 1


def test_missing_private_and_inactive_owners_are_the_same_404(api_client):
    UserFactory(username="hidden", is_public_favorites=False)
    UserFactory(username="banned", is_active=False)
    UserFactory(username="nofavs", favorites=False)
    for name in ("nobody", "hidden", "banned", "nofavs"):
        response = api_client.get(url(name))
        assert response.status_code == 404, name
        assert response.json() == NOT_FOUND


def test_the_owner_sees_their_private_favorites_as_not_public(owner, favorites):
    from rest_framework.test import APIClient

    owner.is_public_favorites = False
    owner.save()
    client = APIClient()
    client.force_authenticate(owner)
    assert client.get(url("DJ_Ann")).status_code == 404


def test_an_empty_public_favorites_is_200_with_no_tracks(api_client):
    UserFactory(username="newbie")
    playlist = api_client.get(url("newbie")).json()["playlist"]
    assert playlist["tracks"] == []
    assert playlist["tracks_count"] == 0
    assert playlist["likes_count"] == 0


def test_not_stored_by_shared_caches(api_client, favorites):
    response = api_client.get(url("DJ_Ann"))
    assert "private" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


@pytest.mark.parametrize("tracks", [20, 1000])
def test_queries_do_not_grow_with_the_tracks(
    auth_client, api_client, owner, tracks, django_assert_max_num_queries
):
    playlist = favorites_of(owner)
    for _ in range(tracks):
        PlaylistItemFactory(playlist=playlist)
    # Playlist with its counts, its items, and the tracks' listening stats.
    with django_assert_max_num_queries(3):
        assert api_client.get(url("DJ_Ann")).status_code == 200
    # Plus the user of the access token.
    with django_assert_max_num_queries(4):
        assert auth_client.get(url("DJ_Ann")).status_code == 200


def test_a_long_favorites_is_answered_in_part_and_says_so(api_client, owner, monkeypatch):
    from rubysound.social.api import playlists as playlists_api

    monkeypatch.setattr(playlists_api, "PLAYLIST_TRACKS_LIMIT", 2)
    playlist = favorites_of(owner)
    first, second, third = (PlaylistItemFactory(playlist=playlist) for _ in range(3))

    body = api_client.get(url("DJ_Ann")).json()["playlist"]

    assert [track["id"] for track in body["tracks"]] == [first.track_id, second.track_id]
    assert (body["tracks_count"], body["tracks_truncated"]) == (3, True)
    # The rest is one page away.
    rest = api_client.get(f"/api/playlists/{playlist.pk}/tracks/", {"page": 2, "page_size": 2})
    assert [row["id"] for row in rest.json()["results"]] == [third.track_id]


def test_a_short_favorites_is_answered_whole(api_client, owner):
    PlaylistItemFactory(playlist=favorites_of(owner))
    body = api_client.get(url("DJ_Ann")).json()["playlist"]
    assert (len(body["tracks"]), body["tracks_truncated"]) == (1, False)
