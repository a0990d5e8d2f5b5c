"""The providers as the rest of the code sees them: the one module another app imports.

What is here is what the catalog (discovery) and the preview proxy (compat) use: the
clients, the plain result types and the one error, which services are on, the request
deadline, the providers cache, the preview guard and the name matching. Everything else
in ``rubysound.providers`` (transport, limits, breakers, parsing) is its own business.

Names that say nothing outside their module carry the module's name here
(``budget.remaining`` is ``budget_remaining``, ``wikipedia.LANGUAGES`` is
``WIKIPEDIA_LANGUAGES``).
"""

from .apple import AppleChartsClient
from .budget import deadline
from .budget import remaining as budget_remaining
from .cache import CachePolicy, cached
from .config import service_config
from .deezer import DeezerClient
from .errors import ErrorKind, ProviderError
from .itunes import ItunesClient
from .lastfm import TOKEN_REFUSED_CODES as LASTFM_TOKEN_REFUSED_CODES
from .lastfm import LastFmApiError, LastFmClient, LastFmSession
from .listenbrainz import BaseUrlRefused as ListenBrainzUrlRefused
from .listenbrainz import ListenBrainzClient, TokenCheck
from .listenbrainz import normalise_base_url as normalise_listenbrainz_url
from .matching import fold_to_words, normalise_artist, strip_version, track_key
from .musicbrainz import MusicBrainzClient
from .preview import (
    AUDIO_TYPES,
    EXTENSIONS,
    AudioType,
    PreviewError,
    PreviewFetcher,
    PreviewRefused,
    RangeNotSatisfiable,
    UpstreamPreview,
    check_preview_url,
    proxy_enabled,
)
from .theaudiodb import TheAudioDbClient
from .types import AlbumInfo, ArtistBio, ArtistInfo, ArtistRecord, TrackInfo
from .wikipedia import FALLBACK_LANGUAGE as WIKIPEDIA_FALLBACK_LANGUAGE
from .wikipedia import LANGUAGES as WIKIPEDIA_LANGUAGES
from .wikipedia import WikipediaClient
from .wikipedia import is_supported_language as is_wikipedia_language

__all__ = [
    "AUDIO_TYPES",
    "EXTENSIONS",
    "LASTFM_TOKEN_REFUSED_CODES",
    "WIKIPEDIA_FALLBACK_LANGUAGE",
    "WIKIPEDIA_LANGUAGES",
    "AlbumInfo",
    "AppleChartsClient",
    "ArtistBio",
    "ArtistInfo",
    "ArtistRecord",
    "AudioType",
    "CachePolicy",
    "DeezerClient",
    "ErrorKind",
    "ItunesClient",
    "LastFmApiError",
    "LastFmClient",
    "LastFmSession",
    "ListenBrainzClient",
    "ListenBrainzUrlRefused",
    "MusicBrainzClient",
    "PreviewError",
    "PreviewFetcher",
    "PreviewRefused",
    "ProviderError",
    "RangeNotSatisfiable",
    "TheAudioDbClient",
    "TokenCheck",
    "TrackInfo",
    "UpstreamPreview",
    "WikipediaClient",
    "budget_remaining",
    "cached",
    "check_preview_url",
    "deadline",
    "fold_to_words",
    "is_wikipedia_language",
    "normalise_artist",
    "normalise_listenbrainz_url",
    "proxy_enabled",
    "service_config",
    "strip_version",
    "track_key",
]
