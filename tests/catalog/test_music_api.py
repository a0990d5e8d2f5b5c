"""The /music_api/ routes clients already speak: exact shapes, types, errors, caching."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.catalog import charts, search
from rubysound.core.edge_cache import _storable
from tests.catalog.listening import listeners, play
from tests.factories import AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
TRACK_FIELDS = {
    "name": str,
    "artist": str,
    "listeners": int,
    "playcount": int,
    "url": str,
    "image_url": str,
    "mbid": str,
    "id": int,
    "album": str,
    "duration": float,
    "source": str,
}
DEFAULT_COVER = "http://testserver/static/img/default-cover.svg"


def assert_track_object(track: dict) -> None:
    for name, kind in TRACK_FIELDS.items():
        assert name in track, name
        assert type(track[name]) is kind, (name, track[name])


def assert_edge_cacheable(response) -> None:
    """Public, shared for 60 s, and storable by the in-process edge cache."""
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response
    headers = [(k.lower().encode(), v.encode()) for k, v in response.headers.items()]
    assert _storable(response.status_code, headers) == 60


def _catalog(artist_name: str, count: int, **track_kwargs) -> list:
    artist = ArtistFactory(name=artist_name)
    album = AlbumFactory(artist=artist, title=f"{artist_name} Live")
    return [
        TrackFactory(album=album, artist=artist, title=f"{artist_name} Song {n}", **track_kwargs)
        for n in range(count)
    ]


# --- /music_api/search/ ------------------------------------------------------------------------


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_search_needs_a_query(api_client, query):
    response = api_client.get("/music_api/search/", query)
    assert response.status_code == 400
    assert response.json() == {"error": "Query required"}


def test_search_refuses_an_overlong_query(api_client):
    response = api_client.get("/music_api/search/", {"q": "a" * 201})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_search_answers_track_objects(api_client):
    mbid = uuid.uuid4()
    (track,) = _catalog("Quokka Parade", 1, mbid=mbid, duration=201.5)
    play(track, listeners(3), times=2)
    response = api_client.get("/music_api/search/", {"q": "quokka"})
    assert response.status_code == 200
    assert_edge_cacheable(response)
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results", "meta"}
    # No service is on: the library answered alone, and says so.
    assert body["meta"] == {"cached": False, "sources": {"library": {"status": "ok"}}}
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    result = body["results"][0]
    assert_track_object(result)
    assert result == {
        "name": "Quokka Parade Song 0",
        "artist": "Quokka Parade",
        "listeners": 3,
        "playcount": 6,
        "url": f"http://testserver/api/tracks/{track.pk}/stream",
        "image_url": DEFAULT_COVER,
        "mbid": str(mbid),
        "id": track.pk,
        "album": "Quokka Parade Live",
        "duration": 201.5,
        "source": "library",
        "artist_id": track.artist_id,
        "album_id": track.album_id,
    }


def test_search_covers_and_missing_values(api_client):
    (track,) = _catalog("Wombat Choir", 1)
    track.album.cover.save("cover.png", ContentFile(b"png"), save=True)
    remote = TrackFactory(
        title="Wombat Remote",
        source="remote",
        album=None,
        artist=track.artist,
        library_root="",
        path="",
        duration=None,
        preview_url="https://cdn.example/preview.mp3",
        remote_image_url="https://cdn.example/cover.jpg",
    )
    results = {
        r["id"]: r for r in api_client.get("/music_api/search/", {"q": "wombat"}).json()["results"]
    }
    assert results[track.pk]["image_url"] == (
        f"http://testserver/api/albums/{track.album_id}/cover?size=300"
    )
    assert results[track.pk]["mbid"] == ""
    assert results[track.pk]["listeners"] == 0
    assert results[remote.pk]["url"] == "https://cdn.example/preview.mp3"
    assert results[remote.pk]["image_url"] == "https://cdn.example/cover.jpg"
    assert results[remote.pk]["album"] == ""
    assert results[remote.pk]["duration"] is None
    assert results[remote.pk]["source"] == "remote"


def test_a_remote_track_without_preview_has_an_empty_url(api_client):
    remote = TrackFactory(
        title="Numbat Unheard", source="remote", library_root="", path="", preview_url=""
    )
    result = api_client.get("/music_api/search/", {"q": "numbat"}).json()["results"][0]
    assert result["id"] == remote.pk
    assert result["url"] == ""


def test_search_pages(api_client):
    _catalog("Platypus Band", 35)
    first = api_client.get("/music_api/search/", {"q": "platypus", "page_size": 10}).json()
    assert first["count"] == 35
    assert len(first["results"]) == 10
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert "page_size=10" in first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 10
    assert "page=" not in second["previous"]
    last = api_client.get("/music_api/search/", {"q": "platypus", "page_size": 10, "page": 4})
    assert len(last.json()["results"]) == 5
    assert last.json()["next"] is None
    assert "page=3" in last.json()["previous"]
    seen = set()
    for page in range(1, 5):
        body = api_client.get(
            "/music_api/search/", {"q": "platypus", "page_size": 10, "page": page}
        ).json()
        seen.update(r["id"] for r in body["results"])
    assert len(seen) == 35


@pytest.mark.parametrize(("asked", "served"), [("31", 30), ("1000", 30), ("30", 30), ("7", 7)])
def test_page_size_above_30_is_served_as_30(api_client, asked, served):
    _catalog("Echidna Trio", 35)
    body = api_client.get("/music_api/search/", {"q": "echidna", "page_size": asked}).json()
    assert len(body["results"]) == served


@pytest.mark.parametrize("asked", ["0", "-3", "abc", "", "9" * 20])
def test_an_invalid_page_size_means_the_default_14(api_client, asked):
    _catalog("Echidna Trio", 20)
    body = api_client.get("/music_api/search/", {"q": "echidna", "page_size": asked}).json()
    assert len(body["results"]) == 14


def test_cached_search_pages_are_told_apart_by_page_size(api_client):
    _catalog("Bilby Jam", 20)
    small = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 5}).json()
    large = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 12}).json()
    assert (len(small["results"]), len(large["results"])) == (5, 12)
    page_two = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 5, "page": 2})
    assert {r["id"] for r in page_two.json()["results"]}.isdisjoint(
        r["id"] for r in small["results"]
    )


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "3", "999", "9" * 30, " "])
def test_bad_or_out_of_range_pages_are_404_json(api_client, page):
    _catalog("Dingo Duo", 15)
    response = api_client.get("/music_api/search/", {"q": "dingo", "page_size": 10, "page": page})
    if page == " ":  # blank is the first page
        assert response.status_code == 200
        return
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_the_first_page_of_nothing_is_empty_not_404(api_client):
    response = api_client.get("/music_api/search/", {"q": "nothing matches this"})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("count", "next", "previous", "results")} == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def _search_queries(api_client, query: str, page_size: int) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as own:
        tracks, _ = search.search_tracks(query, limit=page_size)
    cache.clear()
    with CaptureQueriesContext(connection) as route:
        response = api_client.get("/music_api/search/", {"q": query, "page_size": page_size})
    assert len(response.json()["results"]) == len(tracks)
    return len(own), len(route)


def test_search_query_count_does_not_grow_with_results(api_client, django_assert_max_num_queries):
    for n, track in enumerate(_catalog("Kiwi Fire", 30)):
        play(track, listeners(1 + n % 3))
    own_few, route_few = _search_queries(api_client, "kiwi", 5)
    own_many, route_many = _search_queries(api_client, "kiwi", 30)
    # The search selector's own queries, plus one aggregate of listens for all the results.
    assert route_few == own_few + 1
    assert route_many == own_many + 1
    assert route_few == route_many
    with django_assert_max_num_queries(0):
        cached = api_client.get("/music_api/search/", {"q": "kiwi", "page_size": 30})
    assert len(cached.json()["results"]) == 30


def test_search_ignores_stale_credentials(api_client):
    _catalog("Koala Club", 1)
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired-or-garbage")
    assert api_client.get("/music_api/search/", {"q": "koala"}).status_code == 200


# --- /music_api/search/artists/ -------------------------------------------------------------------


def test_artist_autocomplete_shape(api_client):
    mbid = uuid.uuid4()
    artist = ArtistFactory(name="Possum Kings", mbid=mbid)
    play(TrackFactory(album=AlbumFactory(artist=artist)), listeners(4), times=3)
    response = api_client.get("/music_api/search/artists/", {"q": "possum"})
    assert response.status_code == 200
    assert_edge_cacheable(response)
    body = response.json()
    assert body["meta"] == {"cached": False, "sources": {"library": {"status": "ok"}}}
    (result,) = body["results"]
    assert {k: result[k] for k in ("name", "url", "listeners", "mbid")} == {
        "name": "Possum Kings",
        "url": f"http://testserver/api/artists/{artist.pk}/",
        "listeners": 4,
        "mbid": str(mbid),
    }
    assert type(result["listeners"]) is int
    again = api_client.get("/music_api/search/artists/", {"q": "possum"}).json()
    assert again["meta"] == {"cached": True, "sources": {"library": {"status": "ok"}}}
    assert again["results"] == body["results"]


def test_artist_autocomplete_is_bounded_and_needs_a_query(api_client):
    for n in range(15):
        ArtistFactory(name=f"Wallaby {n:02d}")
    body = api_client.get("/music_api/search/artists/", {"q": "wallaby"}).json()
    assert len(body["results"]) == 10
    assert all(r["mbid"] == "" for r in body["results"])
    response = api_client.get("/music_api/search/artists/", {"q": " "})
    assert response.status_code == 400
    assert response.json() == {"error": "Query required"}


def test_artist_autocomplete_query_count(api_client, django_assert_max_num_queries):
    for n in range(10):
        artist = ArtistFactory(name=f"Cassowary {n}")
        play(TrackFactory(album=AlbumFactory(artist=artist)), listeners(1))
    cache.clear()
    with CaptureQueriesContext(connection) as own:
        search.search_artists("cassowary", limit=10)
    cache.clear()
    with CaptureQueriesContext(connection) as route:
        body = api_client.get("/music_api/search/artists/", {"q": "cassowary"}).json()
    assert len(body["results"]) == 10
    assert len(route) == len(own) + 1  # one aggregate of listeners for all the artists


# --- /music_api/trending/ -------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "76", "-1", "abc", "5.5", "1e3", "9" * 40])
def test_trending_limit_must_be_1_to_75(api_client, limit):
    response = api_client.get("/music_api/trending/", {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {"error": "Limit must be 1-75"}


def test_trending_shape_and_numeric_order(api_client):
    rock = GenreFactory(name="Rock")
    people = listeners(10)
    ten = _catalog("Ten Listeners", 1, genres=[rock])[0]
    nine = _catalog("Nine Listeners", 1, genres=[rock])[0]
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
    (track,) = _catalog("Cover Band", 1)
    track.album.cover.save("cover.png", ContentFile(b"png"), save=True)
    play(track, listeners(1))
    artist = api_client.get("/music_api/trending/").json()["artists"][0]
    assert artist["photo_url"] == f"http://testserver/api/albums/{track.album_id}/cover?size=300"


def test_trending_defaults_and_unknown_genre(api_client):
    for n in range(20):
        play(_catalog(f"Default {n}", 1)[0], listeners(1))
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
    assert few == many == expected + len(charts._SIGNALS)
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
