"""The discovery service's parts: the budgeted fan-out, relevance, merging, the offline mode."""

import asyncio
import functools

import httpx
import pytest
from django.core.cache import cache

from rubysound.catalog import discovery, fanout
from rubysound.catalog.discovery import _Entry, _merge, _Query, relevance
from rubysound.providers.cache import cache_key
from rubysound.providers.errors import DeadlineExceeded, ErrorKind, ProviderError
from rubysound.providers.types import TrackInfo
from tests.catalog import provider_setup
from tests.catalog.listening import listeners, play
from tests.catalog.provider_setup import (
    DEEZER_URL,
    ITUNES_URL,
    json_response,
    recorded,
    slow,
)
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

enable_services = provider_setup.enable_services
upstream = provider_setup.upstream


# --- fan_out --------------------------------------------------------------------------------


def _answer(value, seconds: float = 0.0):
    async def call():
        await asyncio.sleep(seconds)
        return value

    return call


def _fail(error: Exception):
    async def call():
        raise error

    return call


def _fan_out(calls: dict, seconds: float) -> tuple[dict, dict]:
    sources = fanout.Sources()
    results = fanout.run(fanout.fan_out, calls, sources, seconds=seconds)
    return results, sources.as_meta()


def test_fan_out_returns_what_finished_and_says_what_did_not(enable_services):
    enable_services("lastfm", "itunes", "deezer", "wikipedia")
    results, sources = _fan_out(
        {
            "a": fanout.Call("lastfm", _answer(["fresh"])),
            "b": fanout.Call("itunes", _answer(fanout.Fetched("kept", cached=True))),
            "c": fanout.Call("deezer", _answer("late", seconds=5)),
            "d": fanout.Call(
                "wikipedia", _fail(ProviderError("wikipedia", ErrorKind.RATE_LIMITED))
            ),
            "e": fanout.Call("musicbrainz", _answer("never asked")),
        },
        seconds=0.2,
    )
    assert results == {"a": ["fresh"], "b": "kept"}
    assert sources == {
        "lastfm": {"status": "ok"},
        "itunes": {"status": "cached"},
        "deezer": {"status": "degraded", "reason": "timeout"},
        "wikipedia": {"status": "degraded", "reason": "rate_limited"},
        "musicbrainz": {"status": "disabled"},
    }


def test_a_service_asked_several_times_reports_its_worst_outcome(enable_services):
    enable_services("itunes")
    _, sources = _fan_out(
        {
            1: fanout.Call("itunes", _answer(fanout.Fetched("x", cached=True))),
            2: fanout.Call("itunes", _answer("y")),
            3: fanout.Call("itunes", _fail(DeadlineExceeded("itunes"))),
        },
        seconds=1,
    )
    assert sources == {"itunes": {"status": "degraded", "reason": "timeout"}}
    _, sources = _fan_out(
        {
            1: fanout.Call("itunes", _answer(fanout.Fetched("x", cached=True))),
            2: fanout.Call("itunes", _answer("y")),
        },
        seconds=1,
    )
    assert sources == {"itunes": {"status": "ok"}}


def test_a_bug_in_a_client_degrades_its_source_instead_of_failing(enable_services, caplog):
    enable_services("lastfm")
    results, sources = _fan_out({"x": fanout.Call("lastfm", _fail(KeyError("track")))}, 1)
    assert results == {}
    assert sources == {"lastfm": {"status": "degraded", "reason": "error"}}
    assert "provider_call_failed" in caplog.text


def test_a_disabled_error_from_a_client_reads_disabled(enable_services):
    enable_services("lastfm")
    _, sources = _fan_out(
        {"x": fanout.Call("lastfm", _fail(ProviderError("lastfm", ErrorKind.DISABLED)))}, 1
    )
    assert sources == {"lastfm": {"status": "disabled"}}


# --- fan_out_preferring ------------------------------------------------------------------------


def _preferring(preferred: dict, fallback: dict, seconds: float, enough=None):
    sources = fanout.Sources()
    enough = enough or (lambda key, value: value == "whole")
    fan_out = functools.partial(fanout.fan_out_preferring, enough=enough)
    results = fanout.run(fan_out, preferred, fallback, sources, seconds=seconds)
    return results, sources.as_meta()


