"""Recording listens: the half-or-4-minutes rule, idempotent duplicates, listened_at bounds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rubysound.catalog.listening import listens
from rubysound.catalog.models import Listen
from tests.factories import ListenFactory, TrackFactory

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
