"""The catalog's cards: a track, an artist, an album as every list and route shows them.

A card holds what a list needs (the summary, the numbers) with the site's own URLs kept
relative; ``as_json`` is the one place a card becomes the API's object, its URLs made
absolute for the request (``Absolutizer``) or left relative for a page (``site_relative``).
Cards are built by the catalog's selectors (``selectors.track_cards``, the library
searches) from tracks, or ``from_entry`` from the plain data caches and charts keep (the
library's entries and the external services' alike).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

# Turns a site-relative URL into the one a response shows.
UrlMaker = Callable[[str], str]

_TREND_FIELDS = ("previous_listeners", "growth")


class Absolutizer:
    """Turns our site-relative paths into absolute URLs for one request (others unchanged)."""

    def __init__(self, request):
        self.base = f"{request.scheme}://{request.get_host()}"

    def __call__(self, url: str) -> str:
        if url and url.startswith("/") and not url.startswith("//"):
            return self.base + url
        return url or ""


def site_relative(url: str) -> str:
    """For pages: our own URLs stay relative to the site (no host baked in)."""
    return url or ""


def _with_trend(data: dict, previous_listeners: int | None, growth: float | None) -> dict:
    """Trending charts add the listeners of the window before and the growth since."""
    if previous_listeners is not None:
        data["previous_listeners"] = previous_listeners
    if growth is not None:
        data["growth"] = growth
    return data


@dataclass(frozen=True)
class TrackCard:
    """A track in a list: a library track, or one only an external service knows (id None).

    ``url`` is the stream (ours) or preview (proxied) URL, "" when none; ``listeners`` and
    ``playcount`` are all-time for the library's lists, the window's in a chart, the
    service's for its own tracks.
    """

    id: int | None
    name: str
    artist: str
    artist_id: int | None
    album: str
    album_id: int | None
    url: str
    image_url: str
    mbid: str
    duration: float | None
    source: str
    listeners: int = 0
    playcount: int = 0
    previous_listeners: int | None = None
    growth: float | None = None

    @classmethod
    def from_entry(
        cls, entry: Mapping, listeners: int | None = None, playcount: int | None = None
    ) -> TrackCard:
        """From plain data: a chart entry (numbers included), or a track summary
        (``charts.track_summary``'s shape) with its numbers given."""
        return cls(
            id=entry["id"],
            name=entry["name"],
            artist=entry["artist"],
            artist_id=entry["artist_id"],
            album=entry["album"],
            album_id=entry["album_id"],
            url=entry["url"],
            image_url=entry["image_url"],
            mbid=entry["mbid"],
            duration=entry["duration"],
            source=entry["source"],
            listeners=int(entry["listeners"] if listeners is None else listeners),
            playcount=int(entry["playcount"] if playcount is None else playcount),
            previous_listeners=entry.get("previous_listeners"),
            growth=entry.get("growth"),
        )

    def as_entry(self) -> dict:
        """Plain data for a cache (URLs as they are): what ``from_entry`` reads back."""
        entry = asdict(self)
        for name in _TREND_FIELDS:
            if entry[name] is None:
                del entry[name]
        return entry

    def as_json(self, absolute: UrlMaker) -> dict:
        """The Track object of the API reference (and of the pages' track rows)."""
        data = {
            "name": self.name,
            "artist": self.artist,
            "listeners": self.listeners,
            "playcount": self.playcount,
            "url": absolute(self.url),
            "image_url": absolute(self.image_url),
            "mbid": self.mbid,
            "id": self.id,
            "album": self.album,
            "duration": self.duration,
            "source": self.source,
            "artist_id": self.artist_id,
            "album_id": self.album_id,
        }
        return _with_trend(data, self.previous_listeners, self.growth)


@dataclass(frozen=True)
class AlbumCard:
    """An album among an artist's releases; ``playcount`` counts the chart's window."""

    id: int | None
    title: str
    year: int | None
    playcount: int
    url: str
    cover: str

    @classmethod
    def from_entry(cls, entry: Mapping) -> AlbumCard:
        return cls(
            id=entry["id"],
            title=entry["title"],
            year=entry["year"],
            playcount=int(entry["playcount"]),
            url=entry["url"],
            cover=entry["cover"],
        )

    def as_json(self, absolute: UrlMaker) -> dict:
        return {
            "title": self.title,
            "playcount": self.playcount,
            "url": absolute(self.url),
            "cover": absolute(self.cover),
            "id": self.id,
            "year": self.year,
        }


@dataclass(frozen=True)
class ArtistCard:
    """An artist in a list: ours (``url`` its API path), or one only a service knows.

    ``photo_url`` is the picture a list shows ("" when a list shows none); ``releases``
    come with chart entries only.
    """

    id: int | None
    name: str
    url: str
    mbid: str
    photo_url: str = ""
    listeners: int = 0
    playcount: int = 0
    releases: tuple[AlbumCard, ...] = ()
    previous_listeners: int | None = None
    growth: float | None = None

    @classmethod
    def from_entry(cls, entry: Mapping) -> ArtistCard:
        """From plain data: a chart entry, or an artist suggestion (no photo, plays or
        releases)."""
        return cls(
            id=entry["id"],
            name=entry["name"],
            url=entry["url"],
            mbid=entry["mbid"],
            photo_url=entry.get("photo_url", ""),
            listeners=int(entry["listeners"]),
            playcount=int(entry.get("playcount", 0)),
            releases=tuple(AlbumCard.from_entry(release) for release in entry.get("releases", ())),
            previous_listeners=entry.get("previous_listeners"),
            growth=entry.get("growth"),
        )

    def as_entry(self) -> dict:
        """Plain data for a cache (URLs as they are): what ``from_entry`` reads back."""
        entry = asdict(self)
        entry["releases"] = [asdict(release) for release in self.releases]
        for name in _TREND_FIELDS:
            if entry[name] is None:
                del entry[name]
        return entry

    def as_json(self, absolute: UrlMaker) -> dict:
        """An artist of a chart: photo, numbers and releases."""
        data = {
            "name": self.name,
            "photo_url": absolute(self.photo_url),
            "listeners": self.listeners,
            "playcount": self.playcount,
            "releases": [release.as_json(absolute) for release in self.releases],
            "id": self.id,
            "url": absolute(self.url),
            "mbid": self.mbid,
        }
        return _with_trend(data, self.previous_listeners, self.growth)

    def as_suggestion(self, absolute: UrlMaker) -> dict:
        """An artist as autocomplete suggests it."""
        return {
            "name": self.name,
            "url": absolute(self.url),
            "listeners": self.listeners,
            "mbid": self.mbid,
            "id": self.id,
        }


@dataclass(frozen=True)
class TrackMatches:
    """A page of the library's tracks matching a search, and how many matched in all
    (capped: ``search.engine.SEARCH_RESULT_CAP`` means at least that many)."""

    total: int
    cards: list[TrackCard]
    cached: bool = False


@dataclass(frozen=True)
class ArtistMatches:
    """The library's artists best matching a search."""

    cards: list[ArtistCard]
    cached: bool = False
