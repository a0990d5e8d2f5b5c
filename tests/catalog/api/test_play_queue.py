"""``/api/me/queue/``: reading and replacing the signed-in user's play queue over JSON, with
the ETag that keeps a stale device from overwriting a newer queue.

The rules of the queue itself are tested in tests/catalog/listening/test_play_queue.py.
"""

import pytest

from rubysound.catalog import selectors, services
from rubysound.catalog.models import Track
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/me/queue/"


def _put(client, body, if_match='"0"'):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.put(URL, body, format="json", **headers)


def test_signing_in_is_required(api_client):
    assert api_client.get(URL).status_code == 401
    response = api_client.put(URL, {"track_ids": []}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 401
    assert response.json()["code"]


def test_an_unsaved_queue_reads_empty_at_version_zero_and_is_never_cached(auth_client):
    response = auth_client.get(URL)
    assert response.status_code == 200
    assert response["ETag"] == '"0"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response.json() == {
        "version": 0,
        "tracks": [],
        "current_index": 0,
        "position_ms": 0,
        "changed_at": None,
        "changed_by": "",
    }


def test_a_saved_queue_comes_back_as_track_cards_with_its_new_etag(auth_client, user):
    first, second = TrackFactory.create_batch(2)
    body = {
        "track_ids": [second.pk, first.pk],
        "current_index": 1,
        "position_ms": 42_000,
        "client": "Test laptop",
    }
    saved = _put(auth_client, body)
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"1"'
    assert "no-store" in saved["Cache-Control"]

    read = auth_client.get(URL)
    data = read.json()
    assert read["ETag"] == '"1"'
    assert data == saved.json()
    assert [track["id"] for track in data["tracks"]] == [second.pk, first.pk]
    assert data["current_index"] == 1
    assert data["position_ms"] == 42_000
    assert data["changed_by"] == "Test laptop"
    card = data["tracks"][0]
    assert card["name"] == second.title
    assert card["artist"] == second.artist.name
    assert card["url"] == f"http://testserver/api/tracks/{second.pk}/stream"
    assert set(card) >= {"album", "album_id", "artist_id", "duration", "image_url", "source"}


def test_the_web_player_is_the_default_client_name(auth_client):
    track = TrackFactory()
    response = _put(auth_client, {"track_ids": [track.pk]})
    assert response.json()["changed_by"] == "RubySound web"


def test_a_stale_etag_is_refused_with_412_and_the_newer_queue_stays(auth_client, user):
    phone_track, web_track = TrackFactory.create_batch(2)
    services.save_play_queue(user, track_ids=[phone_track.pk], changed_by="phone")  # version 1
    services.save_play_queue(user, track_ids=[phone_track.pk], changed_by="phone")  # version 2
    response = _put(auth_client, {"track_ids": [web_track.pk]}, if_match='"1"')
    assert response.status_code == 412
    assert response.json()["code"] == "queue_changed"
    assert "detail" in response.json()
    queue = selectors.get_play_queue(user)
    assert [t.pk for t in queue.tracks] == [phone_track.pk]
    assert queue.version == 2

    again = _put(auth_client, {"track_ids": [web_track.pk]}, if_match='W/"2"')
    assert again.status_code == 200
    assert again["ETag"] == '"3"'


def test_a_save_without_if_match_is_refused_with_428(auth_client, user):
    track = TrackFactory()
    response = _put(auth_client, {"track_ids": [track.pk]}, if_match=None)
    assert response.status_code == 428
    assert response.json()["code"] == "queue_version_required"
    assert selectors.get_play_queue(user).version == 0


def test_if_match_star_replaces_any_queue(auth_client, user):
    a, b = TrackFactory.create_batch(2)
    services.save_play_queue(user, track_ids=[a.pk])
    response = _put(auth_client, {"track_ids": [b.pk]}, if_match="*")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["tracks"]] == [b.pk]


@pytest.mark.parametrize("if_match", ["3", '"abc"', '"1", "2"', '"99999999999999999999"'])
def test_a_malformed_if_match_is_a_400(auth_client, if_match):
    track = TrackFactory()
    response = _put(auth_client, {"track_ids": [track.pk]}, if_match=if_match)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "track_ids"),
        ({"track_ids": "1,2"}, "track_ids"),
        ({"track_ids": [0]}, "track_ids"),
        ({"track_ids": [2**63]}, "track_ids"),
        ({"track_ids": ["TRACK"], "current_index": -1}, "current_index"),
        ({"track_ids": ["TRACK"], "current_index": 1}, "current_index"),
        ({"track_ids": ["TRACK"], "position_ms": -1}, "position_ms"),
        ({"track_ids": ["TRACK"], "position_ms": 10**12}, "position_ms"),
        ({"track_ids": ["TRACK"], "client": "x" * 65}, "client"),
        ({"track_ids": ["TRACK"], "ids": [1]}, "ids"),
        ({"track_ids": ["TRACK", 987_654]}, "track_ids"),
        ({"track_ids": ["TRACK"] * 1001}, "track_ids"),
    ],
)
def test_bad_bodies_are_400_with_the_field_and_change_nothing(auth_client, user, body, field):
    track = TrackFactory()
    services.save_play_queue(user, track_ids=[track.pk])
    if "track_ids" in body and isinstance(body["track_ids"], list):
        body["track_ids"] = [track.pk if x == "TRACK" else x for x in body["track_ids"]]
    response = _put(auth_client, body, if_match='"1"')
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    # A list item's refusal is named by its place ("track_ids.0").
    assert any(name.split(".")[0] == field for name in response.json()["fields"])
    assert selectors.get_play_queue(user).version == 1


def test_one_user_never_sees_another_users_queue(auth_client):
    other = UserFactory()
    services.save_play_queue(other, track_ids=[TrackFactory().pk])
    assert auth_client.get(URL).json()["tracks"] == []


def test_reading_a_full_queue_takes_a_fixed_number_of_queries(
    auth_client, user, django_assert_max_num_queries
):
    tracks = TrackFactory.create_batch(20)
    services.save_play_queue(user, track_ids=[t.pk for t in tracks] * 50)
    # Authentication (user) + queue + entries with tracks + the cards' numbers.
    with django_assert_max_num_queries(5):
        response = auth_client.get(URL)
    assert len(response.json()["tracks"]) == 1000


def test_saving_a_full_queue_of_distinct_tracks_takes_a_fixed_number_of_queries(
    auth_client, user, django_assert_max_num_queries
):
    album = TrackFactory().album
    # Bulk rows: a thousand factory tracks would take most of the test's time.
    Track.objects.bulk_create(
        Track(
            title=f"Bulk {n}",
            title_key=f"bulk {n}",
            artist=album.artist,
            album=album,
            library_root="/library",
            path=f"bulk/{n}.flac",
        )
        for n in range(999)
    )
    ids = list(Track.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 1000
    # Authentication, the tracks' check, the queue row (read or create, bump), its entries
    # (read, delete, insert: in batches of 333 on SQLite), savepoints, then the answer's reads.
    with django_assert_max_num_queries(18):
        response = _put(auth_client, {"track_ids": ids[::-1], "current_index": 500})
    assert response.status_code == 200, response.content
    assert [t["id"] for t in response.json()["tracks"]] == ids[::-1]
