"""``POST /api/listens/now-playing/``: the web player says a play started; the user's now
playing (no listen) until the track would have ended."""

import pytest

from rubysound.catalog.models import Listen, NowPlaying
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

URL = "/api/listens/now-playing/"


def test_a_started_play_is_the_users_now_playing(auth_client, user):
    track = TrackFactory(duration=200)
    response = auth_client.post(URL, {"track_id": track.pk}, format="json")
    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    row = NowPlaying.objects.get(user=user)
    assert row.track == track
    assert row.source == Listen.Source.PLAYER
    assert row.client == "RubySound web player"
    assert (row.expires_at - row.started_at).total_seconds() == 200
    assert not Listen.objects.exists()
    # The next track replaces it.
    other = TrackFactory()
    auth_client.post(URL, {"track_id": other.pk}, format="json")
    assert NowPlaying.objects.get(user=user).track == other


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"track_id": "x"}, 400),
        ({"track_id": 0}, 400),
        ({"track_id": 2**70}, 400),
        ({"track_id": 1, "extra": 1}, 400),
        ({"track_id": 987654}, 404),
    ],
)
def test_bad_bodies_are_refused_in_the_error_shape(auth_client, body, status):
    response = auth_client.post(URL, body, format="json")
    assert response.status_code == status
    assert {"detail", "code"} <= set(response.json())
    assert not NowPlaying.objects.exists()


def test_anonymous_players_are_refused(api_client):
    track = TrackFactory()
    assert api_client.post(URL, {"track_id": track.pk}, format="json").status_code == 401
    assert not NowPlaying.objects.exists()
