"""Discovery: the library merged with what the external music services know.

The catalog uses the providers (``rubysound.providers``), never the reverse: this module
asks them, within the request's budget (``fanout``), and merges their plain dataclasses
with our own tracks and artists into the plain data the /music_api/ routes answer.

Search
    Our own search ranks the library; Last.fm's track.search adds what we do not have. Both
    lists are merged by a relevance tier both sides can be given (the query is the title,
    the artist, or "artist title"; then a prefix; then every word; then the rest), each
    side keeping its own order inside a tier and the library first among equals. Only a
    fixed window of each side is merged (the first LIBRARY_WINDOW library results and
    LASTFM_POOL Last.fm ones), so every page is cut from the same merged order and pages
    never overlap; library results past the window follow it. A Last.fm result is dropped
    when it is a library track (same MBID, else same artist and title as
    ``providers.matching`` normalises them); when that library track is not among the
    library's own results it takes the Last.fm result's place, playable from our files.

Enrichment
    Last.fm has neither covers nor previews. For the provider-only tracks of the page being
    answered (never more), iTunes is asked with artist and title together, Deezer when
    iTunes has no match or lacks a cover or preview; both at once, so a cold search waits
    for two rounds of requests (Last.fm, then the covers), not three. A preview is exposed
    through our own proxy (``/music_api/preview/?url=``) so the player stays on our origin.
    Each answer is kept in the providers cache per (artist, title).

Offline
    With no service enabled none of this runs: the routes answer from the library alone,
    as before, and no event loop is started.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.templatetags.static import static

from rubysound.providers import matching, preview, wikipedia
from rubysound.providers.apple import AppleChartsClient
from rubysound.providers.cache import CachePolicy, cached
from rubysound.providers.deezer import DeezerClient
from rubysound.providers.itunes import ItunesClient
from rubysound.providers.lastfm import LastFmClient
from rubysound.providers.theaudiodb import TheAudioDbClient
from rubysound.providers.types import AlbumInfo, ArtistBio, ArtistInfo, TrackInfo
from rubysound.providers.wikipedia import WikipediaClient

from . import catalog_version, charts, fanout
from .fanout import Call, Sources
from .models import DEFAULT_COVER, Artist, Track
from .search import search_artists, search_tracks
from .text import fold

LIBRARY = "library"
SEARCH_SERVICES = ("lastfm", "itunes", "deezer")
ENRICHMENT_SERVICES = ("itunes", "deezer")
SUGGESTION_SERVICES = ("lastfm",)

# The merged window of search (see the module's docstring).
LIBRARY_WINDOW = 60
LASTFM_POOL = 30
SEARCH_CACHE_TTL = 60
# An answer some service failed to give is kept briefly: the next visitor may get it whole.
DEGRADED_CACHE_TTL = 10
PREVIEW_PROXY_PATH = "/music_api/preview/"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def enabled_signature(services: Iterable[str]) -> str:
    """Which of ``services`` are on, for cache keys: switching one on or off changes the
    answer, so it must change the key."""
    return "+".join(s for s in services if fanout.is_enabled(s)) or "none"


# --- Shared request budget across sync and async stages -----------------------------------


class RequestBudget:
    """One deadline for every provider stage of one answer, even when a database query
    runs between two of them (each stage gets only what the earlier ones left)."""

    def __init__(self, seconds: float | None = None) -> None:
        if seconds is None:
            seconds = float(settings.PROVIDERS_BUDGET_SECONDS)
        self.until = time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        return max(0.0, self.until - time.monotonic())

    def run(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return fanout.run(function, *args, seconds=self.remaining())


# --- Plain data ----------------------------------------------------------------------------


def preview_path(url: str) -> str:
    """Our proxy's path for a provider preview (made absolute like every other URL); ""
    when the proxy is off or would refuse the address (a link that cannot play is none)."""
    if not url or not preview.proxy_enabled():
        return ""
    try:
        url = preview.check_preview_url(url)
    except preview.PreviewRefused:
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


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


# --- Relevance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    folded: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Query:
        folded = matching.fold(text)
        return cls(folded, tuple(folded.split()))


def relevance(query: _Query, *, title: str, artist: str, album: str = "") -> int:
    """0 exact (title, artist, album, or artist and title), 1 prefix, 2 every query word
    starts a word of title, artist or album, 3 anything else the services matched."""
    t = matching.fold(matching.strip_version(title))
    a, b = matching.fold(artist), matching.fold(album)
    q = query.folded
    if not q:
        return 3
    if q in (t, a, f"{a} {t}", f"{t} {a}") or (b and q == b):
        return 0
    if t.startswith(q) or a.startswith(q) or (b and b.startswith(q)):
        return 1
    document = f"{t} {a} {b}".split()
    if all(any(word.startswith(part) for word in document) for part in query.words):
        return 2
    return 3


# --- Enrichment: covers and previews -------------------------------------------------------


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


# --- The providers cache -------------------------------------------------------------------


async def remember(
    key_parts: tuple, fetch: Callable[[], Awaitable[Any]], policy: CachePolicy | None = None
) -> fanout.Fetched:
    """A provider answer through the providers cache (``providers.cache.cached``: one fetch
    per key at a time, remembered failures raised again), and whether it came from there.
    """
    fetched = False

    async def tracked():
        nonlocal fetched
        fetched = True
        return await fetch()

    value = await cached(key_parts, tracked, policy or CachePolicy.lookup())
    return fanout.Fetched(value, cached=not fetched)


def _cached_call(
    service: str,
    key_parts: tuple,
    fetch: Callable[[], Awaitable[Any]],
    policy: CachePolicy | None = None,
) -> Call:
    """A call to ``service`` for the fan-out, through the providers cache."""
    return Call(service, lambda: remember(key_parts, fetch, policy))


async def _ask(call: Call, sources: Sources) -> Any:
    """The value of one call, noted in ``sources``; None when its service is off, failed or
    was late."""
    found = await fanout.fan_out({0: call}, sources)
    return found.get(0)


# --- Search ----------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One merged search result: a library track, or a track only a provider knows."""

    tier: int
    track: Track | None = None
    info: TrackInfo | None = None


