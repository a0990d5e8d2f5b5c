"""What the provider clients return: plain, immutable values with our own field names.

Numbers are ints (services send many of them as strings); absent text is "" and absent
numbers are 0 or None, so callers never test for missing keys.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrackInfo:
    name: str
    artist: str
    source: str  # the service's name, e.g. "lastfm"
    listeners: int = 0
    playcount: int = 0
    mbid: str = ""
    artist_mbid: str = ""
    album: str = ""
    duration: float | None = None  # seconds
    url: str = ""  # the track's page at the service
    image_url: str = ""
    preview_url: str = ""  # a short audio preview, https
    provider_id: str = ""  # the service's own id for the track
    tags: tuple[str, ...] = ()
    rank: int | None = None  # position in a chart, from 1
    release_date: str = ""  # ISO date (YYYY-MM-DD) when the service gives one


@dataclass(frozen=True)
class ArtistInfo:
    name: str
    source: str
    listeners: int = 0
    playcount: int = 0
    mbid: str = ""
    url: str = ""
    image_url: str = ""
    provider_id: str = ""
    rank: int | None = None
    match: float | None = None  # similarity 0..1 (artist.getSimilar)


@dataclass(frozen=True)
class AlbumInfo:
    title: str
    artist: str
    source: str
    playcount: int = 0
    mbid: str = ""
    url: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class ArtistPhoto:
    artist: str
    image_url: str
    source: str
    mbid: str = ""
    thumbnail_url: str = ""
    banner_url: str = ""


@dataclass(frozen=True)
class ArtistBio:
    """A Wikipedia article's summary about an artist."""

    artist: str  # the name asked for
    title: str  # the article's title
    bio: str  # plain-text extract
    source_url: str
    image_url: str
    lang: str  # the language the article is in (the fallback's, when it was used)
    source: str = "wikipedia"


@dataclass(frozen=True)
class Recording:
    """A MusicBrainz recording."""

    mbid: str
    title: str
    artist: str
    artist_mbid: str = ""
    duration: float | None = None
    release: str = ""
    release_mbid: str = ""
    score: int = 0  # MusicBrainz's search score 0..100
    isrcs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArtistRecord:
    """A MusicBrainz artist."""

    mbid: str
    name: str
    sort_name: str = ""
    country: str = ""
    kind: str = ""  # Person, Group, ...
    disambiguation: str = ""
    score: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
