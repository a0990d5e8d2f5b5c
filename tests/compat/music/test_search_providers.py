"""/music_api/search/ and /music_api/search/artists/ with external services switched on,
replayed from recordings.

The real clients and the real transport run; respx answers with the services' recorded
responses and refuses every request it has no route for.
"""

import uuid

import httpx
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.catalog.discovery import merged_search
from rubysound.catalog.search import engine as search
from tests.catalog import provider_setup
from tests.catalog.provider_setup import (
    DEEZER_URL,
    ITUNES_URL,
    LASTFM_URL,
    recorded,
    slow,
)
from tests.compat.music.shapes import DEFAULT_COVER, proxied_target
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream

CHER_BELIEVE_MBID = "32ca187e-ee25-4f18-b7d0-3b6713f24635"  # as Last.fm's recording says


def _route_search(router, *, itunes_down: bool = False):
    """track.search for "believe" and the enrichment of what the library lacks."""
    router.get(LASTFM_URL, params={"method": "track.search", "track": "believe"}).mock(
        return_value=recorded("lastfm", "track_search.json")
    )
    router.get(ITUNES_URL, params={"term": "Imagine Dragons Believe"}).mock(
        return_value=recorded("itunes", "song_imagine_dragons_believe.json")
    )
    router.get(ITUNES_URL, params={"term": "Imagine Dragons Believer"}).mock(
        return_value=recorded("itunes", "song_no_results.json")
    )
    router.get(ITUNES_URL, params={"term": "Mariah Carey I Still Believe"}).mock(
        return_value=httpx.Response(503)
        if itunes_down
        else recorded("itunes", "song_no_results.json")
    )
    # Deezer is asked together with iTunes; its answer only counts where iTunes falls short.
    router.get(DEEZER_URL, params={"q": 'artist:"Imagine Dragons" track:"Believe"'}).mock(
        return_value=recorded("deezer", "track_imagine_dragons_believe.json")
    )
    router.get(DEEZER_URL, params={"q": 'artist:"Imagine Dragons" track:"Believer"'}).mock(
        return_value=recorded("deezer", "track_imagine_dragons_believer.json")
    )
    router.get(DEEZER_URL, params={"q": 'artist:"Mariah Carey" track:"I Still Believe"'}).mock(
        return_value=recorded("deezer", "track_no_results.json")
    )


def _library():
    cher = ArtistFactory(name="Cher")
    believe = TrackFactory(
        title="Believe",
        artist=cher,
        album=AlbumFactory(artist=cher, title="Believe"),
        mbid=uuid.UUID(CHER_BELIEVE_MBID),
    )
    band = ArtistFactory(name="Library Band")
    believe_in_me = TrackFactory(
        title="Believe in Me", artist=band, album=AlbumFactory(artist=band, title="First")
    )
    return believe, believe_in_me


# --- /music_api/search/ ------------------------------------------------------------------------


