"""/music_api/trending/, /music_api/year-chart/ and /music_api/apple-chart/ with external
services switched on, replayed from recordings.

The real clients and the real transport run; respx answers with the services' recorded
responses and refuses every request it has no route for.
"""

import httpx
import pytest

from rubysound.providers import cache as provider_cache
from tests.catalog import provider_setup
from tests.catalog.plays import listeners, play
from tests.catalog.provider_setup import (
    DEEZER_URL,
    ITUNES_URL,
    LASTFM_URL,
    RADIOHEAD_MBID,
    recorded,
    route_audiodb_photos,
    slow,
)
from tests.compat.music.shapes import DEFAULT_COVER, proxied_target
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream

WIKIPEDIA_EN = "https://en.wikipedia.org"


def _route_rock_chart(router):
    router.get(LASTFM_URL, params={"method": "tag.getTopArtists", "tag": "rock"}).mock(
        return_value=recorded("lastfm", "tag_top_artists.json")
    )
    router.get(LASTFM_URL, params={"method": "artist.getTopAlbums", "mbid": RADIOHEAD_MBID}).mock(
        return_value=recorded("lastfm", "artist_top_albums.json")
    )
    router.get(LASTFM_URL, params={"method": "artist.getTopAlbums"}).mock(
        return_value=recorded("lastfm", "error_6_artist.json")
    )
    route_audiodb_photos(router)
    router.get(f"{WIKIPEDIA_EN}/w/api.php", params={"gsrsearch": "Muse"}).mock(
        return_value=recorded("wikipedia", "search_en_muse.json")
    )
    router.get(f"{WIKIPEDIA_EN}/w/api.php").mock(
        return_value=recorded("wikipedia", "search_empty.json")
    )
    router.get(url__regex=rf"^{WIKIPEDIA_EN}/api/rest_v1/page/summary/Muse_%28band%29$").mock(
        return_value=recorded("wikipedia", "summary_en_muse_band.json")
    )
    router.get(url__startswith=f"{WIKIPEDIA_EN}/api/rest_v1/page/summary/").mock(
        return_value=recorded("wikipedia", "summary_not_found.json", status=404)
    )


def test_trending_is_lastfms_chart_with_releases_and_photos(api_client, enable_services, upstream):
    enable_services("lastfm", "theaudiodb", "wikipedia")
    _route_rock_chart(upstream)
    oasis = ArtistFactory(name="Oasis")
    response = api_client.get("/music_api/trending/", {"genre": "rock", "limit": 10})
    assert response.status_code == 200
    body = response.json()
    artists = body["artists"]
    # A tag chart has no listener counts: Last.fm's rank order stands.
    assert [a["name"] for a in artists] == ["Radiohead", "Muse", "Arctic Monkeys", "Oasis"]
    radiohead, muse, monkeys, ours = artists
    assert radiohead["photo_url"] == (
        "https://r2.theaudiodb.com/images/media/artist/thumb/rtqpxx1347913159.jpg"
    )
    assert [(r["title"], r["playcount"]) for r in radiohead["releases"]] == [
        ("OK Computer", 163450123),
        ("In Rainbows", 139021442),
        ("Kid A", 98231441),
    ]
    assert radiohead["releases"][0]["url"] == "https://www.last.fm/music/Radiohead/OK+Computer"
    assert radiohead["releases"][0]["cover"].endswith(
        "/300x300/1e2bcd0cbd0d4d41a21c0e6b08bfa0a9.png"
    )
    assert radiohead["id"] is None
    assert radiohead["mbid"] == RADIOHEAD_MBID
    # No TheAudioDB photo: the thumbnail of the band's Wikipedia article.
    assert muse["photo_url"].startswith("https://upload.wikimedia.org/")
    assert muse["releases"] == []
    assert monkeys["photo_url"] == DEFAULT_COVER
    # An artist of our library links to our artist API.
    assert ours["id"] == oasis.pk
    assert ours["url"] == f"http://testserver/api/artists/{oasis.pk}/"
    for artist in artists:
        assert type(artist["listeners"]) is int
        assert type(artist["playcount"]) is int
    meta = body["meta"]
    assert {k: meta[k] for k in ("genre", "count", "limit", "cached", "source")} == {
        "genre": "rock",
        "count": 4,
        "limit": 10,
        "cached": False,
        "source": "lastfm",
    }
    assert meta["sources"] == {
        "lastfm": {"status": "ok"},
        "theaudiodb": {"status": "ok"},
        "wikipedia": {"status": "ok"},
    }
    requests = len(upstream.calls)
    again = api_client.get("/music_api/trending/", {"genre": "rock", "limit": 10}).json()
    assert again["artists"] == artists
    assert again["meta"]["cached"] is True
    assert again["meta"]["sources"]["lastfm"] == {"status": "cached"}
    assert len(upstream.calls) == requests  # everything came from the providers cache


def test_trending_sorts_lastfm_numbers_as_numbers(api_client, enable_services, upstream):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "chart.getTopArtists"}).mock(
        return_value=recorded("lastfm", "chart_top_artists.json")
    )
    upstream.get(LASTFM_URL, params={"method": "artist.getTopAlbums"}).mock(
        return_value=recorded("lastfm", "error_6_artist.json")
    )
    artists = api_client.get("/music_api/trending/", {"limit": 3}).json()["artists"]
    # Taylor Swift has more plays, The Weeknd more listeners: listeners first.
    assert [(a["name"], a["listeners"]) for a in artists] == [
        ("The Weeknd", 6123552),
        ("Taylor Swift", 5436411),
        ("Sabrina Carpenter", 3211092),
    ]


