"""``/api/listens/``: what a report must hold and who may send it, the history, the stats.

The rule a play must meet to count, and what makes two reports one listen, are tested in
tests/catalog/listening/test_listens.py.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rubysound.catalog.models import Listen
from tests.catalog.plays import play
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/listens/"


def _post(client, **body):
    return client.post(URL, body, format="json")


# --- Reports: input and access ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"played_seconds": 100}, "track_id"),
        ({"track_id": "abc", "played_seconds": 100}, "track_id"),
        ({"track_id": 0, "played_seconds": 100}, "track_id"),
        ({"track_id": "TRACK"}, "played_seconds"),
        ({"track_id": "TRACK", "played_seconds": -1}, "played_seconds"),
        ({"track_id": "TRACK", "played_seconds": "forever"}, "played_seconds"),
        ({"track_id": "TRACK", "played_seconds": 10**9}, "played_seconds"),
        ({"track_id": "TRACK", "played_seconds": 100, "listened_at": "yesterday"}, "listened_at"),
        ({"track_id": "TRACK", "played_seconds": 100, "played": 100}, "played"),
        ({"track_id": "TRACK", "played_seconds": 100, "user_id": 1}, "user_id"),
    ],
)
def test_invalid_bodies_are_refused_with_the_field(auth_client, body, field):
    track = TrackFactory(duration=200)
    body = {key: (track.pk if value == "TRACK" else value) for key, value in body.items()}
    response = auth_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not Listen.objects.exists()


def test_not_a_number_from_a_form_is_refused(auth_client):
    track = TrackFactory(duration=200)
    response = auth_client.post(URL, {"track_id": track.pk, "played_seconds": "nan"})
    assert response.status_code == 400
    assert "played_seconds" in response.json()["fields"]


def test_an_unknown_track_is_a_404_in_the_error_shape(auth_client):
    response = _post(auth_client, track_id=987654, played_seconds=300)
    assert response.status_code == 404
    assert response.json() == {"detail": "Track not found.", "code": "not_found"}


def test_anonymous_reports_are_refused(api_client):
    track = TrackFactory(duration=200)
    response = _post(api_client, track_id=track.pk, played_seconds=300)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Listen.objects.exists()


def test_a_browser_session_can_report_with_its_csrf_token(db):
    user = UserFactory()
    track = TrackFactory(duration=200)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = {"track_id": track.pk, "played_seconds": 150}
    refused = client.post(URL, body, content_type="application/json")
    assert refused.status_code == 403
    token = "a" * 32  # a CSRF secret, as the cookie Django sets would hold
    client.cookies["csrftoken"] = token
    accepted = client.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
    assert Listen.objects.get().user == user


# --- History and stats ------------------------------------------------------------------------


def test_history_lists_my_listens_newest_first_with_track_objects(auth_client, user):
    older, newer = TrackFactory(duration=200), TrackFactory(duration=200, mbid=None)
    now = timezone.now()
    ListenFactory(user=user, track=older, listened_at=now - timedelta(days=2))
    ListenFactory(user=user, track=newer, listened_at=now - timedelta(hours=1))
    ListenFactory(track=older)  # someone else's
    response = auth_client.get(URL)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["count"] == 2
    assert [item["track"]["id"] for item in body["results"]] == [newer.pk, older.pk]
    item = body["results"][1]
    assert set(item) == {"id", "listened_at", "source", "track"}
    track = item["track"]
    assert track["listeners"] == 2  # everyone's: mine and the other listener's
    assert track["playcount"] == 2
    assert track["url"] == f"http://testserver/api/tracks/{older.pk}/stream"
    assert track["name"] == older.title


def test_history_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("page", ["0", "3", "abc", "-1"])
def test_history_pages_out_of_range_are_404s(auth_client, user, page):
    ListenFactory(user=user)
    response = auth_client.get(URL, {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def _history_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": 50})
    assert response.status_code == 200
    return len(queries)


def test_history_query_count_does_not_grow_with_the_page(
    auth_client, user, django_assert_max_num_queries
):
    for n in range(5):
        ListenFactory(user=user, listened_at=timezone.now() - timedelta(minutes=n + 1))
    with django_assert_max_num_queries(4):  # the token's user, count, page, track stats
        few = _history_queries(auth_client)
    cache.clear()
    for n in range(25):
        ListenFactory(user=user, listened_at=timezone.now() - timedelta(hours=n + 1))
    many = _history_queries(auth_client)
    assert few == many


def test_stats_top_artists_and_tracks_of_the_user(auth_client, user):
    loved, liked = TrackFactory(duration=200), TrackFactory(duration=200)
    play(loved, [user], times=5)
    play(liked, [user], times=2)
    play(liked, UserFactory.create_batch(3), times=1)  # others do not count in my stats
    play(liked, [user], times=10, ago=timedelta(days=60))  # outside the month
    response = auth_client.get("/api/listens/stats/", {"window": "month"})
    assert response.status_code == 200
    body = response.json()
    assert body["window"] == "month"
    assert body["listens"] == 7
    assert [a["name"] for a in body["top_artists"]] == [loved.artist.name, liked.artist.name]
    assert body["top_artists"][0]["plays"] == 5
    assert body["top_artists"][0]["url"] == f"http://testserver/api/artists/{loved.artist_id}/"
    assert [(t["track"]["id"], t["plays"]) for t in body["top_tracks"]] == [
        (loved.pk, 5),
        (liked.pk, 2),
    ]
    all_time = auth_client.get("/api/listens/stats/", {"window": "all"}).json()
    assert all_time["listens"] == 17
    assert all_time["top_tracks"][0]["track"]["id"] == liked.pk


def test_stats_validates_its_window(auth_client):
    response = auth_client.get("/api/listens/stats/", {"window": "decade"})
    assert response.status_code == 400
    assert "window" in response.json()["fields"]


def _stats_queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/listens/stats/", {"limit": 50})
    assert response.status_code == 200
    return len(queries)


def test_stats_query_count_does_not_grow_with_the_lists(auth_client, user):
    for _ in range(5):
        play(TrackFactory(), [user])
    few = _stats_queries(auth_client)
    for _ in range(25):
        play(TrackFactory(), [user])
    many = _stats_queries(auth_client)
    # The token's user, top artists, top tracks, their rows, the count, their stats.
    assert few == many == 6