def test_search_merges_the_library_with_lastfm(api_client, enable_services, upstream):
    enable_services("lastfm", "itunes", "deezer")
    _route_search(upstream)
    believe, believe_in_me = _library()
    response = api_client.get("/music_api/search/", {"q": "believe"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results", "meta"}
    # Cher's "Believe" is ours (same MBID): it appears once, as the library track.
    assert [(r["name"], r["artist"], r["source"]) for r in body["results"]] == [
        ("Believe", "Cher", "library"),
        ("Believe", "Imagine Dragons", "lastfm"),
        ("Believe in Me", "Library Band", "library"),
        ("Believer", "Imagine Dragons", "lastfm"),
        ("I Still Believe (Remastered 2011)", "Mariah Carey", "lastfm"),
    ]
    assert body["count"] == 5
    assert (body["next"], body["previous"]) == (None, None)
    ours, theirs = body["results"][0], body["results"][1]
    assert ours["id"] == believe.pk
    assert ours["url"] == f"http://testserver/api/tracks/{believe.pk}/stream"
    assert theirs["id"] is None
    assert theirs["listeners"] == 456092
    assert type(theirs["listeners"]) is int
    assert type(theirs["playcount"]) is int
    assert body["results"][2]["id"] == believe_in_me.pk
    assert body["meta"]["cached"] is False
    assert body["meta"]["sources"] == {
        "library": {"status": "ok"},
        "lastfm": {"status": "ok"},
        "itunes": {"status": "ok"},
        "deezer": {"status": "ok"},
    }


def test_provider_tracks_get_covers_and_previews_through_our_proxy(
    api_client, enable_services, upstream
):
    enable_services("lastfm", "itunes", "deezer")
    _route_search(upstream)
    results = {
        (r["name"], r["artist"]): r
        for r in api_client.get("/music_api/search/", {"q": "believe"}).json()["results"]
    }
    # iTunes knew it (artist and title together picked the right song, not the karaoke).
    from_itunes = results[("Believe", "Imagine Dragons")]
    assert proxied_target(from_itunes["url"]).startswith(
        "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview125/"
    )
    assert from_itunes["image_url"].endswith("/17UMGIM98210.rgb.jpg/600x600bb.jpg")
    assert from_itunes["album"] == "Evolve"
    assert from_itunes["duration"] == 204.347
    # iTunes had nothing: Deezer's answer.
    from_deezer = results[("Believer", "Imagine Dragons")]
    assert proxied_target(from_deezer["url"]).startswith("https://cdnt-preview.dzcdn.net/api/1/1/")
    assert "1000x1000" in from_deezer["image_url"]
    # Nobody had it: no preview, the default cover.
    unknown = results[("I Still Believe (Remastered 2011)", "Mariah Carey")]
    assert (unknown["url"], unknown["image_url"]) == ("", DEFAULT_COVER)


def test_one_service_down_the_others_still_answer(api_client, enable_services, upstream):
    enable_services("lastfm", "itunes", "deezer")
    _route_search(upstream, itunes_down=True)
    _library()
    response = api_client.get("/music_api/search/", {"q": "believe"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    sources = body["meta"]["sources"]
    assert sources["itunes"] == {"status": "degraded", "reason": "unavailable"}
    assert sources["lastfm"] == {"status": "ok"}
    assert sources["deezer"] == {"status": "ok"}
    # What iTunes did answer is still there.
    results = {(r["name"], r["artist"]): r for r in body["results"]}
    assert results[("Believe", "Imagine Dragons")]["url"] != ""


def test_lastfm_errors_leave_the_library_answer(api_client, enable_services, upstream):
    enable_services("lastfm", "itunes", "deezer")
    upstream.get(LASTFM_URL, params={"method": "track.search"}).mock(
        return_value=recorded("lastfm", "error_10.json", status=403)
    )
    believe, believe_in_me = _library()
    body = api_client.get("/music_api/search/", {"q": "believe"}).json()
    assert [r["id"] for r in body["results"]] == [believe.pk, believe_in_me.pk]
    assert body["count"] == 2
    assert body["meta"]["sources"]["lastfm"] == {"status": "degraded", "reason": "invalid_key"}
    # No provider track on the page: nothing to enrich, nobody asked.
    assert "itunes" not in body["meta"]["sources"]


def test_a_slow_service_is_left_out_within_the_budget(
    api_client, enable_services, upstream, settings
):
    settings.PROVIDERS_BUDGET_SECONDS = 0.3
    enable_services("lastfm", "itunes", "deezer")
    upstream.get(LASTFM_URL, params={"method": "track.search"}).mock(
        side_effect=slow(recorded("lastfm", "track_search.json"), 2.0)
    )
    _library()
    body = api_client.get("/music_api/search/", {"q": "believe"}).json()
    assert [r["source"] for r in body["results"]] == ["library", "library"]
    assert body["meta"]["sources"]["lastfm"] == {"status": "degraded", "reason": "timeout"}


def test_search_pages_cut_one_merged_order(api_client, enable_services, upstream):
    enable_services("lastfm")
    _route_search(upstream)
    _library()
    pages = [
        api_client.get("/music_api/search/", {"q": "believe", "page_size": 2, "page": n}).json()
        for n in (1, 2, 3)
    ]
    assert [p["count"] for p in pages] == [5, 5, 5]
    names = [(r["name"], r["artist"]) for p in pages for r in p["results"]]
    whole = api_client.get("/music_api/search/", {"q": "believe", "page_size": 30}).json()
    assert names == [(r["name"], r["artist"]) for r in whole["results"]]
    assert len(set(names)) == 5
    assert "page=2" in pages[0]["next"]
    assert pages[2]["next"] is None
    # iTunes and Deezer are off: provider tracks have no preview, and meta says why.
    assert pages[0]["meta"]["sources"]["itunes"] == {"status": "disabled"}
    past = api_client.get("/music_api/search/", {"q": "believe", "page_size": 2, "page": 4})
    assert past.status_code == 404


def test_library_results_past_the_merged_window_follow_it(
    api_client, enable_services, upstream, monkeypatch
):
    monkeypatch.setattr(merged_search, "LIBRARY_WINDOW", 3)
    enable_services("lastfm")
    _route_search(upstream)
    artist = ArtistFactory(name="Believe Orchestra")
    album = AlbumFactory(artist=artist, title="Works")
    for n in range(6):
        TrackFactory(title=f"Opus {n}", artist=artist, album=album)
    whole = api_client.get("/music_api/search/", {"q": "believe", "page_size": 30}).json()
    paged = [
        r
        for n in (1, 2, 3)
        for r in api_client.get(
            "/music_api/search/", {"q": "believe", "page_size": 4, "page": n}
        ).json()["results"]
    ]
    assert whole["count"] == 6 + 4  # the library's six, Last.fm's four
    assert [(r["name"], r["artist"]) for r in paged] == [
        (r["name"], r["artist"]) for r in whole["results"]
    ]
    assert len({(r["name"], r["artist"]) for r in paged}) == 10


def test_a_lastfm_track_we_have_is_served_from_the_library(api_client, enable_services, upstream):
    """Dedupe by normalised artist and title: ours plays from our files."""
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "track.search", "track": "still"}).mock(
        return_value=recorded("lastfm", "track_search.json")
    )
    mariah = ArtistFactory(name="Mariah Carey")
    ours = TrackFactory(title="I Still Believe", artist=mariah, album=AlbumFactory(artist=mariah))
    body = api_client.get("/music_api/search/", {"q": "still"}).json()
    mariahs = [r for r in body["results"] if r["artist"] == "Mariah Carey"]
    assert [(r["id"], r["source"]) for r in mariahs] == [(ours.pk, "library")]


def test_cached_search_keeps_page_size_apart_and_reports_cached(
    api_client, enable_services, upstream
):
    enable_services("lastfm")
    _route_search(upstream)
    _library()
    small = api_client.get("/music_api/search/", {"q": "believe", "page_size": 2}).json()
    large = api_client.get("/music_api/search/", {"q": "believe", "page_size": 4}).json()
    assert (len(small["results"]), len(large["results"])) == (2, 4)
    again = api_client.get("/music_api/search/", {"q": "believe", "page_size": 2}).json()
    assert again["results"] == small["results"]
    assert again["meta"]["cached"] is True
    assert again["meta"]["sources"]["lastfm"] == {"status": "cached"}
    calls = [c for c in upstream.calls if c.request.url.host == "ws.audioscrobbler.com"]
    assert len(calls) <= 2


def test_search_query_count_is_bounded_with_providers(
    api_client, enable_services, upstream, django_assert_max_num_queries
):
    enable_services("lastfm", "itunes", "deezer")
    _route_search(upstream)
    _library()
    with CaptureQueriesContext(connection) as own:
        search.search_tracks("believe", limit=merged_search.LIBRARY_WINDOW)
    cache.clear()
    with CaptureQueriesContext(connection) as route:
        api_client.get("/music_api/search/", {"q": "believe", "page_size": 30})
    # The library window, one lookup of Last.fm's tracks among ours, one listens aggregate.
    assert len(route) == len(own) + 2
    with django_assert_max_num_queries(0):
        api_client.get("/music_api/search/", {"q": "believe", "page_size": 30})


# --- /music_api/search/artists/ -----------------------------------------------------------------


def test_artist_autocomplete_adds_lastfm_artists_after_ours(api_client, enable_services, upstream):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "artist.search", "artist": "radiohead"}).mock(
        return_value=recorded("lastfm", "artist_search.json")
    )
    ours = ArtistFactory(name="Radiohead", mbid=uuid.UUID("a74b1b7f-71a5-4011-9441-d0b5e4122711"))
    body = api_client.get("/music_api/search/artists/", {"q": "radiohead"}).json()
    assert [(r["name"], r["id"]) for r in body["results"]] == [
        ("Radiohead", ours.pk),
        ("Radiohead Tribute Band", None),
        ("Thom Yorke & Radiohead", None),
    ]
    assert body["results"][0]["url"] == f"http://testserver/api/artists/{ours.pk}/"
    tribute = body["results"][1]
    assert tribute["listeners"] == 1804
    assert type(tribute["listeners"]) is int
    assert tribute["url"].startswith("https://www.last.fm/music/")
    assert body["meta"] == {
        "cached": False,
        "sources": {"library": {"status": "ok"}, "lastfm": {"status": "ok"}},
    }
    again = api_client.get("/music_api/search/artists/", {"q": "radiohead"}).json()
    assert again["meta"]["cached"] is True
    assert again["results"] == body["results"]


