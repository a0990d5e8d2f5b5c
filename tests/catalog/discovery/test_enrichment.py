"""Covers and previews for provider tracks: iTunes first, Deezer only where it falls short;
previews only through our proxy."""

import httpx
from django.core.cache import cache

from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.enrichment import enrich, preview_path
from rubysound.providers.cache import cache_key
from rubysound.providers.types import TrackInfo
from tests.catalog import provider_setup
from tests.catalog.provider_setup import (
    DEEZER_URL,
    ITUNES_URL,
    json_response,
    recorded,
    slow,
)

enable_services = provider_setup.enable_services
upstream = provider_setup.upstream


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
    (found,) = fanout.run(enrich, [_believe()], sources, seconds=1)
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
    (found,) = fanout.run(enrich, [_believe()], sources, seconds=1)
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
    (found,) = fanout.run(enrich, [_believe()], sources, seconds=1)
    assert found.image_url == "https://is1-ssl.mzstatic.com/image/thumb/a/b.jpg/600x600bb.jpg"
    assert found.preview_url.startswith("https://cdnt-preview.dzcdn.net/")
    assert found.album == "Evolve"
    assert sources.as_meta() == {"itunes": {"status": "ok"}, "deezer": {"status": "ok"}}


def test_previews_only_go_through_our_proxy_for_the_providers_audio_hosts(
    enable_services, settings
):
    enable_services("itunes")
    itunes = "https://audio-ssl.itunes.apple.com/itunes-assets/a/mzaf_1.plus.aac.p.m4a"
    assert preview_path(itunes).startswith("/music_api/preview/?url=https%3A%2F%2F")
    assert preview_path("https://evil.example/a.mp3") == ""
    assert preview_path("http://audio-ssl.itunes.apple.com/a.m4a") == ""
    assert preview_path("") == ""
    settings.PREVIEW_PROXY_ENABLED = False
    assert preview_path(itunes) == ""
