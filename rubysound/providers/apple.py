"""Apple's most-played songs chart (the marketing-tools RSS feed, JSON flavour).

``GET <base>/<country>/music/most-played/<size>/songs.json`` answers
``{"feed": {..., "results": [{name, artistName, id, url, artworkUrl100, releaseDate, genres}]}}``.
The feed exists only in sizes 10, 25, 50 and 100, so a chart of 30 is the 50 feed cut at 30.
An unknown storefront answers 404. No key is needed.
"""

import re
from typing import Any

from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import as_dict, text
from .types import TrackInfo

SERVICE = "apple"
DEFAULT_BASE_URL = "https://rss.marketingtools.apple.com/api/v2"
FEED_SIZES = (10, 25, 50, 100)
MAX_COUNT = FEED_SIZES[-1]
DEFAULT_ARTWORK_SIZE = 600
MAX_ARTWORK_SIZE = 3000

_COUNTRY = re.compile(r"[a-z]{2}")
_RELEASE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The artwork URL ends in a size template Apple's image servers render on demand:
# ".../196871788981.jpg/100x100bb.jpg" can be asked for as ".../600x600bb.jpg".
_ARTWORK_SIZE = re.compile(r"/\d+x\d+(bb)?\.(jpg|jpeg|png|webp)$", re.IGNORECASE)
# Every song also carries the catch-all genre "Music" (id 34): it says nothing.
_CATCH_ALL_GENRES = frozenset({"music"})


class AppleChartsClient(ServiceClient):
    service = SERVICE

    async def most_played_songs(
        self, country: str = "us", count: int = 50, *, artwork_size: int = DEFAULT_ARTWORK_SIZE
    ) -> list[TrackInfo]:
        """The ``count`` most played songs in ``country`` (ISO 3166 alpha-2), ranked from 1."""
        self._require_enabled()
        country = _country(country)
        _check_number("count", count, MAX_COUNT)
        _check_number("artwork_size", artwork_size, MAX_ARTWORK_SIZE)
        size = feed_size(count)
        reply = await self.transport.get(SERVICE, self._feed_url(country, size))
        if reply.status == 404:
            raise ProviderError(
                SERVICE, ErrorKind.NOT_FOUND, f"no chart for {country!r}", status=404
            )
        if reply.status >= 400:
            raise ProviderError(
                SERVICE, ErrorKind.BAD_REQUEST, f"HTTP {reply.status}", status=reply.status
            )
        # The top ``count`` are the first ``count`` places: an unreadable entry keeps its
        # place (the next song is still #15, not #14) and leaves a gap rather than pulling in
        # a song from outside the chart that was asked for.
        entries = _results(reply.json())[:count]
        songs = (
            _song(entry, rank=rank, artwork_size=artwork_size)
            for rank, entry in enumerate(entries, start=1)
        )
        return [song for song in songs if song is not None]

    def _feed_url(self, country: str, size: int) -> str:
        base = (self.config.base_url or DEFAULT_BASE_URL).rstrip("/")
        return f"{base}/{country}/music/most-played/{size}/songs.json"


def feed_size(count: int) -> int:
    """The smallest feed Apple offers that holds ``count`` songs."""
    return next(size for size in FEED_SIZES if size >= count)


def artwork_url(url: str, size: int) -> str:
    """Apple's artwork URL rewritten to ``size`` x ``size`` (unchanged when not templated)."""
    match = _ARTWORK_SIZE.search(url)
    if match is None:
        return url
    return f"{url[: match.start()]}/{size}x{size}bb.{match.group(2)}"


def _country(value: Any) -> str:
    country = value.strip().lower() if isinstance(value, str) else ""
    if not _COUNTRY.fullmatch(country):
        raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, "country must be two letters")
    return country


def _check_number(name: str, value: Any, highest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, f"{name} must be 1..{highest}")


def _results(payload: Any) -> list:
    feed = payload.get("feed") if isinstance(payload, dict) else None
    if not isinstance(feed, dict):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no 'feed' object")
    results = feed.get("results")
    if results is None:
        return []  # a storefront with nothing charted yet sends the feed without results
    if not isinstance(results, list):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "'results' is not a list")
    return results


def _song(entry: Any, *, rank: int, artwork_size: int) -> TrackInfo | None:
    """One chart entry, or None when it is not an object or lacks a title or an artist."""
    if not isinstance(entry, dict):
        return None
    name, artist = text(entry.get("name")), text(entry.get("artistName"))
    if not name or not artist:
        return None
    artwork = _https(entry.get("artworkUrl100"))
    return TrackInfo(
        name=name,
        artist=artist,
        source=SERVICE,
        url=_https(entry.get("url")),
        image_url=artwork_url(artwork, artwork_size) if artwork else "",
        provider_id=text(entry.get("id")),
        tags=_genres(entry.get("genres")),
        rank=rank,
        release_date=_release_date(entry.get("releaseDate")),
    )


def _https(value: Any) -> str:
    # The feed's links are all https: one that is not is not upgraded but dropped.
    url = text(value)
    return url if url.startswith("https://") else ""


def _release_date(value: Any) -> str:
    date = text(value)[:10]
    return date if _RELEASE_DATE.fullmatch(date) else ""


def _genres(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for genre in value:
        name = text(as_dict(genre).get("name"))
        if name and name.lower() not in _CATCH_ALL_GENRES and name not in names:
            names.append(name)
    return tuple(names)