def test_artist_autocomplete_survives_lastfm_rate_limiting(api_client, enable_services, upstream):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "artist.search"}).mock(
        return_value=recorded("lastfm", "error_29.json")
    )
    ours = ArtistFactory(name="Radiohead")
    body = api_client.get("/music_api/search/artists/", {"q": "radio"}).json()
    assert [r["id"] for r in body["results"]] == [ours.pk]
    assert body["meta"]["sources"]["lastfm"] == {"status": "degraded", "reason": "rate_limited"}


def test_enrichment_is_kept_per_artist_and_title(api_client, enable_services, upstream):
    enable_services("lastfm", "itunes", "deezer")
    _route_search(upstream)
    _library()
    api_client.get("/music_api/search/", {"q": "believe", "page_size": 30})
    itunes_calls = [c for c in upstream.calls if c.request.url.host == "itunes.apple.com"]
    # Another page size is another answer, but the same tracks: nobody is asked again.
    body = api_client.get("/music_api/search/", {"q": "believe", "page_size": 29}).json()
    assert [c for c in upstream.calls if c.request.url.host == "itunes.apple.com"] == itunes_calls
    assert body["meta"]["sources"]["itunes"] == {"status": "cached"}
    assert body["meta"]["sources"]["lastfm"] == {"status": "cached"}


def test_an_unreadable_lastfm_answer_is_a_degraded_source(api_client, enable_services, upstream):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "track.search"}).mock(
        return_value=recorded("lastfm", "truncated.json")
    )
    believe, believe_in_me = _library()
    response = api_client.get("/music_api/search/", {"q": "believe"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [believe.pk, believe_in_me.pk]
    assert response.json()["meta"]["sources"]["lastfm"] == {
        "status": "degraded",
        "reason": "malformed",
    }
