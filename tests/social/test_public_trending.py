"""``GET /api/playlists/public/trending/``: the home page's most liked public Favorites."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rubysound.social.models import Playlist
from rubysound.social.serializers.public import TrendingPlaylistsSerializer
from tests.factories import (
    PlaylistFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    UserFactory,
    favorites_of,
)
from tests.social.test_public_playlist import assert_declared_shape

pytestmark = pytest.mark.django_db

URL = "/api/playlists/public/trending/"


def favorites_with(*, likes: int = 0, tracks: int = 0, **user_fields) -> Playlist:
    playlist = favorites_of(UserFactory(**user_fields))
    for _ in range(likes):
        PlaylistLikeFactory(playlist=playlist)
    for _ in range(tracks):
        PlaylistItemFactory(playlist=playlist)
    return playlist


def updated(playlist: Playlist, minutes_ago: int) -> None:
    # updated_at is auto_now: only a queryset update can set it to a chosen time.
    Playlist.objects.filter(pk=playlist.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def usernames(response) -> list[str]:
    return [item["username"] for item in response.json()["results"]]


def test_most_liked_first_then_most_recently_updated(api_client):
    old_hit = favorites_with(likes=3, username="oldhit")
    fresh = favorites_with(likes=1, username="fresh")
    stale = favorites_with(likes=1, username="stale")
    unloved = favorites_with(username="unloved")
    # The likers' own (empty, unliked) Favorites are older than all of these.
    Playlist.objects.update(updated_at=timezone.now() - timedelta(days=1))
    updated(old_hit, 600)
    updated(fresh, 5)
    updated(stale, 60)
    updated(unloved, 1)
    response = api_client.get(URL)
    assert response.status_code == 200
    assert usernames(response)[:4] == ["oldhit", "fresh", "stale", "unloved"]


def test_the_documented_fields_and_counts_without_join_explosion(api_client):
    playlist = favorites_with(likes=3, tracks=4, username="Mixer")
    response = api_client.get(URL, {"limit": 1})
    body = response.json()
    assert body["meta"] == {"count": 1, "limit": 1}
    [item] = body["results"]
    assert item["username"] == "Mixer"
    assert item["playlist_title"] == playlist.title
    assert item["likes_count"] == 3
    assert item["tracks_count"] == 4
    assert item["avatar_url"] == "http://testserver/static/img/default-avatar.svg"
    assert item["profile_url"] == "http://testserver/u/Mixer/"
    assert item["playlist_id"] == playlist.pk
    assert_declared_shape(TrendingPlaylistsSerializer(), body)


def test_only_public_favorites_of_active_users(api_client):
    Playlist.objects.all().delete()
    favorites_with(likes=1, username="shown")
    favorites_with(likes=5, username="private", is_public_favorites=False)
    favorites_with(likes=5, username="gone", is_active=False)
    # Public playlists other than Favorites are not part of this list.
    mix = PlaylistFactory(owner=UserFactory(username="mixowner", favorites=False))
    for _ in range(5):
        PlaylistLikeFactory(playlist=mix)
    assert "shown" in usernames(api_client.get(URL, {"limit": 30}))
    listed = set(usernames(api_client.get(URL, {"limit": 30})))
    assert not listed & {"private", "gone", "mixowner"}


def test_default_limit_is_8_and_the_limit_bounds_the_list(api_client):
    for _ in range(10):
        favorites_with()
    assert len(api_client.get(URL).json()["results"]) == 8
    assert api_client.get(URL).json()["meta"]["limit"] == 8
    assert len(api_client.get(URL, {"limit": 3}).json()["results"]) == 3
    response = api_client.get(URL, {"limit": 30})
    assert response.json()["meta"] == {"count": 10, "limit": 30}


@pytest.mark.parametrize("limit", ["0", "31", "-1", "abc", "1.5", "99999999999"])
def test_a_limit_outside_1_to_30_is_400_with_the_error_shape(api_client, limit):
    response = api_client.get(URL, {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Limit must be 1-30.",
        "code": "invalid",
        "fields": {"limit": ["Limit must be 1-30."]},
    }


def test_edge_cacheable_and_one_query(api_client, django_assert_num_queries):
    for _ in range(5):
        favorites_with(likes=2, tracks=3)
    with django_assert_num_queries(1):
        response = api_client.get(URL, {"limit": 30})
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    assert "Cookie" not in response.get("Vary", "")


def test_a_stale_token_does_not_turn_it_into_401(api_client):
    favorites_with(likes=1)
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert api_client.get(URL).status_code == 200
