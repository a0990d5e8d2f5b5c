"""A playlist's tracks: /api/playlists/<id>/tracks/ (list, add, remove, reorder) and the
filters shared with /api/playlists/me/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rubysound.catalog.models import Track
from rubysound.social.models import Playlist
from rubysound.social.serializers.playlists import (
    PlaylistTrackSerializer,
    ReorderResultSerializer,
    TrackChangeSerializer,
    TracksAddedSerializer,
)
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

PRIVATE = Playlist.Visibility.PRIVATE
PUBLIC = Playlist.Visibility.PUBLIC


def tracks_url(playlist) -> str:
    return f"/api/playlists/{playlist.pk}/tracks/"


def order(playlist) -> list[int]:
    """Track ids in position order, checking positions run 0..n-1."""
    rows = list(playlist.items.order_by("position").values_list("position", "track_id"))
    assert [position for position, _ in rows] == list(range(len(rows)))
    return [track_id for _, track_id in rows]


@pytest.fixture
def mix(user):
    return PlaylistFactory(owner=user, visibility=PRIVATE)


@pytest.fixture
def filled(mix):
    """``mix`` with four tracks, in order."""
    tracks = [TrackFactory() for _ in range(4)]
    for track in tracks:
        PlaylistItemFactory(playlist=mix, track=track)
    return tracks


# --- GET ---------------------------------------------------------------------------------------


def test_listing_in_order_paginated(auth_client, mix, filled):
    response = auth_client.get(tracks_url(mix), {"page_size": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [t["id"] for t in body["results"]] == [t.pk for t in filled[:3]]
    assert [t["position"] for t in body["results"]] == [0, 1, 2]
    assert set(body["results"][0]) == set(PlaylistTrackSerializer().fields)
    second = auth_client.get(body["next"]).json()
    assert [t["id"] for t in second["results"]] == [filled[3].pk]


def test_anyone_lists_a_public_playlists_tracks(api_client):
    mix = PlaylistFactory(visibility=PUBLIC)
    PlaylistItemFactory(playlist=mix)
    assert api_client.get(tracks_url(mix)).json()["count"] == 1


@pytest.mark.parametrize("viewer", ["anonymous", "other"])
def test_a_private_playlists_tracks_look_missing(api_client, mix, filled, viewer):
    if viewer == "other":
        api_client.force_authenticate(UserFactory())
    response = api_client.get(tracks_url(mix))
    assert response.status_code == 404
    assert response.json()["detail"] == "Playlist not found."


@pytest.mark.parametrize("items", [3, 30])
def test_listing_queries_do_not_grow(auth_client, mix, items, django_assert_max_num_queries):
    for _ in range(items):
        PlaylistItemFactory(playlist=mix)
    # The token's user, the playlist, count, page with tracks, their stats.
    with django_assert_max_num_queries(5):
        response = auth_client.get(tracks_url(mix), {"page_size": 50})
    assert len(response.json()["results"]) == items


# --- Filters (here and on /api/playlists/me/) ----------------------------------------------------


@pytest.fixture
def varied(user):
    """Favorites and a playlist with the same three tracks of different artists and years."""
    now = timezone.now()
    bjork = TrackFactory(
        artist=ArtistFactory(name="Björk"), album=AlbumFactory(year=1997), year=None
    )
    portishead = TrackFactory(artist=ArtistFactory(name="Portishead"), year=1994)
    massive = TrackFactory(artist=ArtistFactory(name="Massive Attack"), year=1998)
    tracks = [bjork, portishead, massive]
    mix = PlaylistFactory(owner=user)
    for playlist in (favorites_of(user), mix):
        for days_ago, track in zip((5, 1, 3), tracks, strict=True):
            PlaylistItemFactory(playlist=playlist, track=track, added_at=now - timedelta(days_ago))
    return mix, tracks


def _ids(auth_client, url, params) -> list[int]:
    response = auth_client.get(url, params)
    assert response.status_code == 200, response.json()
    body = response.json()
    return [t["id"] for t in body.get("results", body.get("tracks"))]


@pytest.mark.parametrize("where", ["playlist", "me"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [0, 1, 2]),
        ({"artist": "BJORK"}, [0]),
        ({"artist": "attack"}, [2]),
        ({"artist": ""}, [0, 1, 2]),
        ({"year_from": 1997}, [0, 2]),  # Björk's track has its album's year
        ({"year_to": 1997}, [0, 1]),
        ({"year_from": 1995, "year_to": 1997}, [0]),
        ({"sort": "newest"}, [1, 2, 0]),
        ({"sort": "oldest"}, [0, 2, 1]),
        ({"sort": "position"}, [0, 1, 2]),
        ({"artist": "a", "sort": "newest", "year_from": 1990}, [1, 2]),
    ],
)
def test_filters(auth_client, varied, where, params, expected):
    mix, tracks = varied
    url = tracks_url(mix) if where == "playlist" else "/api/playlists/me/"
    assert _ids(auth_client, url, params) == [tracks[i].pk for i in expected]


@pytest.mark.parametrize("where", ["playlist", "me"])
@pytest.mark.parametrize(
    "params",
    [
        {"sort": "random"},
        {"year_from": "nineteen"},
        {"year_to": "-5"},
        {"year_from": 2000, "year_to": 1990},
        {"year_from": 100000},
        {"artist": "x" * 300},
    ],
)
def test_bad_filter_values_are_a_400(auth_client, varied, where, params):
    mix, _ = varied
    url = tracks_url(mix) if where == "playlist" else "/api/playlists/me/"
    response = auth_client.get(url, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# --- POST --------------------------------------------------------------------------------------


def test_adding_at_the_end(auth_client, mix, filled):
    track = TrackFactory()
    response = auth_client.post(tracks_url(mix), {"track_id": track.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == set(TrackChangeSerializer().fields)
    assert (body["detail"], body["title"], body["playlist_id"]) == (
        "Track added.",
        mix.title,
        mix.pk,
    )
    assert body["track"]["position"] == 4
    assert order(mix) == [*(t.pk for t in filled), track.pk]


@pytest.mark.parametrize(("position", "index"), [(0, 0), (2, 2), (4, 4), (99, 4)])
def test_adding_at_a_position(auth_client, mix, filled, position, index):
    track = TrackFactory()
    response = auth_client.post(
        tracks_url(mix), {"track_id": track.pk, "position": position}, format="json"
    )
    assert response.status_code == 201
    expected = [t.pk for t in filled]
    expected.insert(index, track.pk)
    assert order(mix) == expected
    assert response.json()["track"]["position"] == index


def test_adding_by_name_and_artist(auth_client, mix):
    response = auth_client.post(
        tracks_url(mix), {"name": "Teardrop", "artist": "Massive Attack"}, format="json"
    )
    assert response.status_code == 201
    assert Track.objects.get(pk=response.json()["track"]["id"]).source == Track.Source.REMOTE


def test_adding_the_same_song_twice_is_a_conflict(auth_client, mix, filled):
    response = auth_client.post(tracks_url(mix), {"track_id": filled[2].pk}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "Track already exists."
    assert response.json()["track"]["position"] == 2
    assert order(mix) == [t.pk for t in filled]


@pytest.mark.parametrize(
    "payload",
    [{}, {"track_id": 1, "position": -1}, {"track_id": 1, "colour": "red"}, {"name": "x"}],
)
def test_adding_refuses_bad_input(auth_client, mix, payload):
    assert auth_client.post(tracks_url(mix), payload, format="json").status_code == 400


def test_adding_an_unknown_track_is_a_404(auth_client, mix):
    response = auth_client.post(tracks_url(mix), {"track_id": 999_999}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."


def test_adding_many_at_the_end_leaves_out_songs_already_there(auth_client, mix, filled):
    new = [TrackFactory() for _ in range(3)]
    ids = [new[1].pk, filled[0].pk, new[0].pk, new[1].pk, new[2].pk]

    response = auth_client.post(tracks_url(mix), {"track_ids": ids}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == set(TracksAddedSerializer().fields)
    assert (body["detail"], body["tracks_count"], body["added"], body["already"]) == (
        "Tracks added.",
        7,
        3,
        1,
    )
    assert order(mix) == [*(t.pk for t in filled), new[1].pk, new[0].pk, new[2].pk]


@pytest.mark.parametrize("payload", [{"track_ids": [1], "position": 0}, {"track_ids": ["x"]}])
def test_adding_many_refuses_bad_input(auth_client, mix, filled, payload):
    assert auth_client.post(tracks_url(mix), payload, format="json").status_code == 400
    assert order(mix) == [t.pk for t in filled]


def test_a_playlist_and_favorites_hold_the_same_track_independently(auth_client, user, mix):
    track = TrackFactory()
    assert (
        auth_client.post(tracks_url(mix), {"track_id": track.pk}, format="json").status_code == 201
    )
    favorites = favorites_of(user)
    url = tracks_url(favorites)
    assert auth_client.post(url, {"track_id": track.pk}, format="json").status_code == 201


# --- DELETE ------------------------------------------------------------------------------------


def test_removing_closes_the_gap(auth_client, mix, filled):
    before = Playlist.objects.get(pk=mix.pk).updated_at
    response = auth_client.delete(tracks_url(mix), {"track_id": filled[0].pk}, format="json")
    assert response.status_code == 200
    assert response.json()["detail"] == "Track removed."
    assert response.json()["tracks_count"] == 3
    assert order(mix) == [t.pk for t in filled[1:]]
    assert Playlist.objects.get(pk=mix.pk).updated_at > before


def test_removing_what_is_not_there_is_a_404(auth_client, mix, filled):
    response = auth_client.delete(tracks_url(mix), {"track_id": TrackFactory().pk}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."


def test_removing_with_the_track_in_the_query_string(auth_client, mix, filled):
    response = auth_client.delete(f"{tracks_url(mix)}?track_id={filled[3].pk}")
    assert response.status_code == 200
    assert order(mix) == [t.pk for t in filled[:3]]


# --- PATCH: moving one, setting the whole order -------------------------------------------------


@pytest.mark.parametrize(
    ("moved", "position", "expected", "landed"),
    [
        (0, 2, [1, 2, 0, 3], 2),
        (3, 0, [3, 0, 1, 2], 0),
        (1, 1, [0, 1, 2, 3], 1),
        (1, 50, [0, 2, 3, 1], 3),
    ],
)
def test_moving_one_track(auth_client, mix, filled, moved, position, expected, landed):
    response = auth_client.patch(
        tracks_url(mix), {"track_id": filled[moved].pk, "position": position}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(ReorderResultSerializer().fields)
    assert (body["detail"], body["track_id"], body["position"]) == (
        "Track moved.",
        filled[moved].pk,
        landed,
    )
    assert order(mix) == [filled[i].pk for i in expected]


def test_setting_the_whole_order(auth_client, mix, filled):
    wanted = [filled[i].pk for i in (2, 0, 3, 1)]
    response = auth_client.patch(tracks_url(mix), {"track_ids": wanted}, format="json")
    assert response.status_code == 200
    assert response.json()["detail"] == "Playlist reordered."
    assert response.json()["tracks_count"] == 4
    assert order(mix) == wanted


@pytest.mark.parametrize(
    "track_ids",
    [
        "missing_one",
        "duplicate",
        "stranger",
        "empty",
    ],
)
def test_the_whole_order_must_be_a_permutation(auth_client, mix, filled, track_ids):
    ids = [t.pk for t in filled]
    payload = {
        "missing_one": ids[:3],
        "duplicate": [*ids[:3], ids[0]],
        "stranger": [*ids[:3], TrackFactory().pk],
        "empty": [],
    }[track_ids]
    response = auth_client.patch(tracks_url(mix), {"track_ids": payload}, format="json")
    assert response.status_code == 400
    assert "exactly once" in response.json()["detail"]
    assert order(mix) == ids


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"track_id": 1},
        {"position": 1},
        {"track_ids": [1], "track_id": 1, "position": 0},
        {"track_id": 1, "position": -1},
        {"track_ids": "1,2"},
    ],
)
def test_reordering_refuses_bad_input(auth_client, mix, filled, payload):
    assert auth_client.patch(tracks_url(mix), payload, format="json").status_code == 400


def test_moving_a_track_that_is_not_there_is_a_404(auth_client, mix, filled):
    response = auth_client.patch(
        tracks_url(mix), {"track_id": TrackFactory().pk, "position": 0}, format="json"
    )
    assert response.status_code == 404


# --- Who may change the tracks --------------------------------------------------------------------


def test_others_cannot_change_a_public_playlists_tracks(api_client):
    mix = PlaylistFactory(visibility=PUBLIC)
    item = PlaylistItemFactory(playlist=mix)
    api_client.force_authenticate(UserFactory())
    url = tracks_url(mix)
    assert api_client.post(url, {"track_id": TrackFactory().pk}, format="json").status_code == 403
    assert api_client.delete(url, {"track_id": item.track_id}, format="json").status_code == 403
    response = api_client.patch(url, {"track_ids": [item.track_id]}, format="json")
    assert response.status_code == 403
    assert mix.items.count() == 1


def test_others_get_404_on_a_private_playlists_tracks(api_client, mix, filled):
    api_client.force_authenticate(UserFactory())
    url = tracks_url(mix)
    assert api_client.post(url, {"track_id": TrackFactory().pk}, format="json").status_code == 404
    assert api_client.delete(url, {"track_id": filled[0].pk}, format="json").status_code == 404
    assert mix.items.count() == 4


def test_anonymous_changes_are_a_401(api_client):
    mix = PlaylistFactory(visibility=PUBLIC)
    response = api_client.post(tracks_url(mix), {"track_id": TrackFactory().pk}, format="json")
    assert response.status_code == 401


def test_moves_and_reorders_touch_the_playlist(auth_client, mix, filled):
    def updated_at():
        return Playlist.objects.get(pk=mix.pk).updated_at

    before = updated_at()
    auth_client.patch(tracks_url(mix), {"track_id": filled[0].pk, "position": 3}, format="json")
    moved = updated_at()
    assert moved > before
    wanted = [t.pk for t in reversed(filled)]
    auth_client.patch(tracks_url(mix), {"track_ids": wanted}, format="json")
    assert updated_at() > moved


# --- Ids beyond any database's integers --------------------------------------------------------

HUGE = 10**30


def test_a_huge_playlist_id_is_a_404(auth_client):
    assert auth_client.get(f"/api/playlists/{HUGE}/").status_code == 404
    assert auth_client.get(f"/api/playlists/{HUGE}/tracks/").status_code == 404


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_huge_track_id_is_a_400(auth_client, mix, method):
    response = getattr(auth_client, method)(tracks_url(mix), {"track_id": HUGE}, format="json")
    assert response.status_code == 400


def test_huge_ids_in_an_order_are_a_400(auth_client, mix, filled):
    response = auth_client.patch(tracks_url(mix), {"track_ids": [HUGE]}, format="json")
    assert response.status_code == 400