def _watched(value, seconds: float, seen: list):
    """A call answering ``value`` after ``seconds`` that records whether it was cancelled."""

    async def call():
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return value

    return call


def test_a_fallback_that_is_not_needed_is_not_waited_for(enable_services):
    enable_services("itunes", "deezer")
    seen = []
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("whole"))},
        {1: fanout.Call("deezer", _watched("other", 5, seen))},
        seconds=1,
    )
    assert results == {1: ("whole", None)}
    assert seen == ["cancelled"]
    # Nobody waited for Deezer: neither a timeout nor an answer to report.
    assert sources == {"itunes": {"status": "ok"}}


@pytest.mark.parametrize(
    ("first", "expected_first", "itunes_status"),
    [
        (_answer("part"), "part", {"status": "ok"}),
        (_answer(None), None, {"status": "ok"}),
        (_fail(ProviderError("itunes", ErrorKind.UNAVAILABLE)), None, {"status": "degraded"}),
    ],
)
def test_a_fallback_answers_where_the_preferred_call_falls_short(
    enable_services, first, expected_first, itunes_status
):
    enable_services("itunes", "deezer")
    results, sources = _preferring(
        {1: fanout.Call("itunes", first), 2: fanout.Call("itunes", _answer("whole"))},
        {
            1: fanout.Call("deezer", _answer("extra", seconds=0.05)),
            2: fanout.Call("deezer", _watched("unused", 5, [])),
        },
        seconds=1,
    )
    assert results == {1: (expected_first, "extra"), 2: ("whole", None)}
    assert sources["deezer"] == {"status": "ok"}
    assert sources["itunes"]["status"] == itunes_status["status"]


def test_a_disabled_preferred_service_leaves_it_to_the_fallback(enable_services):
    enable_services("deezer")
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("whole"))},
        {1: fanout.Call("deezer", _answer("extra"))},
        seconds=1,
    )
    assert results == {1: (None, "extra")}
    assert sources == {"itunes": {"status": "disabled"}, "deezer": {"status": "ok"}}


def test_a_needed_fallback_that_is_late_is_a_timeout(enable_services):
    enable_services("itunes", "deezer")
    seen = []
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("part"))},
        {1: fanout.Call("deezer", _watched("late", 5, seen))},
        seconds=0.2,
    )
    assert results == {1: ("part", None)}
    assert seen == ["cancelled"]
    assert sources == {
        "itunes": {"status": "ok"},
        "deezer": {"status": "degraded", "reason": "timeout"},
    }


def _believe(title: str = "Believe") -> TrackInfo:
    return TrackInfo(name=title, artist="Imagine Dragons", source="lastfm")


def test_enrichment_takes_itunes_without_waiting_for_deezer(enable_services, upstream):
    enable_services("itunes", "deezer")
    upstream.get(ITUNES_URL).mock(
        return_value=recorded("itunes", "song_imagine_dragons_believe.json")
    )
    upstream.get(DEEZER_URL).mock(
        side_effect=slow(recorded("deezer", "track_imagine_dragons_believe.json"), 5)
    )
    sources = fanout.Sources()
    (found,) = fanout.run(discovery.enrich, [_believe()], sources, seconds=1)
    assert found.image_url.endswith("/17UMGIM98210.rgb.jpg/600x600bb.jpg")
    assert found.preview_url.startswith("https://audio-ssl.itunes.apple.com/")
    assert sources.as_meta() == {"itunes": {"status": "ok"}}
    # The abandoned Deezer call left no lock behind: when iTunes cannot answer, the next
    # enrichment of the same track gets Deezer's answer at once, not a wait on the lock.
    cache.delete(
        cache_key(("itunes", "search_track", {"artist": "Imagine Dragons", "title": "Believe"}))
    )
    upstream.routes.clear()
    upstream.get(ITUNES_URL).mock(return_value=httpx.Response(404))
    upstream.get(DEEZER_URL).mock(
        return_value=recorded("deezer", "track_imagine_dragons_believe.json")
    )
    sources = fanout.Sources()
    (found,) = fanout.run(discovery.enrich, [_believe()], sources, seconds=1)
    assert "9c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d" in found.image_url
    assert found.album == "Evolve (Deluxe)"
    assert sources.as_meta()["deezer"] == {"status": "ok"}


