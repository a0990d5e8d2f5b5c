"""The library's searches as the routes and pages show them: cards, cached for a minute. The
searches merged with the external services (``discovery``) take their library part from here.

One key scheme for every cached search: ``catalog:search:v1:<catalog version>:<kind>:
<limit>:<offset>:<digest of the query as the engine reads it>``. The catalog version
(``catalog.version``) changes when a scan, an upload or an admin edit commits, so a cached
answer never outlives what it shows; LIBRARY_SEARCH_TTL bounds how long a popularity number
may lag behind. Two spellings the engine reads alike ("Björk", " bjork ") share an entry.
"""

import hashlib

from django.core.cache import cache
from django.db.models import F

from rubysound.catalog import version as catalog_version
from rubysound.catalog.listening.charts import artist_api_path, artist_stats, track_cards
from rubysound.catalog.models import Album
from rubysound.catalog.search.engine import MAX_LIMIT, search_albums, search_artists, search_tracks
from rubysound.catalog.search.query import clamp, parse
from rubysound.catalog.types import ArtistCard, ArtistMatches, TrackCard, TrackMatches

LIBRARY_SEARCH_TTL = 60  # seconds
KEY_PREFIX = "catalog:search:v1"


def _cache_key(kind: str, folded: str, limit: int, offset: int = 0) -> str:
    digest = hashlib.sha256(folded.encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{catalog_version.current()}:{kind}:{limit}:{offset}:{digest}"


def library_tracks(query: str, *, limit: int, offset: int = 0) -> TrackMatches:
    """The library's tracks matching ``query``, ``offset`` on, as cards with their all-time
    numbers; and the capped total. Past the last match the page is empty (the total still
    says how many there are)."""
    limit = clamp(limit, 0, MAX_LIMIT)
    offset = max(0, int(offset))
    parsed = parse(query)
    if parsed is None:
        return TrackMatches(total=0, cards=[])
    key = _cache_key("tracks", parsed.folded, limit, offset)
    stored = cache.get(key)
    if stored is not None:
        cards = [TrackCard.from_entry(entry) for entry in stored["cards"]]
        return TrackMatches(total=stored["total"], cards=cards, cached=True)
    tracks, total = search_tracks(query, limit=limit, offset=offset)
    cards = track_cards(tracks)
    stored = {"total": total, "cards": [card.as_entry() for card in cards]}
    cache.set(key, stored, LIBRARY_SEARCH_TTL)
    return TrackMatches(total=total, cards=cards)


def library_artists(query: str, *, limit: int) -> ArtistMatches:
    """The library's artists best matching ``query``, as cards with their all-time
    listeners and plays and their own image (``photo_url``, "" when they have none)."""
    limit = clamp(limit, 0, MAX_LIMIT)
    parsed = parse(query)
    if parsed is None:
        return ArtistMatches(cards=[])
    key = _cache_key("artists", parsed.folded, limit)
    stored = cache.get(key)
    if stored is not None:
        return ArtistMatches(cards=[ArtistCard.from_entry(e) for e in stored], cached=True)
    artists = search_artists(query, limit=limit)
    stats = artist_stats(artist.pk for artist in artists)
    cards = [
        ArtistCard(
            id=artist.pk,
            name=artist.name,
            url=artist_api_path(artist.pk),
            mbid=str(artist.mbid) if artist.mbid else "",
            photo_url=artist.image.url if artist.image else "",
            listeners=stats[artist.pk][0],
            playcount=stats[artist.pk][1],
        )
        for artist in artists
    ]
    cache.set(key, [card.as_entry() for card in cards], LIBRARY_SEARCH_TTL)
    return ArtistMatches(cards=cards)


def library_albums(query: str, *, limit: int) -> list[dict]:
    """The library's albums best matching ``query``: ``id``, ``title``, ``artist``,
    ``artist_id``, ``year`` and ``cover_url`` (the default image without a cover)."""
    limit = clamp(limit, 0, MAX_LIMIT)
    parsed = parse(query)
    if parsed is None:
        return []
    key = _cache_key("albums", parsed.folded, limit)
    stored = cache.get(key)
    if stored is not None:
        return stored["albums"]
    albums = [
        {
            "id": album.pk,
            "title": album.title,
            "artist": album.artist.name,
            "artist_id": album.artist_id,
            "year": album.year,
            "cover_url": album.cover_url,
        }
        for album in search_albums(query, limit=limit)
    ]
    cache.set(key, {"albums": albums}, LIBRARY_SEARCH_TTL)  # see album_cover_urls
    return albums


def album_cover_urls(artist_ids) -> dict[int, str]:
    """For each of these artists with an album cover, one (their newest album's): what
    stands in for an artist without a photo. One query, then cached with the catalog."""
    ids = sorted(set(artist_ids))
    if not ids:
        return {}
    key = _cache_key("covers", ",".join(map(str, ids)), len(ids))
    stored = cache.get(key)
    if stored is not None:
        return {int(pk): url for pk, url in stored["covers"].items()}
    covers: dict[int, str] = {}
    albums = (
        Album.objects.filter(artist_id__in=ids)
        .exclude(cover="")
        .only("pk", "artist_id", "cover")
        .order_by("artist_id", F("year").desc(nulls_last=True), "pk")
    )
    for album in albums:
        covers.setdefault(album.artist_id, album.cover_url)
    # Wrapped: an empty answer must be a hit too (the metrics cache reads a falsy value as a miss).
    cache.set(key, {"covers": {str(pk): url for pk, url in covers.items()}}, LIBRARY_SEARCH_TTL)
    return covers