@dataclass
class SearchPage:
    count: int
    # (track summary, listeners, playcount) per result, as the route shows them.
    results: list[tuple[dict, int, int]]
    sources: Sources = field(default_factory=Sources)
    cached: bool = False


def search_enabled() -> bool:
    return fanout.is_enabled("lastfm")


def search_page(query: str, *, page: int, page_size: int) -> SearchPage | None:
    """One page of merged search results; None for a page past the end (not the first).

    Cached per catalog version (``catalog_version``: a rescan shows at once), query, page,
    page size and the set of enabled services.
    """
    key = (
        f"music:search:v2:{catalog_version.current()}:{_digest(query)}:{page}:{page_size}:"
        f"{enabled_signature(SEARCH_SERVICES)}"
    )
    stored = cache.get(key)
    if stored is not None:
        return SearchPage(
            count=stored["count"],
            results=[tuple(item) for item in stored["results"]],
            sources=Sources.from_data(stored["sources"]).as_cached(),
            cached=True,
        )
    result = _search_page(query, page=page, page_size=page_size)
    if result is None:
        return None
    stored = {"count": result.count, "results": [list(item) for item in result.results]}
    _keep(key, stored, result.sources)
    return result


def _keep(key: str, answer: dict, sources: Sources) -> None:
    """Caches an answer with what each service did; briefly when one failed to give its part."""
    ttl = DEGRADED_CACHE_TTL if sources.degraded() else SEARCH_CACHE_TTL
    cache.set(key, {**answer, "sources": sources.to_data()}, ttl)


async def _lastfm_search(query: str, sources: Sources) -> list[TrackInfo]:
    search = _cached_call(
        "lastfm",
        ("lastfm", "track.search", {"track": query, "limit": LASTFM_POOL}),
        lambda: LastFmClient().search_tracks(query, limit=LASTFM_POOL),
    )
    return list(await _ask(search, sources) or [])


def _unique_provider_tracks(items: list[TrackInfo]) -> list[TrackInfo]:
    seen_mbids: set[str] = set()
    seen_keys: set[tuple[str, str]] = set()
    unique = []
    for info in items:
        key = matching.track_key(info.artist, info.name)
        if (info.mbid and info.mbid in seen_mbids) or key in seen_keys:
            continue
        if info.mbid:
            seen_mbids.add(info.mbid)
        seen_keys.add(key)
        unique.append(info)
    return unique


