"""/music_api/search/ and /music_api/search/artists/ with the library alone: exact shapes,
types, errors, caching."""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.catalog.search import engine as search
from tests.catalog.plays import listeners, play
from tests.compat.music.shapes import (
    DEFAULT_COVER,
    artist_with_tracks,
    assert_edge_cacheable,
    assert_track_object,
)
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db


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
    (track,) = artist_with_tracks("Quokka Parade", 1, mbid=mbid, duration=201.5)
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
    (track,) = artist_with_tracks("Wombat Choir", 1)
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
    artist_with_tracks("Platypus Band", 35)
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
    artist_with_tracks("Echidna Trio", 35)
    body = api_client.get("/music_api/search/", {"q": "echidna", "page_size": asked}).json()
    assert len(body["results"]) == served


@pytest.mark.parametrize("asked", ["0", "-3", "abc", "", "9" * 20])
def test_an_invalid_page_size_means_the_default_14(api_client, asked):
    artist_with_tracks("Echidna Trio", 20)
    body = api_client.get("/music_api/search/", {"q": "echidna", "page_size": asked}).json()
    assert len(body["results"]) == 14


def test_cached_search_pages_are_told_apart_by_page_size(api_client):
    artist_with_tracks("Bilby Jam", 20)
    small = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 5}).json()
    large = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 12}).json()
    assert (len(small["results"]), len(large["results"])) == (5, 12)
    page_two = api_client.get("/music_api/search/", {"q": "bilby", "page_size": 5, "page": 2})
    assert {r["id"] for r in page_two.json()["results"]}.isdisjoint(
        r["id"] for r in small["results"]
    )


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "3", "999", "9" * 30, " "])
def test_bad_or_out_of_range_pages_are_404_json(api_client, page):
    artist_with_tracks("Dingo Duo", 15)
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
    for n, track in enumerate(artist_with_tracks("Kiwi Fire", 30)):
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
    artist_with_tracks("Koala Club", 1)
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
