"""GET /api/playlists/me/ kept rendered in the cache: a repeated read touches no playlist row,
and every kind of write shows in the writer's (or the owner's) very next read."""

import pytest
from rest_framework.test import APIClient

from rubysound.social.services import playlists as playlist_services
from tests.factories import (
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

ME = "/api/playlists/me/"
ME_TRACKS = "/api/playlists/me/tracks/"


@pytest.fixture(autouse=True)
def cache_on(settings):
    # On by default only with Redis; here on both backends (one process, one cache).
    settings.FAVORITES_CACHE_SECONDS = 60


def track_ids(client) -> list[int]:
    return [track["id"] for track in client.get(ME).json()["tracks"]]


@pytest.fixture
def filled(auth_client, user):
    """Three tracks in the user's Favorites, read once (so the next read is a hit)."""
    tracks = [TrackFactory() for _ in range(3)]
    for track in tracks:
        PlaylistItemFactory(playlist=favorites_of(user), track=track)
    assert track_ids(auth_client) == [track.pk for track in tracks]
    return tracks


def client_of(api_client, user):
    api_client.force_authenticate(user)
    return api_client


# --- A hit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("items", [20, 1000])
def test_a_repeated_read_reads_no_playlist_or_track_row(
    auth_client, user, items, django_assert_max_num_queries
):
    for _ in range(items):
        PlaylistItemFactory(playlist=favorites_of(user))
    first = auth_client.get(ME)
    # At most the token's user (read from the database when Redis does not keep it).
    with django_assert_max_num_queries(1) as captured:
        again = auth_client.get(ME)
    assert not [q["sql"] for q in captured.captured_queries if "social_" in q["sql"]]
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"
    assert len(again.json()["tracks"]) == items


def test_the_cached_answer_revalidates_with_304(auth_client, filled):
    etag = auth_client.get(ME)["ETag"]
    again = auth_client.get(ME, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert "no-store" in again["Cache-Control"]


def test_each_user_reads_their_own_even_when_the_other_is_cached(auth_client, user, api_client):
    other = UserFactory(is_public_favorites=False)
    theirs = TrackFactory()
    PlaylistItemFactory(playlist=favorites_of(other), track=theirs)
    mine = TrackFactory()
    PlaylistItemFactory(playlist=favorites_of(user), track=mine)

    assert track_ids(auth_client) == [mine.pk]
    other_client = client_of(api_client, other)
    body = other_client.get(ME).json()
    assert [track["id"] for track in body["tracks"]] == [theirs.pk]
    assert body["id"] == favorites_of(other).pk
    assert track_ids(auth_client) == [mine.pk]


def test_filters_and_sorts_are_kept_apart(auth_client, user):
    older, newer = TrackFactory(), TrackFactory()
    PlaylistItemFactory(playlist=favorites_of(user), track=older)
    PlaylistItemFactory(playlist=favorites_of(user), track=newer)
    assert track_ids(auth_client) == [older.pk, newer.pk]
    newest_first = auth_client.get(ME, {"sort": "newest"}).json()["tracks"]
    assert [track["id"] for track in newest_first] == [newer.pk, older.pk]


def test_urls_follow_the_host_asked(auth_client, filled):
    first = auth_client.get(ME, HTTP_HOST="localhost").json()["tracks"][0]["url"]
    second = auth_client.get(ME, HTTP_HOST="127.0.0.1").json()["tracks"][0]["url"]
    assert first.startswith("http://localhost/")
    assert second.startswith("http://127.0.0.1/")


# --- Every write shows in the next read -------------------------------------------------------


def test_adding_a_track_shows(auth_client, filled):
    added = TrackFactory()
    assert auth_client.post(ME_TRACKS, {"track_id": added.pk}, format="json").status_code == 201
    assert track_ids(auth_client) == [*(t.pk for t in filled), added.pk]


def test_removing_a_track_shows(auth_client, filled):
    gone = filled[1]
    assert auth_client.delete(ME_TRACKS, {"track_id": gone.pk}, format="json").status_code == 200
    assert track_ids(auth_client) == [filled[0].pk, filled[2].pk]


def test_moving_a_track_shows(auth_client, user, filled):
    route = f"/api/playlists/{favorites_of(user).pk}/tracks/"
    moved = {"track_id": filled[2].pk, "position": 0}
    assert auth_client.patch(route, moved, format="json").status_code == 200
    assert track_ids(auth_client) == [filled[2].pk, filled[0].pk, filled[1].pk]


def test_reordering_shows(auth_client, user, filled):
    route = f"/api/playlists/{favorites_of(user).pk}/tracks/"
    order = [filled[1].pk, filled[2].pk, filled[0].pk]
    assert auth_client.patch(route, {"track_ids": order}, format="json").status_code == 200
    assert track_ids(auth_client) == order


def test_renaming_shows(auth_client, filled):
    assert auth_client.patch(ME, {"title": "Keepers"}, format="json").status_code == 200
    assert auth_client.get(ME).json()["title"] == "Keepers"


def test_a_new_description_shows(auth_client, user, filled):
    route = f"/api/playlists/{favorites_of(user).pk}/"
    assert auth_client.patch(route, {"description": "Rainy days"}, format="json").status_code == 200
    assert auth_client.get(ME).json()["description"] == "Rainy days"


def test_making_favorites_private_shows(auth_client, filled):
    assert auth_client.get(ME).json()["visibility"] == "public"
    changed = auth_client.patch("/api/users/me/", {"is_public_favorites": False}, format="json")
    assert changed.status_code == 200
    body = auth_client.get(ME).json()
    assert (body["visibility"], body["is_public"]) == ("private", False)


def test_someone_liking_and_unliking_shows_in_the_owner_s_count(auth_client, user, filled):
    liker = UserFactory()
    like = f"/api/playlists/public/{user.username}/like/"
    other = client_of(APIClient(), liker)
    assert auth_client.get(ME).json()["likes_count"] == 0
    assert other.post(like).status_code in (200, 201)
    assert auth_client.get(ME).json()["likes_count"] == 1
    assert other.delete(like).status_code == 200
    assert auth_client.get(ME).json()["likes_count"] == 0


def test_adding_many_at_once_shows(auth_client, user, filled):
    more = [TrackFactory(), TrackFactory()]
    playlist_services.add_tracks(favorites_of(user), [track.pk for track in more])
    assert track_ids(auth_client) == [*(t.pk for t in filled), *(t.pk for t in more)]


def test_replacing_the_whole_content_shows(auth_client, user, filled):
    only = TrackFactory()
    playlist_services.replace_tracks(favorites_of(user), [only.pk])
    assert track_ids(auth_client) == [only.pk]


def test_the_heart_of_a_track_row_shows(auth_client, user, filled):
    hearted = TrackFactory()
    playlist_services.add_favorite(user, hearted.pk)
    assert track_ids(auth_client)[-1] == hearted.pk
    playlist_services.remove_favorite(user, filled[0].pk)
    assert track_ids(auth_client) == [filled[1].pk, filled[2].pk, hearted.pk]