def _library_twins(items: list[TrackInfo]) -> dict[int, Track]:
    """The library track each provider track (by index) is, when it is one: same MBID,
    else same artist and title once normalised. One query for them all."""
    if not items:
        return {}
    mbids = {u for info in items if (u := _uuid(info.mbid))}
    title_keys = set()
    for info in items:
        title_keys.add(fold(info.name))
        title_keys.add(fold(matching.strip_version(info.name)))
    condition = Q(title_key__in=title_keys)
    if mbids:
        condition |= Q(mbid__in=mbids)
    candidates = list(
        Track.objects.filter(condition)
        .select_related("artist", "album")
        .defer("waveform")
        .order_by("source", "pk")[: 4 * len(items) + 20]
    )
    by_mbid = {str(t.mbid): t for t in reversed(candidates) if t.mbid}
    by_key = {}
    for track in reversed(candidates):  # the first (library files first) wins
        by_key[matching.track_key(track.artist.name, track.title)] = track
    twins = {}
    for index, info in enumerate(items):
        twin = by_mbid.get(info.mbid) if info.mbid else None
        twin = twin or by_key.get(matching.track_key(info.artist, info.name))
        if twin is not None:
            twins[index] = twin
    return twins


def _merge(library: list[_Entry], provided: list[_Entry]) -> list[_Entry]:
    """Both lists in their own order, interleaved by tier; the library first on a tie."""
    merged, i, j = [], 0, 0
    while i < len(library) and j < len(provided):
        if provided[j].tier < library[i].tier:
            merged.append(provided[j])
            j += 1
        else:
            merged.append(library[i])
            i += 1
    return merged + library[i:] + provided[j:]


def _search_page(query: str, *, page: int, page_size: int) -> SearchPage | None:
    request_budget = RequestBudget()
    sources = Sources()
    sources.note(LIBRARY, fanout.OK)
    wanted = _Query.of(query)
    window, library_total = search_tracks(query, limit=LIBRARY_WINDOW)
    library = [
        _Entry(
            relevance(
                wanted,
                title=t.title,
                artist=t.artist.name,
                album=t.album.title if t.album_id else "",
            ),
            track=t,
        )
        for t in window
    ]
    provided_infos = _unique_provider_tracks(request_budget.run(_lastfm_search, query, sources))
    # Drop what the library window holds; swap in library twins found elsewhere.
    in_window = {t.pk for t in window}
    window_mbids = {str(t.mbid) for t in window if t.mbid}
    window_keys = {matching.track_key(t.artist.name, t.title) for t in window}
    fresh = [
        info
        for info in provided_infos
        if not (info.mbid and info.mbid in window_mbids)
        and matching.track_key(info.artist, info.name) not in window_keys
    ]
    twins = _library_twins(fresh)
    provided: list[_Entry] = []
    used_twins: set[int] = set()
    for index, info in enumerate(fresh):
        tier = relevance(wanted, title=info.name, artist=info.artist, album=info.album)
        twin = twins.get(index)
        if twin is None:
            provided.append(_Entry(tier, info=info))
        elif twin.pk not in in_window and twin.pk not in used_twins:
            used_twins.add(twin.pk)
            provided.append(_Entry(tier, track=twin))
    merged = _merge(library, provided)
    total = library_total + len(provided)
    offset = (page - 1) * page_size
    entries = merged[offset : offset + page_size]
    # Past the merged window: the library's own results, shifted by the provider entries.
    if offset + page_size > len(merged) and library_total > len(window):
        start = max(offset, len(merged)) - len(provided)
        rest, _ = search_tracks(
            query, limit=offset + page_size - max(offset, len(merged)), offset=start
        )
        entries += [_Entry(3, track=t) for t in rest]
    if page > 1 and not entries:
        return None
    infos = [entry.info for entry in entries if entry.info is not None]
    if infos and fanout.any_enabled(ENRICHMENT_SERVICES):
        enriched = iter(request_budget.run(enrich, infos, sources))
        for entry in entries:
            if entry.info is not None:
                entry.info = next(enriched)
    else:
        for service in ENRICHMENT_SERVICES:
            if infos:
                sources.note(service, fanout.DISABLED)
    stats = charts.track_stats(entry.track.pk for entry in entries if entry.track is not None)
    results = []
    for entry in entries:
        if entry.track is not None:
            results.append((charts.track_summary(entry.track), *stats[entry.track.pk]))
        else:
            info = entry.info
            results.append((provider_track_summary(info), info.listeners, info.playcount))
    return SearchPage(count=total, results=results, sources=sources)


# --- Artist suggestions ------------------------------------------------------------------------


