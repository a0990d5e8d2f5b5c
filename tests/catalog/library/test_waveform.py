"""GET /api/tracks/<id>/waveform: the peaks the scanner stored, or 404 until it has."""

import pytest

from rubysound.catalog.models import Track
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


def test_the_stored_peaks_and_their_count(api_client):
    peaks = [0, 12, 255, 128, 64]
    track = TrackFactory(waveform=peaks)
    response = api_client.get(f"/api/tracks/{track.pk}/waveform")
    assert response.status_code == 200
    assert response.json() == {"peaks": peaks, "count": 5}
    assert response["Cache-Control"] == "public, max-age=3600"


def test_one_query(api_client, django_assert_max_num_queries):
    track = TrackFactory(waveform=list(range(200)))
    with django_assert_max_num_queries(1):
        assert api_client.get(f"/api/tracks/{track.pk}/waveform").status_code == 200


def test_peaks_stored_under_a_key_are_accepted(api_client):
    track = TrackFactory(waveform={"peaks": [1, 2, 3], "version": 1})
    assert api_client.get(f"/api/tracks/{track.pk}/waveform").json() == {
        "peaks": [1, 2, 3],
        "count": 3,
    }


@pytest.mark.parametrize("waveform", [None, [], {}, "garbage", 42])
def test_not_computed_yet_is_404_json(api_client, waveform):
    track = TrackFactory(waveform=waveform)
    response = api_client.get(f"/api/tracks/{track.pk}/waveform")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "The waveform of this track has not been computed yet.",
        "code": "waveform_pending",
    }
    assert "public" not in response.get("Cache-Control", "")


def test_remote_tracks_have_no_waveform(api_client):
    track = TrackFactory(source=Track.Source.REMOTE, library_root="", path="")
    assert api_client.get(f"/api/tracks/{track.pk}/waveform").status_code == 404


def test_unknown_tracks_are_404_json(api_client):
    for pk in (999999, 10**30):
        response = api_client.get(f"/api/tracks/{pk}/waveform")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
