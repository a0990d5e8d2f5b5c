"""Covers and previews for the tracks only a service knows, and their summary shape.

Last.fm has neither covers nor previews. For the provider-only tracks of the page being
answered (never more), iTunes is asked with artist and title together, Deezer when iTunes
has no match or lacks a cover or preview; both at once, so a cold search waits for two
rounds of requests (Last.fm, then the covers), not three. A preview is exposed through our
own proxy (``/music_api/preview/?url=``) so the player stays on our origin. Each answer is
kept in the providers cache per (artist, title).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.templatetags.static import static

from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.fanout import Call, Sources
from rubysound.catalog.discovery.provider_calls import remember
from rubysound.catalog.models import DEFAULT_COVER
from rubysound.providers.gateway import (
    DeezerClient,
    ItunesClient,
    PreviewRefused,
    TrackInfo,
    check_preview_url,
    proxy_enabled,
)

ENRICHMENT_SERVICES = ("itunes", "deezer")
PREVIEW_PROXY_PATH = "/music_api/preview/"


def preview_path(url: str) -> str:
    """Our proxy's path for a provider preview (made absolute like every other URL); ""
    when the proxy is off or would refuse the address (a link that cannot play is none)."""
    if not url or not proxy_enabled():
        return ""
    try:
        url = check_preview_url(url)
    except PreviewRefused:
        return ""
    return f"{PREVIEW_PROXY_PATH}?{urlencode({'url': url})}"


def provider_track_summary(info: TrackInfo) -> dict:
    """A provider-only track in the shape of ``charts.track_summary``."""
    return {
        "id": None,
        "name": info.name,
        "artist": info.artist,
        "artist_id": None,
        "album": info.album,
        "album_id": None,
        "url": preview_path(info.preview_url),
        "image_url": info.image_url or static(DEFAULT_COVER),
        "mbid": info.mbid,
        "duration": info.duration,
        "source": info.source,
    }


def _complete(info: TrackInfo) -> bool:
    return bool(info.preview_url and info.image_url)


def _fill(info: TrackInfo, *found: TrackInfo | None) -> TrackInfo:
    """``info`` with what ``found`` (the same track at other services, best first) adds:
    their cover over Last.fm's, and a preview, album and duration where ``info`` has none."""
    found = tuple(match for match in found if match is not None)
    if not found:
        return info

    def best(attribute: str):
        return next((value for match in found if (value := getattr(match, attribute))), None)

    return replace(
        info,
        preview_url=info.preview_url or best("preview_url") or "",
        image_url=best("image_url") or info.image_url,
        album=info.album or best("album") or "",
        duration=info.duration or best("duration"),
    )


async def _itunes_track(artist: str, title: str) -> fanout.Fetched:
    return await remember(
        ("itunes", "search_track", {"artist": artist, "title": title}),
        lambda: ItunesClient().search_track(artist, title),
    )


async def _deezer_track(artist: str, title: str) -> fanout.Fetched:
    return await remember(
        ("deezer", "search_track", {"artist": artist, "title": title}),
        lambda: DeezerClient().search_track(artist, title),
    )


async def enrich(tracks: list[TrackInfo], sources: Sources) -> list[TrackInfo]:
    """Covers and previews for provider tracks: iTunes first, Deezer for what is missing.

    Both are asked at once (``fanout.fan_out_preferring``): a track waits for Deezer only
    when iTunes has no match or lacks a cover or preview, and then not for another round.
    """
    tracks = list(tracks)
    wanting = [i for i, info in enumerate(tracks) if not _complete(info)]
    if not wanting:
        return tracks

    def call(service: str, lookup, info: TrackInfo) -> Call:
        return Call(service, lambda: lookup(info.artist, info.name))

    found = await fanout.fan_out_preferring(
        {i: call("itunes", _itunes_track, tracks[i]) for i in wanting},
        {i: call("deezer", _deezer_track, tracks[i]) for i in wanting},
        sources,
        enough=lambda i, match: _complete(_fill(tracks[i], match)),
    )
    for i, (from_itunes, from_deezer) in found.items():
        tracks[i] = _fill(tracks[i], from_itunes, from_deezer)
    return tracks