@dataclass
class Suggestions:
    results: list[dict]
    sources: Sources
    cached: bool = False


def suggestions_enabled() -> bool:
    return fanout.is_enabled("lastfm")


def suggest_artists(query: str, *, limit: int) -> Suggestions:
    """Library artists first, then Last.fm's, without the same artist twice."""
    key = (
        f"music:artists:v2:{catalog_version.current()}:{_digest(fold(query))}:{limit}:"
        f"{enabled_signature(SUGGESTION_SERVICES)}"
    )
    stored = cache.get(key)
    if stored is not None:
        return Suggestions(
            stored["results"], Sources.from_data(stored["sources"]).as_cached(), cached=True
        )
    sources = Sources()
    sources.note(LIBRARY, fanout.OK)
    results = library_artist_suggestions(query, limit)
    if len(results) < limit:
        seen_mbids = {item["mbid"] for item in results if item["mbid"]}
        seen_names = {matching.normalise_artist(item["name"]) for item in results}
        for info in fanout.run(_lastfm_artists, query, limit, sources):
            name_key = matching.normalise_artist(info.name)
            if (info.mbid and info.mbid in seen_mbids) or name_key in seen_names:
                continue
            seen_names.add(name_key)
            if info.mbid:
                seen_mbids.add(info.mbid)
            results.append(
                {
                    "id": None,
                    "name": info.name,
                    "url": info.url,
                    "listeners": info.listeners,
                    "mbid": info.mbid,
                }
            )
            if len(results) >= limit:
                break
    _keep(key, {"results": results}, sources)
    return Suggestions(results, sources)


def library_artist_suggestions(query: str, limit: int) -> list[dict]:
    """Library artists matching ``query``, as suggestions show them (all-time listeners)."""
    artists = search_artists(query, limit=limit)
    stats = charts.artist_stats(artist.pk for artist in artists)
    return [
        {
            "id": artist.pk,
            "name": artist.name,
            "url": charts.artist_api_path(artist.pk),
            "listeners": int(stats[artist.pk][0]),
            "mbid": str(artist.mbid) if artist.mbid else "",
        }
        for artist in artists
    ]


async def _lastfm_artists(query: str, limit: int, sources: Sources) -> list[ArtistInfo]:
    search = _cached_call(
        "lastfm",
        ("lastfm", "artist.search", {"artist": query, "limit": limit}),
        lambda: LastFmClient().search_artists(query, limit=limit),
    )
    return list(await _ask(search, sources) or [])


# --- Charts ----------------------------------------------------------------------------------
#
# The chart routes show Last.fm's (or Apple's) chart when the service is on and answers, and
# the library's own chart otherwise. The chart itself is kept with the stale-while-revalidate
# policy (``CachePolicy.chart``): once fetched, a request never waits for its refresh. What
# each entry gets beyond the chart (releases, photos, covers, previews) is bounded to the
# first entries and kept with the lookup policy.

TRENDING_SERVICES = ("lastfm", "theaudiodb", "wikipedia")
TRACK_CHART_SERVICES = ("lastfm", "itunes", "deezer")
APPLE_CHART_SERVICES = ("apple", "itunes", "deezer")
# Artists of a provider chart that get releases and a photo; tracks that get enrichment.
CHART_ARTISTS_DETAILED = 20
CHART_TRACKS_ENRICHED = 25
# Last.fm's charts are weekly; Apple's most-played feed is refreshed daily over recent plays.
PROVIDER_CHART_WINDOW = "week"
PHOTO_LANGUAGE = "en"


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
    return await _ask(_cached_call(service, key_parts, fetch, CachePolicy.chart()), sources)


def _chart_cached(sources: Sources, service: str) -> bool:
    return sources.status(service) == fanout.CACHED


# Artists: Last.fm's chart, their albums, their photos.


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
    return _cached_call(
        "lastfm",
        ("lastfm", "artist.getTopAlbums", {"artist": info.name, "mbid": info.mbid, "limit": 5}),
        lambda: LastFmClient().artist_top_albums(
            info.name, mbid=info.mbid, limit=charts.RELEASES_PER_ARTIST
        ),
    )


def _audiodb_photo(name: str, mbid: str) -> Call:
    return _cached_call(
        "theaudiodb",
        ("theaudiodb", "artist_photo", {"name": name, "mbid": mbid}),
        lambda: TheAudioDbClient().artist_photo(name, mbid),
    )


