"""/music_api/trending/, /music_api/year-chart/ and /music_api/apple-chart/ from our own
listens: exact shapes, types, errors, caching."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.catalog.listening import tallies
from tests.catalog.plays import listeners, play
from tests.compat.music.shapes import (
    DAY,
    DEFAULT_COVER,
    artist_with_tracks,
    assert_edge_cacheable,
    assert_track_object,
)
from tests.factories import AlbumFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db


# --- /music_api/trending/ -------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "76", "-1", "abc", "5.5", "1e3", "9" * 40])
def test_trending_limit_must_be_1_to_75(api_client, limit):
    response = api_client.get("/music_api/trending/", {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {"error": "Limit must be 1-75"}


def test_trending_shape_and_numeric_order(api_client):
    rock = GenreFactory(name="Rock")
    people = listeners(10)
    ten = artist_with_tracks("Ten Listeners", 1, genres=[rock])[0]
    nine = artist_with_tracks("Nine Listeners", 1, genres=[rock])[0]
    play(ten, people)
    play(nine, people[:9], times=3)
    old = AlbumFactory(artist=ten.artist, title="Earlier Album", year=2001)
    response = api_client.get("/music_api/trending/", {"genre": "rock", "limit": 5})
    assert response.status_code == 200
    assert_edge_cacheable(response)
    body = response.json()
    assert set(body) == {"artists", "meta"}
    assert {k: body["meta"][k] for k in ("genre", "count", "limit", "cached")} == {
        "genre": "rock",
        "count": 2,
        "limit": 5,
        "cached": False,
    }
    first, second = body["artists"]
    assert (first["name"], first["listeners"], first["playcount"]) == ("Ten Listeners", 10, 10)
    assert (second["name"], second["listeners"], second["playcount"]) == ("Nine Listeners", 9, 27)
    for artist in body["artists"]:
        assert {"name", "photo_url", "listeners", "playcount", "releases"} <= set(artist)
        assert type(artist["listeners"]) is int
        assert type(artist["playcount"]) is int
        assert artist["photo_url"] == DEFAULT_COVER
    assert first["releases"] == [
        {
            "title": "Ten Listeners Live",
            "playcount": 10,
            "url": f"http://testserver/api/albums/{ten.album_id}/",
            "cover": DEFAULT_COVER,
            "id": ten.album_id,
            "year": 2020,
        },
        {
            "title": "Earlier Album",
            "playcount": 0,
            "url": f"http://testserver/api/albums/{old.pk}/",
            "cover": DEFAULT_COVER,
            "id": old.pk,
            "year": 2001,
        },
    ]
    assert api_client.get("/music_api/trending/", {"genre": "rock", "limit": 5}).json()["meta"][
        "cached"
    ]


def test_trending_photo_falls_back_to_a_release_cover(api_client):
    (track,) = artist_with_tracks("Cover Band", 1)
    track.album.cover.save("cover.png", ContentFile(b"png"), save=True)
    play(track, listeners(1))
    artist = api_client.get("/music_api/trending/").json()["artists"][0]
    assert artist["photo_url"] == f"http://testserver/api/albums/{track.album_id}/cover?size=300"


def test_trending_defaults_and_unknown_genre(api_client):
    for n in range(20):
        play(artist_with_tracks(f"Default {n}", 1)[0], listeners(1))
    body = api_client.get("/music_api/trending/").json()
    assert body["meta"]["limit"] == 16
    assert len(body["artists"]) == 16
    unknown = api_client.get("/music_api/trending/", {"genre": "no-such-genre"})
    assert unknown.status_code == 200
    assert unknown.json()["artists"] == []
    assert unknown.json()["meta"]["count"] == 0


def _route_queries(api_client, path: str, query: dict) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(path, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/music_api/trending/", 4),  # artists aggregate, artists, albums, album plays
        ("/music_api/year-chart/", 2),  # tracks aggregate, tracks
        ("/music_api/apple-chart/", 2),
    ],
)
def test_chart_routes_query_count_does_not_grow(api_client, path, expected):
    limit = "count" if path.endswith("apple-chart/") else "limit"
    for n in range(5):
        album = AlbumFactory()
        AlbumFactory(artist=album.artist)
        play(TrackFactory(album=album), listeners(1 + n % 2))
    few = _route_queries(api_client, path, {limit: 50})
    for n in range(25):
        album = AlbumFactory()
        AlbumFactory(artist=album.artist)
        play(TrackFactory(album=album), listeners(1 + n % 2))
    many = _route_queries(api_client, path, {limit: 50})
    # Each registered signal (social's favorites) adds one query.
    assert few == many == expected + len(tallies._SIGNALS)
    with CaptureQueriesContext(connection) as cached:
        body = api_client.get(path, {limit: 50}).json()
    assert len(cached) == 0
    assert body["meta"]["cached"] is True


# --- /music_api/year-chart/ -----------------------------------------------------------------------


def test_year_chart_holds_the_last_365_days(api_client):
    recent, months_ago, long_ago = TrackFactory(), TrackFactory(), TrackFactory()
    play(recent, listeners(1))
    play(months_ago, listeners(2), ago=200 * DAY)
    play(long_ago, listeners(5), ago=400 * DAY)
    response = api_client.get("/music_api/year-chart/")
    assert response.status_code == 200
    assert_edge_cacheable(response)
    body = response.json()
    assert [t["id"] for t in body["tracks"]] == [months_ago.pk, recent.pk]
    for track in body["tracks"]:
        assert_track_object(track)
    assert body["tracks"][0]["listeners"] == 2
    assert body["meta"]["cached"] is False
    assert body["meta"]["limit"] == 15
    assert api_client.get("/music_api/year-chart/").json()["meta"]["cached"] is True


def test_year_chart_by_genre(api_client):
    jazz = GenreFactory(name="Jazz")
    swing, other = TrackFactory(genres=[jazz]), TrackFactory()
    play(swing, listeners(1))
    play(other, listeners(3))
    body = api_client.get("/music_api/year-chart/", {"genre": "jazz"}).json()
    assert [t["id"] for t in body["tracks"]] == [swing.pk]
    assert api_client.get("/music_api/year-chart/", {"genre": "polka"}).json()["tracks"] == []


@pytest.mark.parametrize("limit", ["0", "76", "x"])
def test_year_chart_limit_must_be_1_to_75(api_client, limit):
    response = api_client.get("/music_api/year-chart/", {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {"error": "Limit must be 1-75"}


# --- /music_api/apple-chart/ ----------------------------------------------------------------------


def test_apple_chart_is_our_own_chart(api_client):
    hit = TrackFactory()
    play(hit, listeners(2))
    play(TrackFactory(), listeners(9), ago=20 * DAY)  # not this week
    response = api_client.get("/music_api/apple-chart/", {"country": "us", "count": 10})
    assert response.status_code == 200
    assert_edge_cacheable(response)
    body = response.json()
    assert set(body) == {"tracks", "meta"}
    assert [t["id"] for t in body["tracks"]] == [hit.pk]
    assert_track_object(body["tracks"][0])
    assert body["meta"]["source"] == "library"
    assert body["meta"]["cached"] is False
    assert body["meta"]["country"] == "us"
    assert body["meta"]["type"] == "songs"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"count": "0"}, "Count must be 1-100"),
        ({"count": "101"}, "Count must be 1-100"),
        ({"count": "ten"}, "Count must be 1-100"),
        ({"country": "usa"}, "Country must be a 2-letter code"),
        ({"country": "u1"}, "Country must be a 2-letter code"),
        ({"type": "albums"}, "Type must be songs"),
        ({"type": "podcasts"}, "Type must be songs"),
    ],
)
def test_apple_chart_validates_its_parameters(api_client, query, error):
    response = api_client.get("/music_api/apple-chart/", query)
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_apple_chart_accepts_any_two_letter_country_and_count_100(api_client):
    response = api_client.get("/music_api/apple-chart/", {"country": "GB", "count": 100})
    assert response.status_code == 200
    assert response.json()["meta"]["country"] == "gb"
