"""``/api/charts/...``: the shape of an answer, its caching, its parameters."""

import pytest

from tests.catalog.plays import listeners, play
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


def test_api_top_artists_shape(api_client):
    track = TrackFactory()
    play(track, listeners(2))
    response = api_client.get("/api/charts/artists/", {"window": "week", "limit": 5})
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    body = response.json()
    assert {k: body[k] for k in ("kind", "window", "genre", "limit", "count", "cached")} == {
        "kind": "artists",
        "window": "week",
        "genre": "",
        "limit": 5,
        "count": 1,
        "cached": False,
    }
    artist = body["results"][0]
    assert artist["url"] == f"http://testserver/api/artists/{track.artist_id}/"
    assert (artist["listeners"], artist["playcount"]) == (2, 2)
    assert api_client.get("/api/charts/artists/", {"window": "week", "limit": 5}).json()["cached"]


def test_api_top_tracks_and_trending(api_client):
    track = TrackFactory()
    play(track, listeners(3))
    tracks = api_client.get("/api/charts/tracks/").json()
    assert tracks["window"] == "month"
    assert tracks["results"][0]["id"] == track.pk
    trending = api_client.get("/api/charts/trending/tracks/").json()
    assert trending["window"] == "week"
    assert trending["results"][0]["growth"] == 3.0
    artists = api_client.get("/api/charts/trending/artists/", {"window": "year"}).json()
    assert artists["results"][0]["id"] == track.artist_id


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/charts/artists/", {"window": "decade"}, "window"),
        ("/api/charts/tracks/", {"limit": 0}, "limit"),
        ("/api/charts/tracks/", {"limit": 101}, "limit"),
        ("/api/charts/tracks/", {"limit": "many"}, "limit"),
        ("/api/charts/trending/artists/", {"window": "all"}, "window"),
    ],
)
def test_api_chart_parameters_are_validated(api_client, path, query, field):
    response = api_client.get(path, query)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_api_charts_ignore_stale_credentials(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get("/api/charts/tracks/").status_code == 200