def _bio_call(name: str, lang: str) -> Call:
    return _cached_call(
        "wikipedia",
        ("wikipedia", "artist_bio", {"name": name, "lang": lang}),
        lambda: WikipediaClient().artist_bio(name, lang),
    )


async def artist_photos(artists: list[tuple[str, str]], sources: Sources) -> dict[int, str]:
    """Photos by index of (name, mbid): TheAudioDB (by MBID, then name), then the
    thumbnail of the artist's Wikipedia article."""
    photos: dict[int, str] = {}
    found = await fanout.fan_out(
        {i: _audiodb_photo(name, mbid) for i, (name, mbid) in enumerate(artists)}, sources
    )
    for i, photo in found.items():
        if photo is not None and photo.image_url:
            photos[i] = photo.image_url
    missing = [i for i in range(len(artists)) if i not in photos]
    if missing:
        bios = await fanout.fan_out(
            {i: _bio_call(artists[i][0], PHOTO_LANGUAGE) for i in missing}, sources
        )
        for i, bio in bios.items():
            if bio is not None and bio.image_url:
                photos[i] = bio.image_url
    return photos


async def _artist_details(
    infos: list[ArtistInfo], wanting_photo: list[int], sources: Sources
) -> tuple[dict[int, list], dict[int, str]]:
    albums_task = fanout.fan_out({i: _top_albums(info) for i, info in enumerate(infos)}, sources)
    photos_task = artist_photos([(infos[i].name, infos[i].mbid) for i in wanting_photo], sources)
    albums, photos = await asyncio.gather(albums_task, photos_task)
    return albums, {wanting_photo[i]: url for i, url in photos.items()}


def _library_artists(infos: list[ArtistInfo]) -> dict[int, Artist]:
    """The library artist each chart artist (by index) is: same MBID, else same name."""
    if not infos:
        return {}
    mbids = {u for info in infos if (u := _uuid(info.mbid))}
    condition = Q(name_key__in={fold(info.name) for info in infos})
    if mbids:
        condition |= Q(mbid__in=mbids)
    found = list(Artist.objects.filter(condition).only("id", "name", "mbid", "image"))
    by_mbid = {str(a.mbid): a for a in found if a.mbid}
    by_name = {matching.normalise_artist(a.name): a for a in found}
    twins = {}
    for i, info in enumerate(infos):
        twin = (by_mbid.get(info.mbid) if info.mbid else None) or by_name.get(
            matching.normalise_artist(info.name)
        )
        if twin is not None:
            twins[i] = twin
    return twins


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
    twins = _library_artists(infos)
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


# Tracks: Last.fm's or Apple's chart, played from our files when we have the track.


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
    twins = _library_twins(infos)
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


# --- Bios --------------------------------------------------------------------------------------


def bio_languages() -> tuple[str, ...]:
    return wikipedia.LANGUAGES


async def _wikipedia_bios(names: list[str], lang: str, sources: Sources) -> dict[int, ArtistBio]:
    found = await fanout.fan_out(
        {i: _bio_call(name, lang) for i, name in enumerate(names)}, sources
    )
    return {i: bio for i, bio in found.items() if bio is not None and bio.bio}


def _library_bios(names: list[str]) -> dict[str, Artist]:
    """Library artists with a stored bio, by folded name."""
    keys = {fold(name) for name in names}
    artists = (
        Artist.objects.filter(name_key__in=keys)
        .exclude(bio="")
        .only("id", "name", "name_key", "bio", "image")
    )
    return {artist.name_key: artist for artist in artists}


def artist_bios(names: list[str], lang: str) -> tuple[dict[str, dict], Sources]:
    """Bios by the names asked for: Wikipedia's (``lang``, else English) when it is on, else
    (or when it has none) the bio stored with a library artist. Names without one are left
    out. URLs of library answers are site-relative."""
    sources = Sources()
    bios: dict[str, dict] = {}
    unique = list(dict.fromkeys(names))
    if unique and fanout.is_enabled("wikipedia"):
        found = fanout.run(_wikipedia_bios, unique, lang, sources)
        for i, bio in found.items():
            bios[unique[i]] = {
                "bio": bio.bio,
                "title": bio.title,
                "source_url": bio.source_url,
                "image_url": bio.image_url,
                "lang": bio.lang,
                "source": bio.source,
            }
    missing = [name for name in unique if name not in bios]
    if missing:
        stored = _library_bios(missing)
        if stored:
            sources.note(LIBRARY, fanout.OK)
        for name in missing:
            artist = stored.get(fold(name))
            if artist is not None:
                bios[name] = {
                    "bio": artist.bio,
                    "title": artist.name,
                    "source_url": charts.artist_api_path(artist.pk),
                    "image_url": artist.image.url if artist.image else "",
                    # A stored bio does not say which language it is written in.
                    "lang": "",
                    "source": LIBRARY,
                }
    return bios, sources


