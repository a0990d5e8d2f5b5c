"""The chart routes' charts from Last.fm and Apple, with what the library has of them.

The chart routes show Last.fm's (or Apple's) chart when the service is on and answers, and
the library's own chart otherwise. The chart itself is kept with the stale-while-revalidate
policy (``CachePolicy.chart``): once fetched, a request never waits for its refresh. What
each entry gets beyond the chart (releases, photos, covers, previews) is bounded to the
first entries and kept with the lookup policy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from django.templatetags.static import static

from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.artist_profiles import artist_photos
from rubysound.catalog.discovery.enrichment import (
    ENRICHMENT_SERVICES,
    enrich,
    provider_track_summary,
)
from rubysound.catalog.discovery.fanout import Call, Sources
from rubysound.catalog.discovery.library_matches import library_artists, library_twins
from rubysound.catalog.discovery.provider_calls import RequestBudget, ask, cached_call
from rubysound.catalog.listening import charts
from rubysound.catalog.models import DEFAULT_COVER
from rubysound.providers.gateway import (
    AlbumInfo,
    AppleChartsClient,
    ArtistInfo,
    CachePolicy,
    LastFmClient,
    TrackInfo,
)

# Artists of a provider chart that get releases and a photo; tracks that get enrichment.
CHART_ARTISTS_DETAILED = 20
CHART_TRACKS_ENRICHED = 25
# Last.fm's charts are weekly; Apple's most-played feed is refreshed daily over recent plays.
PROVIDER_CHART_WINDOW = "week"


@dataclass
class ProviderChart:
    """A chart from a service, or why there is none (``entries`` None: use the library's)."""

    source: str
    entries: list[dict] | None
    sources: Sources
    cached: bool = False


def charts_enabled(route: str) -> bool:
    lead = "apple" if route == "apple" else "lastfm"
    return fanout.is_enabled(lead)


async def _chart_call(service: str, key_parts: tuple, fetch, sources: Sources):
    return await ask(cached_call(service, key_parts, fetch, CachePolicy.chart()), sources)


def _chart_cached(sources: Sources, service: str) -> bool:
    return sources.status(service) == fanout.CACHED


# --- Artists: Last.fm's chart, their albums, their photos ----------------------------------------


async def _lastfm_chart(ranking: str, genre: str, limit: int, sources: Sources):
    """Last.fm's top ``ranking`` ("Artists" or "Tracks") of the tag ``genre``, else its
    overall chart (the client's methods are named after the API's)."""
    client = LastFmClient()
    if genre:
        key = ("lastfm", f"tag.getTop{ranking}", {"tag": genre, "limit": limit})
        tag_chart = getattr(client, f"tag_top_{ranking.lower()}")
        return await _chart_call("lastfm", key, lambda: tag_chart(genre, limit=limit), sources)
    key = ("lastfm", f"chart.getTop{ranking}", {"limit": limit})
    chart = getattr(client, f"top_{ranking.lower()}")
    return await _chart_call("lastfm", key, lambda: chart(limit=limit), sources)


def _top_albums(info: ArtistInfo) -> Call:
    return cached_call(
        "lastfm",
        ("lastfm", "artist.getTopAlbums", {"artist": info.name, "mbid": info.mbid, "limit": 5}),
        lambda: LastFmClient().artist_top_albums(
            info.name, mbid=info.mbid, limit=charts.RELEASES_PER_ARTIST
        ),
    )


async def _artist_details(
    infos: list[ArtistInfo], wanting_photo: list[int], sources: Sources
) -> tuple[dict[int, list], dict[int, str]]:
    albums_task = fanout.fan_out({i: _top_albums(info) for i, info in enumerate(infos)}, sources)
    photos_task = artist_photos([(infos[i].name, infos[i].mbid) for i in wanting_photo], sources)
    albums, photos = await asyncio.gather(albums_task, photos_task)
    return albums, {wanting_photo[i]: url for i, url in photos.items()}


def _release(album: AlbumInfo) -> dict:
    return {
        "id": None,
        "title": album.title,
        "year": None,
        "playcount": album.playcount,
        "url": album.url,
        "cover": album.image_url or static(DEFAULT_COVER),
    }


def trending_artists(genre: str, limit: int) -> ProviderChart:
    """Last.fm's top artists (of the tag ``genre``, else overall), with releases and photos
    for the first CHART_ARTISTS_DETAILED."""
    request_budget = RequestBudget()
    sources = Sources()
    chart = request_budget.run(_lastfm_chart, "Artists", genre, limit, sources)
    if not chart:
        return ProviderChart("library", None, sources)
    infos = list(chart)[:limit]
    twins = library_artists(infos)
    detailed = infos[:CHART_ARTISTS_DETAILED]
    wanting_photo = [i for i in range(len(detailed)) if not (i in twins and twins[i].image)]
    albums, photos = request_budget.run(_artist_details, detailed, wanting_photo, sources)
    entries = []
    for i, info in enumerate(infos):
        twin = twins.get(i)
        photo = photos.get(i) or info.image_url or static(DEFAULT_COVER)
        if twin is not None and twin.image:
            photo = twin.image.url
        entries.append(
            {
                "id": twin.pk if twin else None,
                "name": info.name,
                "url": charts.artist_api_path(twin.pk) if twin else info.url,
                "mbid": info.mbid or (str(twin.mbid) if twin and twin.mbid else ""),
                "photo_url": photo,
                "listeners": info.listeners,
                "playcount": info.playcount,
                "releases": [_release(album) for album in albums.get(i) or []][
                    : charts.RELEASES_PER_ARTIST
                ],
            }
        )
    return ProviderChart("lastfm", entries, sources, cached=_chart_cached(sources, "lastfm"))


# --- Tracks: Last.fm's or Apple's chart, played from our files when we have the track ----------


async def _apple_chart(country: str, count: int, sources: Sources):
    return await _chart_call(
        "apple",
        ("apple", "most_played_songs", {"country": country, "count": count}),
        lambda: AppleChartsClient().most_played_songs(country, count),
        sources,
    )


def _track_chart(
    infos: list[TrackInfo], request_budget: RequestBudget, sources: Sources
) -> list[dict]:
    """Chart entries (``charts.track_summary`` shape with the chart's numbers): a library
    track where we have it, else the service's, its first entries enriched."""
    twins = library_twins(infos)
    wanting = [i for i in range(min(len(infos), CHART_TRACKS_ENRICHED)) if i not in twins]
    if wanting and fanout.any_enabled(ENRICHMENT_SERVICES):
        enriched = request_budget.run(enrich, [infos[i] for i in wanting], sources)
        infos = list(infos)
        for i, info in zip(wanting, enriched, strict=True):
            infos[i] = info
    entries = []
    for i, info in enumerate(infos):
        twin = twins.get(i)
        summary = charts.track_summary(twin) if twin else provider_track_summary(info)
        entries.append({**summary, "listeners": info.listeners, "playcount": info.playcount})
    return entries


def top_tracks_chart(genre: str, limit: int) -> ProviderChart:
    return _provider_track_chart("lastfm", partial(_lastfm_chart, "Tracks"), genre, limit)


def apple_chart(country: str, count: int) -> ProviderChart:
    return _provider_track_chart("apple", _apple_chart, country, count)


def _provider_track_chart(service: str, fetch_chart, scope: str, count: int) -> ProviderChart:
    """``service``'s chart of ``scope`` (a genre, a country), its first ``count`` entries;
    the library's (``entries`` None) when the service gave none."""
    request_budget = RequestBudget()
    sources = Sources()
    chart = request_budget.run(fetch_chart, scope, count, sources)
    if not chart:
        return ProviderChart("library", None, sources)
    entries = _track_chart(list(chart)[:count], request_budget, sources)
    return ProviderChart(service, entries, sources, cached=_chart_cached(sources, service))
