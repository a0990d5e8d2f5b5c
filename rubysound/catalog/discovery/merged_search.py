"""Track search: the library's results merged with Last.fm's.

Our own search ranks the library; Last.fm's track.search adds what we do not have. Both
lists are merged by a relevance tier both sides can be given (the query is the title, the
artist, or "artist title"; then a prefix; then every word; then the rest), each side
keeping its own order inside a tier and the library first among equals. Only a fixed
window of each side is merged (the first LIBRARY_WINDOW library results and LASTFM_POOL
Last.fm ones), so every page is cut from the same merged order and pages never overlap;
library results past the window follow it. A Last.fm result is dropped when it is a
library track (same MBID, else same artist and title as the providers' matching
normalises them); when that library track is not among the library's own results it takes
the Last.fm result's place, playable from our files. The provider tracks of the page
answered get covers and previews (``enrichment``).

The library's side is the one cached library search (``search.library.library_tracks``):
every page of a query reads the same cached window (kept a minute). Every result is a card
(``types.TrackCard``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

from rubysound.catalog import version as catalog_version
from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.enrichment import (
    ENRICHMENT_SERVICES,
    enrich,
    provider_track_summary,
)
from rubysound.catalog.discovery.fanout import LIBRARY, Sources
from rubysound.catalog.discovery.library_matches import library_twins
from rubysound.catalog.discovery.provider_calls import (
    RequestBudget,
    ask,
    cached_call,
    digest,
    enabled_signature,
    keep_answer,
)
from rubysound.catalog.listening.charts import track_cards
from rubysound.catalog.models import Track
from rubysound.catalog.search.library import library_tracks
from rubysound.catalog.types import TrackCard
from rubysound.providers.gateway import (
    LastFmClient,
    TrackInfo,
    fold_to_words,
    strip_version,
    track_key,
)

SEARCH_SERVICES = ("lastfm", "itunes", "deezer")
# The merged window of search (see the module's docstring).
LIBRARY_WINDOW = 60
LASTFM_POOL = 30


# --- Relevance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    folded: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Query:
        folded = fold_to_words(text)
        return cls(folded, tuple(folded.split()))


def relevance(query: _Query, *, title: str, artist: str, album: str = "") -> int:
    """0 exact (title, artist, album, or artist and title), 1 prefix, 2 every query word
    starts a word of title, artist or album, 3 anything else the services matched."""
    t = fold_to_words(strip_version(title))
    a, b = fold_to_words(artist), fold_to_words(album)
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


# --- Search ----------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One merged search result: a library track of the search (its card), the library track
    a provider's result turned out to be (``twin``), or a track only a provider knows."""

    tier: int
    card: TrackCard | None = None
    twin: Track | None = None
    info: TrackInfo | None = None


@dataclass
class SearchPage:
    count: int
    cards: list[TrackCard]
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
        f"music:search:v3:{catalog_version.current()}:{digest(query)}:{page}:{page_size}:"
        f"{enabled_signature(SEARCH_SERVICES)}"
    )
    stored = cache.get(key)
    if stored is not None:
        return SearchPage(
            count=stored["count"],
            cards=[TrackCard.from_entry(entry) for entry in stored["cards"]],
            sources=Sources.from_data(stored["sources"]).as_cached(),
            cached=True,
        )
    result = _search_page(query, page=page, page_size=page_size)
    if result is None:
        return None
    stored = {"count": result.count, "cards": [card.as_entry() for card in result.cards]}
    keep_answer(key, stored, result.sources)
    return result


async def _lastfm_search(query: str, sources: Sources) -> list[TrackInfo]:
    search = cached_call(
        "lastfm",
        ("lastfm", "track.search", {"track": query, "limit": LASTFM_POOL}),
        lambda: LastFmClient().search_tracks(query, limit=LASTFM_POOL),
    )
    return list(await ask(search, sources) or [])


def _unique_provider_tracks(items: list[TrackInfo]) -> list[TrackInfo]:
    seen_mbids: set[str] = set()
    seen_keys: set[tuple[str, str]] = set()
    unique = []
    for info in items:
        key = track_key(info.artist, info.name)
        if (info.mbid and info.mbid in seen_mbids) or key in seen_keys:
            continue
        if info.mbid:
            seen_mbids.add(info.mbid)
        seen_keys.add(key)
        unique.append(info)
    return unique


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
    found = library_tracks(query, limit=LIBRARY_WINDOW)
    window, library_total = found.cards, found.total
    library = [
        _Entry(relevance(wanted, title=card.name, artist=card.artist, album=card.album), card=card)
        for card in window
    ]
    provided_infos = _unique_provider_tracks(request_budget.run(_lastfm_search, query, sources))
    # Drop what the library window holds; swap in library twins found elsewhere.
    in_window = {card.id for card in window}
    window_mbids = {card.mbid for card in window if card.mbid}
    window_keys = {track_key(card.artist, card.name) for card in window}
    fresh = [
        info
        for info in provided_infos
        if not (info.mbid and info.mbid in window_mbids)
        and track_key(info.artist, info.name) not in window_keys
    ]
    twins = library_twins(fresh)
    provided: list[_Entry] = []
    used_twins: set[int] = set()
    for index, info in enumerate(fresh):
        tier = relevance(wanted, title=info.name, artist=info.artist, album=info.album)
        twin = twins.get(index)
        if twin is None:
            provided.append(_Entry(tier, info=info))
        elif twin.pk not in in_window and twin.pk not in used_twins:
            used_twins.add(twin.pk)
            provided.append(_Entry(tier, twin=twin))
    merged = _merge(library, provided)
    total = library_total + len(provided)
    offset = (page - 1) * page_size
    entries = merged[offset : offset + page_size]
    # Past the merged window: the library's own results, shifted by the provider entries.
    if offset + page_size > len(merged) and library_total > len(window):
        start = max(offset, len(merged)) - len(provided)
        rest = library_tracks(
            query, limit=offset + page_size - max(offset, len(merged)), offset=start
        )
        entries += [_Entry(3, card=card) for card in rest.cards]
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
    # Only the twins this page shows become cards (their numbers: one query at most).
    twin_cards = iter(track_cards(entry.twin for entry in entries if entry.twin is not None))
    cards = []
    for entry in entries:
        if entry.card is not None:
            cards.append(entry.card)
        elif entry.twin is not None:
            cards.append(next(twin_cards))
        else:
            info = entry.info
            cards.append(
                TrackCard.from_entry(provider_track_summary(info), info.listeners, info.playcount)
            )
    return SearchPage(count=total, cards=cards, sources=sources)