def test_trending_falls_back_to_our_chart_when_lastfm_fails(api_client, enable_services, upstream):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "chart.getTopArtists"}).mock(
        return_value=recorded("lastfm", "error_11.json")
    )
    track = TrackFactory()
    play(track, listeners(2))
    body = api_client.get("/music_api/trending/").json()
    assert [a["id"] for a in body["artists"]] == [track.artist_id]
    assert body["meta"]["source"] == "library"
    assert body["meta"]["sources"]["lastfm"] == {"status": "degraded", "reason": "unavailable"}
    assert body["meta"]["sources"]["library"] == {"status": "ok"}


def test_a_stale_chart_is_served_without_waiting_for_its_refresh(
    api_client, enable_services, upstream, settings, monkeypatch
):
    enable_services("lastfm")
    route = upstream.get(LASTFM_URL, params={"method": "chart.getTopArtists"})
    route.mock(return_value=recorded("lastfm", "chart_top_artists.json"))
    upstream.get(LASTFM_URL, params={"method": "artist.getTopAlbums"}).mock(
        return_value=recorded("lastfm", "error_6_artist.json")
    )
    first = api_client.get("/music_api/trending/", {"limit": 3}).json()
    # Later: the chart is past its freshness, and Last.fm has become slower than the budget.
    settings.PROVIDERS_BUDGET_SECONDS = 0.3
    later = provider_cache._now() + settings.PROVIDERS_CACHE_CHART_SECONDS + 1
    monkeypatch.setattr(provider_cache, "_now", lambda: later)
    route.mock(side_effect=slow(recorded("lastfm", "chart_top_artists.json"), 2.0))
    stale = api_client.get("/music_api/trending/", {"limit": 3}).json()
    assert stale["meta"]["source"] == "lastfm"
    assert stale["artists"] == first["artists"]
    assert stale["meta"]["cached"] is True


def _route_britpop(router):
    router.get(LASTFM_URL, params={"method": "tag.getTopTracks", "tag": "britpop"}).mock(
        return_value=recorded("lastfm", "tag_top_tracks.json")
    )
    router.get(ITUNES_URL, params={"term": "Oasis Live Forever"}).mock(
        return_value=recorded("itunes", "search_oasis_live_forever.json")
    )
    router.get(ITUNES_URL).mock(return_value=recorded("itunes", "search_empty.json"))
    router.get(DEEZER_URL).mock(return_value=recorded("deezer", "search_empty.json"))


def test_year_chart_is_lastfms_with_our_tracks_playable(api_client, enable_services, upstream):
    enable_services("lastfm", "itunes", "deezer")
    _route_britpop(upstream)
    u2 = ArtistFactory(name="U2")
    ours = TrackFactory(title="With or Without You", artist=u2, album=AlbumFactory(artist=u2))
    body = api_client.get("/music_api/year-chart/", {"genre": "britpop"}).json()
    tracks = body["tracks"]
    assert [(t["name"], t["artist"]) for t in tracks] == [
        ("Live Forever", "Oasis"),
        ("With or Without You", "U2"),
        ("Live and Let Die", "Wings"),
    ]
    live_forever, with_or_without, live_and_let_die = tracks
    assert live_forever["id"] is None
    assert live_forever["source"] == "lastfm"
    assert proxied_target(live_forever["url"]).startswith("https://audio-ssl.itunes.apple.com/")
    assert with_or_without["id"] == ours.pk
    assert with_or_without["url"] == f"http://testserver/api/tracks/{ours.pk}/stream"
    assert live_and_let_die["url"] == ""
    assert body["meta"]["source"] == "lastfm"
    assert body["meta"]["sources"]["itunes"] == {"status": "ok"}
    for track in tracks:
        assert type(track["listeners"]) is int


def test_apple_chart_is_apples_in_its_own_order(api_client, enable_services, upstream):
    enable_services("apple", "itunes")
    upstream.get(
        "https://rss.marketingtools.apple.com/api/v2/us/music/most-played/10/songs.json"
    ).mock(return_value=recorded("apple", "most_played_us_10.json"))
    upstream.get(ITUNES_URL).mock(return_value=recorded("itunes", "search_empty.json"))
    response = api_client.get("/music_api/apple-chart/", {"country": "US", "count": 5})
    assert response.status_code == 200
    body = response.json()
    assert [(t["name"], t["artist"]) for t in body["tracks"]] == [
        ("Manchild", "Sabrina Carpenter"),
        ("Ordinary", "Alex Warren"),
        ("I'm the Problem", "Morgan Wallen"),
        ("luther", "Kendrick Lamar & SZA"),
        ("TEXAS HOLD 'EM", "Beyoncé"),
    ]
    first = body["tracks"][0]
    assert first["image_url"].startswith("https://is1-ssl.mzstatic.com/")
    assert first["source"] == "apple"
    assert (first["id"], first["listeners"], first["playcount"]) == (None, 0, 0)
    meta = body["meta"]
    assert {k: meta[k] for k in ("source", "country", "type", "count", "cached")} == {
        "source": "apple",
        "country": "us",
        "type": "songs",
        "count": 5,
        "cached": False,
    }
    assert meta["sources"]["apple"] == {"status": "ok"}
    assert meta["sources"]["deezer"] == {"status": "disabled"}


def test_apple_chart_falls_back_to_ours_when_apple_is_down(api_client, enable_services, upstream):
    enable_services("apple")
    upstream.get(url__startswith="https://rss.marketingtools.apple.com/").mock(
        return_value=httpx.Response(502)
    )
    hit = TrackFactory()
    play(hit, listeners(2))
    body = api_client.get("/music_api/apple-chart/").json()
    assert [t["id"] for t in body["tracks"]] == [hit.pk]
    assert body["meta"]["source"] == "library"
    assert body["meta"]["sources"]["apple"] == {"status": "degraded", "reason": "unavailable"}
