"""Artist autocomplete: library artists first (the one cached library search,
``search.library.library_artists``), then Last.fm's, without the same artist twice (same
MBID, or the same name as the providers' matching normalises it). Every suggestion is a card
(``types.ArtistCard``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from rubysound.catalog import version as catalog_version
from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.fanout import LIBRARY, Sources
from rubysound.catalog.discovery.provider_calls import (
    ask,
    cached_call,
    digest,
    enabled_signature,
    keep_answer,
)
from rubysound.catalog.search.library import library_artists
from rubysound.catalog.types import ArtistCard
from rubysound.core.text import fold
from rubysound.providers.gateway import ArtistInfo, LastFmClient, normalise_artist

SUGGESTION_SERVICES = ("lastfm",)


@dataclass
class Suggestions:
    cards: list[ArtistCard]
    sources: Sources
    cached: bool = False


def suggestions_enabled() -> bool:
    return fanout.is_enabled("lastfm")


def suggest_artists(query: str, *, limit: int) -> Suggestions:
    """Library artists first, then Last.fm's, without the same artist twice."""
    key = (
        f"music:artists:v3:{catalog_version.current()}:{digest(fold(query))}:{limit}:"
        f"{enabled_signature(SUGGESTION_SERVICES)}"
    )
    stored = cache.get(key)
    if stored is not None:
        return Suggestions(
            [ArtistCard.from_entry(entry) for entry in stored["cards"]],
            Sources.from_data(stored["sources"]).as_cached(),
            cached=True,
        )
    sources = Sources()
    sources.note(LIBRARY, fanout.OK)
    cards = list(library_artists(query, limit=limit).cards)
    if len(cards) < limit:
        seen_mbids = {card.mbid for card in cards if card.mbid}
        seen_names = {normalise_artist(card.name) for card in cards}
        for info in fanout.run(_lastfm_artists, query, limit, sources):
            name_key = normalise_artist(info.name)
            if (info.mbid and info.mbid in seen_mbids) or name_key in seen_names:
                continue
            seen_names.add(name_key)
            if info.mbid:
                seen_mbids.add(info.mbid)
            cards.append(
                ArtistCard(
                    id=None, name=info.name, url=info.url, mbid=info.mbid, listeners=info.listeners
                )
            )
            if len(cards) >= limit:
                break
    keep_answer(key, {"cards": [card.as_entry() for card in cards]}, sources)
    return Suggestions(cards, sources)


async def _lastfm_artists(query: str, limit: int, sources: Sources) -> list[ArtistInfo]:
    search = cached_call(
        "lastfm",
        ("lastfm", "artist.search", {"artist": query, "limit": limit}),
        lambda: LastFmClient().search_artists(query, limit=limit),
    )
    return list(await ask(search, sources) or [])
