"""The offline mode: with no service on, every route answers from the library alone."""

import httpx
import pytest

from tests.catalog import provider_setup
from tests.catalog.plays import listeners, play
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

upstream = provider_setup.upstream


# --- The offline mode ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_offline_every_section_one_route_answers_from_the_library(api_client, upstream, client):
    """No keys: every route answers, from the library, and no request leaves (a catch-all
    route records any that would)."""
    leak = upstream.route().mock(return_value=httpx.Response(599))
    artist = ArtistFactory(name="Offline Band")
    track = TrackFactory(title="Offline Song", artist=artist, album=AlbumFactory(artist=artist))
    play(track, listeners(2))
    owner = UserFactory(username="owner")
    get_routes = [
        "/health/live",
        "/health/ready",
        "/music_api/search/?q=offline",
        "/music_api/search/artists/?q=offline",
        "/music_api/trending/",
        "/music_api/trending/?genre=rock",
        "/music_api/year-chart/",
        "/music_api/apple-chart/?country=us&count=50&type=songs",
        "/api/playlists/public/trending/",
        f"/api/playlists/public/{owner.username}/",
        f"/api/playlists/public/{owner.username}/comments/",
        "/api/schema/",
    ]
    for path in get_routes:
        response = api_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    search = api_client.get("/music_api/search/", {"q": "offline"}).json()
    assert [r["id"] for r in search["results"]] == [track.pk]
    assert search["meta"]["sources"] == {"library": {"status": "ok"}}
    trending = api_client.get("/music_api/trending/").json()
    assert [a["id"] for a in trending["artists"]] == [artist.pk]
    assert "sources" not in trending["meta"]
    assert api_client.get("/music_api/apple-chart/").json()["meta"]["source"] == "library"
    bios = api_client.post("/api/wikipedia/artists/", {"artists": ["Offline Band"]}, format="json")
    assert bios.status_code == 200
    assert bios.json()["artists"] == {}
    for page in (
        "/",
        "/music_api/index/?q=offline",
        "/login/",
        "/signup/",
        f"/u/{owner.username}/",
    ):
        assert client.get(page).status_code == 200, page
    assert not leak.called
