"""Recording listens: the half-or-4-minutes rule, idempotent duplicates, validation, history."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rubysound.catalog import listens
from rubysound.catalog.models import Listen
from tests.catalog.listening import play
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/listens/"


def _post(client, **body):
    return client.post(URL, body, format="json")


# --- The rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "needed"),
    [(600, 240), (480, 240), (400, 200), (100, 50), (30, 15), (None, 240), (0, 240)],
)
def test_required_seconds_is_half_the_track_or_four_minutes(duration, needed):
    assert listens.required_seconds(duration) == needed


@pytest.mark.parametrize(
    ("duration", "played", "counted"),
    [
        (600, 240, True),
        (600, 239, False),
        (600, 239.99, False),
        (100, 50, True),
        (100, 49.9, False),
        (100, 100, True),
        (100, 1000, True),  # on repeat
        (None, 240, True),
        (None, 239, False),
    ],
)
def test_a_play_counts_after_half_the_track_or_four_minutes(
    auth_client, user, duration, played, counted
):
    track = TrackFactory(duration=duration)
    response = _post(auth_client, track_id=track.pk, played_seconds=played)
    body = response.json()
    assert body["counted"] is counted
    if counted:
        assert response.status_code == 201
        assert body["created"] is True
        assert body["reason"] is None
        assert body["listen"]["track_id"] == track.pk
        assert body["listen"]["source"] == "player"
        assert Listen.objects.filter(user=user, track=track).count() == 1
    else:
        assert response.status_code == 200
        assert body == {
            "counted": False,
            "created": False,
            "reason": "played_too_little",
            "required_seconds": listens.required_seconds(duration),
            "listen": None,
        }
        assert not Listen.objects.exists()


def test_listened_at_defaults_to_now_in_whole_seconds(auth_client, user):
    track = TrackFactory(duration=100)
    before = timezone.now().replace(microsecond=0)
    response = _post(auth_client, track_id=track.pk, played_seconds=60)
    assert response.status_code == 201
    listen = Listen.objects.get()
    assert before <= listen.listened_at <= timezone.now()
    assert listen.listened_at.microsecond == 0
    assert listen.user == user


# --- Idempotence -------------------------------------------------------------------------------


def test_the_same_listen_reported_twice_is_stored_once(auth_client, user):
    track = TrackFactory(duration=200)
    at = "2024-05-01T12:00:00Z"
    first = _post(auth_client, track_id=track.pk, listened_at=at, played_seconds=150)
    second = _post(auth_client, track_id=track.pk, listened_at=at, played_seconds=190)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["counted"] is True
    assert second.json()["created"] is False
    assert second.json()["listen"]["id"] == first.json()["listen"]["id"]
    assert Listen.objects.count() == 1


def test_a_retry_differing_below_the_second_or_in_time_zone_is_the_same_listen(auth_client):
    track = TrackFactory(duration=200)
    _post(
        auth_client, track_id=track.pk, listened_at="2024-05-01T12:00:00.120Z", played_seconds=150
    )
    again = _post(
        auth_client,
        track_id=track.pk,
        listened_at="2024-05-01T14:00:00.980+02:00",
        played_seconds=150,
    )
    assert again.status_code == 200
    assert Listen.objects.count() == 1
    assert Listen.objects.get().listened_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_other_users_and_other_times_are_other_listens(auth_client, user):
    track = TrackFactory(duration=200)
    ListenFactory(track=track, listened_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    _post(auth_client, track_id=track.pk, listened_at="2024-05-01T12:00:00Z", played_seconds=150)
    _post(auth_client, track_id=track.pk, listened_at="2024-05-01T12:05:00Z", played_seconds=150)
    assert Listen.objects.count() == 3
    assert Listen.objects.filter(user=user).count() == 2


def test_a_concurrent_duplicate_is_answered_with_the_winners_row(user, monkeypatch):
    """Another request inserts the listen between our lookup and our insert."""
    track = TrackFactory(duration=200)
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    winner = ListenFactory(user=user, track=track, listened_at=at)
    real_get = type(Listen.objects.all()).get
    calls = {"n": 0}

    def get_missing_once(self, *args, **kwargs):
        if self.model is Listen:
            calls["n"] += 1
            if calls["n"] == 1:
                raise Listen.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(type(Listen.objects.all()), "get", get_missing_once)
    outcome = listens.record_listen(user=user, track=track, played_seconds=150, listened_at=at)
    assert outcome.counted is True
    assert outcome.created is False
    assert outcome.listen.pk == winner.pk
    assert calls["n"] == 2
    assert Listen.objects.count() == 1


def test_a_scrobbler_that_applied_the_rule_itself_passes_no_played_seconds(user):
    track = TrackFactory(duration=600)
    at = timezone.now() - timedelta(days=3)
    outcome = listens.record_listen(
        user=user,
        track=track,
        played_seconds=None,
        listened_at=at,
        source=Listen.Source.LISTENBRAINZ,
    )
    assert outcome.counted is True
    assert outcome.created is True
    assert outcome.listen.listened_at == at.replace(microsecond=0)


def test_the_service_records_the_source(user):
    track = TrackFactory(duration=200)
    outcome = listens.record_listen(
        user=user, track=track, played_seconds=200, source=Listen.Source.SUBSONIC
    )
    assert outcome.created is True
    assert Listen.objects.get().source == "subsonic"


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "listened_at",
    [
        lambda now: now + timedelta(hours=1),
        lambda now: now + timedelta(days=400),
        lambda now: datetime(1999, 1, 1, tzinfo=UTC),
        lambda now: datetime(1970, 1, 1, tzinfo=UTC),
    ],
    ids=["an-hour-ahead", "next-year", "1999", "epoch"],
)
def test_future_or_absurdly_old_listens_are_refused(auth_client, listened_at):
    track = TrackFactory(duration=200)
    when = listened_at(timezone.now()).isoformat()
    response = _post(auth_client, track_id=track.pk, listened_at=when, played_seconds=200)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"listened_at"}
    assert not Listen.objects.exists()


def test_a_client_clock_slightly_ahead_is_tolerated(auth_client):
    track = TrackFactory(duration=200)
    when = (timezone.now() + timedelta(minutes=2)).isoformat()
    response = _post(auth_client, track_id=track.pk, listened_at=when, played_seconds=200)
    assert response.status_code == 201


def test_the_service_refuses_the_future_too(user):
    track = TrackFactory(duration=200)
    with pytest.raises(ValidationError):
        listens.record_listen(
            user=user,
            track=track,
            played_seconds=200,
            listened_at=timezone.now() + timedelta(days=1),
        )


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