# --- Artist profiles ---------------------------------------------------------------------------
#
# The artist API (and the web artist page) show a photo and a bio. The library's own come
# first: a stored image or bio is never replaced, and then nothing is asked for it. What
# is missing comes from the services under one request budget, the photo and the bio
# concurrently, each answer kept in the providers cache.

PROFILE_SERVICES = ("theaudiodb", "wikipedia")


@dataclass
class ArtistProfile:
    """An artist's photo and bio, from the library or the services.

    ``photo_url`` is always an image to show (the library's, a service's, or the default
    cover); ``bio`` is "" when nobody has one. ``bio_source`` says where a bio fetched
    from a service comes from (None for a stored bio or none). ``sources`` is what each
    service did; ``enriched`` is False when no service took part (offline).
    """

    photo_url: str
    bio: str
    bio_source: dict | None = None
    sources: Sources = field(default_factory=Sources)
    lang: str = ""
    enriched: bool = False


def profile_enabled() -> bool:
    return fanout.any_enabled(PROFILE_SERVICES)


def profile_language(requested: str | None, accept_language: str = "") -> str | None:
    """The bio language for a request: ``requested`` (``?lang=``) when given, else the
    first of the Accept-Language header's languages we have bios in, else English. None
    when ``requested`` is not a language we offer."""
    if requested is not None and requested.strip():
        lang = requested.strip().lower()
        return lang if wikipedia.is_supported_language(lang) else None
    for tag in _accepted_languages(accept_language):
        primary = tag.split("-")[0]
        if wikipedia.is_supported_language(primary):
            return primary
    return wikipedia.FALLBACK_LANGUAGE


def _accepted_languages(header: str) -> list[str]:
    """The header's language tags, most preferred first (``q=0`` ones left out)."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, position, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


def _library_photo(artist: Artist) -> str:
    return artist.image.url if artist.image else ""


async def _profile_lookups(
    name: str, mbid: str, lang: str, want_photo: bool, want_bio: bool, sources: Sources
) -> tuple[str, ArtistBio | None]:
    async def photo() -> str:
        if not want_photo:
            return ""
        return (await artist_photos([(name, mbid)], sources)).get(0, "")

    async def bio() -> ArtistBio | None:
        if not want_bio:
            return None
        answer = await _ask(_bio_call(name, lang), sources)
        return answer if answer is not None and answer.bio else None

    return tuple(await asyncio.gather(photo(), bio()))


def artist_profile(artist: Artist, *, lang: str = wikipedia.FALLBACK_LANGUAGE) -> ArtistProfile:
    """The photo and bio to show for a library ``artist`` (bio in ``lang``, else English).

    No query is made. Offline, or when the library has both, no service is asked: the
    artist's own image (else the default cover) and stored bio. Otherwise the missing ones
    come from TheAudioDB (photo, by MBID then name), then the Wikipedia thumbnail, and
    Wikipedia (bio), within the request budget; a late or failed service leaves its part
    out and says so in ``sources``.
    """
    own_photo = _library_photo(artist)
    profile = ArtistProfile(photo_url=own_photo or static(DEFAULT_COVER), bio=artist.bio, lang=lang)
    if not profile_enabled():
        return profile
    profile.enriched = True
    profile.sources.note(LIBRARY, fanout.OK)
    want_photo, want_bio = not own_photo, not artist.bio.strip()
    if not (want_photo or want_bio):
        return profile
    mbid = str(artist.mbid) if artist.mbid else ""
    photo, bio = RequestBudget().run(
        _profile_lookups, artist.name, mbid, lang, want_photo, want_bio, profile.sources
    )
    if photo:
        profile.photo_url = photo
    if bio is not None:
        profile.bio = bio.bio
        profile.bio_source = {
            "source": bio.source,
            "title": bio.title,
            "url": bio.source_url,
            "lang": bio.lang,
        }
    return profile