def test_enrichment_prefers_itunes_cover_even_when_deezer_answers_too(enable_services, upstream):
    enable_services("itunes", "deezer")
    # iTunes has the cover but no preview for this one: Deezer adds the preview only.
    upstream.get(ITUNES_URL).mock(
        return_value=json_response(
            {
                "resultCount": 1,
                "results": [
                    {
                        "wrapperType": "track",
                        "kind": "song",
                        "artistName": "Imagine Dragons",
                        "trackName": "Believe",
                        "collectionName": "Evolve",
                        "artworkUrl100": "https://is1-ssl.mzstatic.com/image/thumb/a/b.jpg/100x100bb.jpg",
                    }
                ],
            }
        )
    )
    upstream.get(DEEZER_URL).mock(
        return_value=recorded("deezer", "track_imagine_dragons_believe.json")
    )
    sources = fanout.Sources()
    (found,) = fanout.run(discovery.enrich, [_believe()], sources, seconds=1)
    assert found.image_url == "https://is1-ssl.mzstatic.com/image/thumb/a/b.jpg/600x600bb.jpg"
    assert found.preview_url.startswith("https://cdnt-preview.dzcdn.net/")
    assert found.album == "Evolve"
    assert sources.as_meta() == {"itunes": {"status": "ok"}, "deezer": {"status": "ok"}}


def test_stored_sources_read_as_cached():
    sources = fanout.Sources()
    sources.note("lastfm", fanout.OK)
    sources.note("itunes", fanout.DEGRADED, "timeout")
    sources.note("deezer", fanout.DISABLED)
    again = fanout.Sources.from_data(sources.to_data()).as_cached()
    assert again.as_meta() == {
        "deezer": {"status": "disabled"},
        "itunes": {"status": "degraded", "reason": "timeout"},
        "lastfm": {"status": "cached"},
    }


# --- relevance and merging ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "title", "artist", "tier"),
    [
        ("believe", "Believe", "Cher", 0),
        ("cher believe", "Believe", "Cher", 0),
        ("believe cher", "Believe (Remastered 2011)", "Cher", 0),
        ("cher", "Strong Enough", "Cher", 0),
        ("believe", "Believer", "Imagine Dragons", 1),
        ("imagine", "Believer", "Imagine Dragons", 1),
        ("believe", "I Still Believe", "Mariah Carey", 2),
        ("dragons bel", "Believer", "Imagine Dragons", 2),
        ("lieve", "Believer", "Imagine Dragons", 3),
        ("Live Forever", "Live Forever", "Oasis", 0),
        ("with or without you", "With or Without You", "U2", 0),
    ],
)
def test_relevance_tiers(query, title, artist, tier):
    assert relevance(_Query.of(query), title=title, artist=artist) == tier


def test_merge_keeps_each_order_and_puts_the_library_first_on_ties():
    library = [_Entry(0, info="L0"), _Entry(1, info="L1"), _Entry(3, info="L3")]
    provided = [_Entry(0, info="P0"), _Entry(2, info="P2"), _Entry(2, info="P2b")]
    merged = [entry.info for entry in _merge(library, provided)]
    assert merged == ["L0", "P0", "L1", "P2", "P2b", "L3"]


def test_previews_only_go_through_our_proxy_for_the_providers_audio_hosts(
    enable_services, settings
):
    enable_services("itunes")
    itunes = "https://audio-ssl.itunes.apple.com/itunes-assets/a/mzaf_1.plus.aac.p.m4a"
    assert discovery.preview_path(itunes).startswith("/music_api/preview/?url=https%3A%2F%2F")
    assert discovery.preview_path("https://evil.example/a.mp3") == ""
    assert discovery.preview_path("http://audio-ssl.itunes.apple.com/a.m4a") == ""
    assert discovery.preview_path("") == ""
    settings.PREVIEW_PROXY_ENABLED = False
    assert discovery.preview_path(itunes) == ""


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
