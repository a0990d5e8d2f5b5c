"""Playlists beyond Favorites: /api/playlists/ and /api/playlists/<id>/ (section 2)."""

import pytest

from rubysound.social.models import Playlist
from rubysound.social.serializers.playlists import PlaylistSerializer
from tests.factories import (
    CommentFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

LIST = "/api/playlists/"

PRIVATE = Playlist.Visibility.PRIVATE
PUBLIC = Playlist.Visibility.PUBLIC


def detail(playlist) -> str:
    return f"/api/playlists/{playlist.pk}/"


def declared() -> set[str]:
    return set(PlaylistSerializer().fields)


# --- GET /api/playlists/ ---------------------------------------------------------------------


def test_my_playlists_favorites_first_then_most_recent(auth_client, user):
    older = PlaylistFactory(owner=user, title="Older")
    newer = PlaylistFactory(owner=user, title="Newer")
    PlaylistFactory()  # someone else's

    response = auth_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [p["id"] for p in body["results"]] == [favorites_of(user).pk, newer.pk, older.pk]
    assert set(body["results"][0]) == declared()


def test_my_playlists_carry_their_counts(auth_client, user):
    mix = PlaylistFactory(owner=user)
    PlaylistItemFactory(playlist=mix)
    PlaylistItemFactory(playlist=mix)
    PlaylistLikeFactory(playlist=mix)
    entry = next(p for p in auth_client.get(LIST).json()["results"] if p["id"] == mix.pk)
    assert (entry["tracks_count"], entry["likes_count"]) == (2, 1)
    assert entry["owner"]["username"] == user.username
    assert entry["tracks_url"] == f"http://testserver/api/playlists/{mix.pk}/tracks/"


def test_my_playlists_are_paginated(auth_client, user):
    for _ in range(4):
        PlaylistFactory(owner=user)
    body = auth_client.get(LIST, {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]
    assert auth_client.get(LIST, {"page": 99}).status_code == 404


def test_listing_needs_a_signed_in_user(api_client):
    assert api_client.get(LIST).status_code == 401


@pytest.mark.parametrize("playlists", [2, 20])
def test_listing_queries_do_not_grow(auth_client, user, playlists, django_assert_max_num_queries):
    for _ in range(playlists):
        PlaylistItemFactory(playlist=PlaylistFactory(owner=user))
    with django_assert_max_num_queries(3):  # the token's user, count, page with counts
        response = auth_client.get(LIST, {"page_size": 50})
    assert len(response.json()["results"]) == playlists + 1


# --- POST /api/playlists/ --------------------------------------------------------------------


def test_creating_a_playlist(auth_client, user):
    response = auth_client.post(
        LIST, {"title": " Road trip ", "description": "Long drives"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == declared()
    assert body["title"] == "Road trip"
    assert body["description"] == "Long drives"
    assert body["visibility"] == "private"
    assert body["is_public"] is False
    assert body["is_favorites"] is False
    assert (body["tracks_count"], body["likes_count"]) == (0, 0)
    playlist = Playlist.objects.get(pk=body["id"])
    assert playlist.owner == user
    assert not playlist.is_favorites


def test_creating_a_public_playlist(auth_client):
    response = auth_client.post(LIST, {"title": "Out loud", "visibility": "public"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_public"] is True


@pytest.mark.parametrize(
    ("payload", "detail_text"),
    [
        ({}, "Title is required."),
        ({"title": "  "}, "Title is required."),
        ({"title": "x" * 256}, "Title is too long."),
        ({"title": "ok", "visibility": "friends"}, None),
        ({"title": "ok", "description": "d" * 2001}, None),
        ({"title": "ok", "is_favorites": True, "colour": "red"}, None),
    ],
)
def test_creating_refuses_bad_input(auth_client, user, payload, detail_text):
    response = auth_client.post(LIST, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    if detail_text:
        assert body["detail"] == detail_text
    assert Playlist.objects.filter(owner=user).count() == 1  # Favorites only


def titles_of(playlist_id: int) -> list[str]:
    items = Playlist.objects.get(pk=playlist_id).items.order_by("position")
    return list(items.values_list("track__title", flat=True))


def test_creating_a_playlist_with_its_tracks_in_one_request(auth_client, user):
    first, second, third = (TrackFactory(title=title) for title in ("Dawn", "Noon", "Dusk"))

    response = auth_client.post(
        LIST,
        {"title": "Saved queue", "track_ids": [third.pk, first.pk, third.pk, second.pk]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == declared()  # track_ids is only sent, never answered
    assert body["tracks_count"] == 3
    assert titles_of(body["id"]) == ["Dusk", "Dawn", "Noon"]


@pytest.mark.parametrize("count", [2, 40])
def test_creating_with_tracks_queries_do_not_grow(
    auth_client, user, count, django_assert_max_num_queries
):
    ids = [TrackFactory().pk for _ in range(count)]
    # The token's user; the playlist; lock, tracks, items there, insert, touch; the answer.
    with django_assert_max_num_queries(12):
        response = auth_client.post(LIST, {"title": "Many", "track_ids": ids}, format="json")
    assert response.json()["tracks_count"] == count


def test_an_unknown_track_creates_no_playlist(auth_client, user):
    known = TrackFactory()
    response = auth_client.post(
        LIST, {"title": "Broken", "track_ids": [known.pk, known.pk + 1000]}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."
    assert Playlist.objects.filter(owner=user).count() == 1  # Favorites only


def test_creating_refuses_too_many_tracks(auth_client, user):
    response = auth_client.post(
        LIST, {"title": "Huge", "track_ids": list(range(1, 502))}, format="json"
    )
    assert response.status_code == 400
    assert Playlist.objects.filter(owner=user).count() == 1


def test_creating_needs_a_signed_in_user(api_client):
    assert api_client.post(LIST, {"title": "x"}, format="json").status_code == 401


# --- GET /api/playlists/<id>/ ----------------------------------------------------------------


def test_the_owner_reads_a_private_playlist(auth_client, user):
    mix = PlaylistFactory(owner=user, visibility=PRIVATE)
    response = auth_client.get(detail(mix))
    assert response.status_code == 200
    assert response.json()["id"] == mix.pk
    assert set(response.json()) == declared()


def test_anyone_reads_a_public_playlist(api_client):
    mix = PlaylistFactory(visibility=PUBLIC)
    response = api_client.get(detail(mix))
    assert response.status_code == 200
    assert response.json()["liked_by_me"] is False


def test_liked_by_me_is_the_viewers(auth_client, user):
    mix = PlaylistFactory(visibility=PUBLIC)
    PlaylistLikeFactory(playlist=mix, user=user)
    assert auth_client.get(detail(mix)).json()["liked_by_me"] is True


@pytest.mark.parametrize("viewer", ["anonymous", "other"])
def test_someone_elses_private_playlist_looks_missing(api_client, viewer):
    mix = PlaylistFactory(visibility=PRIVATE)
    if viewer == "other":
        api_client.force_authenticate(UserFactory())
    response = api_client.get(detail(mix))
    missing = api_client.get("/api/playlists/999999/")
    assert response.status_code == missing.status_code == 404
    assert (
        response.json()
        == missing.json()
        == {
            "detail": "Playlist not found.",
            "code": "not_found",
        }
    )


def test_favorites_follow_the_profile_switch(api_client):
    owner = UserFactory(is_public_favorites=True)
    favorites = favorites_of(owner)
    body = api_client.get(detail(favorites)).json()
    assert (body["is_public"], body["visibility"], body["is_favorites"]) == (True, "public", True)

    owner.is_public_favorites = False
    owner.save()
    assert api_client.get(detail(favorites)).status_code == 404


def test_a_switched_off_accounts_public_playlist_is_hidden(api_client):
    mix = PlaylistFactory(visibility=PUBLIC, owner=UserFactory(is_active=False))
    assert api_client.get(detail(mix)).status_code == 404


@pytest.mark.parametrize("items", [3, 30])
def test_reading_queries_do_not_grow(auth_client, user, items, django_assert_max_num_queries):
    mix = PlaylistFactory(owner=user)
    for _ in range(items):
        PlaylistItemFactory(playlist=mix)
        PlaylistLikeFactory(playlist=mix)
    with django_assert_max_num_queries(2):  # the token's user, the playlist with counts
        body = auth_client.get(detail(mix)).json()
    assert (body["tracks_count"], body["likes_count"]) == (items, items)


# --- PATCH / PUT /api/playlists/<id>/ --------------------------------------------------------


def test_the_owner_renames_and_describes(auth_client, user):
    mix = PlaylistFactory(owner=user, visibility=PRIVATE)
    before = mix.updated_at
    response = auth_client.patch(
        detail(mix), {"title": "Renamed", "description": "Now with words"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    mix.refresh_from_db()
    assert (mix.title, mix.description, mix.visibility) == ("Renamed", "Now with words", PRIVATE)
    assert mix.updated_at > before


def test_the_owner_publishes_and_hides(auth_client, user, api_client):
    mix = PlaylistFactory(owner=user, visibility=PRIVATE)
    assert auth_client.patch(detail(mix), {"visibility": "public"}, format="json").json()[
        "is_public"
    ]
    assert api_client.get(detail(mix)).status_code == 200
    auth_client.patch(detail(mix), {"visibility": "private"}, format="json")
    assert api_client.get(detail(mix)).status_code == 404


def test_put_needs_a_title_and_keeps_what_is_absent(auth_client, user):
    mix = PlaylistFactory(owner=user, description="Kept", visibility=PUBLIC)
    response = auth_client.put(detail(mix), {"description": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Title is required."

    response = auth_client.put(detail(mix), {"title": "New"}, format="json")
    assert response.status_code == 200
    mix.refresh_from_db()
    assert (mix.title, mix.description, mix.visibility) == ("New", "Kept", PUBLIC)


def test_what_was_read_can_be_sent_back(auth_client, user):
    mix = PlaylistFactory(owner=user)
    read = auth_client.get(detail(mix)).json()
    response = auth_client.put(detail(mix), {**read, "title": "Again"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Again"


@pytest.mark.parametrize(
    "payload",
    [{"title": ""}, {"title": "x" * 256}, {"visibility": "everyone"}, {"titel": "typo"}],
)
def test_updating_refuses_bad_input(auth_client, user, payload):
    mix = PlaylistFactory(owner=user, title="Same")
    response = auth_client.patch(detail(mix), payload, format="json")
    assert response.status_code == 400
    mix.refresh_from_db()
    assert mix.title == "Same"


def test_favorites_can_be_renamed_but_their_visibility_follows_the_profile(auth_client, user):
    favorites = favorites_of(user)
    assert (
        auth_client.patch(detail(favorites), {"title": "Loved"}, format="json").status_code == 200
    )

    response = auth_client.patch(detail(favorites), {"visibility": "private"}, format="json")
    assert response.status_code == 400
    assert "is_public_favorites" in response.json()["detail"]
    # The visibility they have is accepted (a client sending back what it read).
    response = auth_client.patch(detail(favorites), {"visibility": "public"}, format="json")
    assert response.status_code == 200
    favorites.refresh_from_db()
    assert favorites.title == "Loved"
    assert favorites.is_public


def test_others_cannot_change_a_public_playlist(api_client):
    mix = PlaylistFactory(visibility=PUBLIC, title="Theirs")
    api_client.force_authenticate(UserFactory())
    for method in (api_client.patch, api_client.put):
        response = method(detail(mix), {"title": "Mine now"}, format="json")
        assert response.status_code == 403
    assert api_client.delete(detail(mix)).status_code == 403
    mix.refresh_from_db()
    assert mix.title == "Theirs"


def test_others_cannot_even_find_a_private_playlist_to_change(api_client):
    mix = PlaylistFactory(visibility=PRIVATE)
    api_client.force_authenticate(UserFactory())
    assert api_client.patch(detail(mix), {"title": "x"}, format="json").status_code == 404
    assert api_client.delete(detail(mix)).status_code == 404
    assert Playlist.objects.filter(pk=mix.pk).exists()


def test_changes_need_a_signed_in_user(api_client):
    mix = PlaylistFactory(visibility=PUBLIC)
    assert api_client.patch(detail(mix), {"title": "x"}, format="json").status_code == 401
    assert api_client.delete(detail(mix)).status_code == 401


# --- DELETE /api/playlists/<id>/ -------------------------------------------------------------


def test_the_owner_deletes_a_playlist_with_everything_on_it(auth_client, user):
    mix = PlaylistFactory(owner=user)
    PlaylistItemFactory(playlist=mix)
    PlaylistLikeFactory(playlist=mix)
    CommentFactory(playlist=mix)
    response = auth_client.delete(detail(mix))
    assert response.status_code == 200
    assert response.json() == {"detail": "Playlist deleted."}
    assert not Playlist.objects.filter(pk=mix.pk).exists()
    assert auth_client.get(detail(mix)).status_code == 404


def test_favorites_cannot_be_deleted(auth_client, user):
    favorites = favorites_of(user)
    response = auth_client.delete(detail(favorites))
    assert response.status_code == 400
    assert response.json()["detail"] == "Favorites cannot be deleted."
    assert Playlist.objects.filter(pk=favorites.pk).exists()
