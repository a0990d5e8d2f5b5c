"""Deezer search: covers and 30-second previews, the fallback after iTunes.

https://developers.deezer.com/api/search — no key. ``{"data": [...], "total": n}``; errors
arrive with HTTP 200 as ``{"error": {"type", "message", "code"}}`` (codes from
https://developers.deezer.com/api/errors).
"""

from . import matching
from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import as_dict, as_list, each, https_url, integer, json_object, readable, text
from .transport import Reply
from .types import TrackInfo

SERVICE = "deezer"
MAX_RESULTS = 100

QUOTA_EXCEEDED = 4
DATA_NOT_FOUND = 800
ERROR_KINDS = {
    QUOTA_EXCEEDED: ErrorKind.RATE_LIMITED,  # QUOTA, "Quota limit exceeded"
    100: ErrorKind.BAD_REQUEST,  # ITEMS_LIMIT_EXCEEDED
    200: ErrorKind.INVALID_KEY,  # PERMISSION (OAuthException)
    300: ErrorKind.INVALID_KEY,  # TOKEN_INVALID (OAuthException)
    500: ErrorKind.BAD_REQUEST,  # PARAMETER
    501: ErrorKind.BAD_REQUEST,  # PARAMETER_MISSING
    600: ErrorKind.BAD_REQUEST,  # QUERY_INVALID
    700: ErrorKind.UNAVAILABLE,  # SERVICE_BUSY
    DATA_NOT_FOUND: ErrorKind.NOT_FOUND,  # DATA_NOT_FOUND, "no data"
}


def advanced_query(artist: str, title: str) -> str:
    """Deezer's fielded search. Its syntax has no escape: a quote inside a value would end
    the phrase early, so quotes are dropped from the values."""

    def phrase(value: str) -> str:
        return " ".join(value.replace('"', " ").split())

    return f'artist:"{phrase(artist)}" track:"{phrase(title)}"'


class DeezerClient(ServiceClient):
    service = SERVICE

    async def search_track(self, artist: str, title: str, *, limit: int = 10) -> TrackInfo | None:
        """The track that is ``title`` by ``artist``, with cover and preview; None if none is."""
        self._require_enabled()
        plain_title = matching.strip_version(title)
        if not artist.strip() or not plain_title:
            return None
        reply = await self.transport.get(
            SERVICE,
            f"{self.config.base_url}/search",
            params={
                "q": advanced_query(artist, plain_title),
                "limit": max(1, min(integer(limit, default=10), MAX_RESULTS)),
            },
        )
        try:
            payload = _payload(reply)
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return None
            raise
        with readable(SERVICE):
            tracks = list(each(as_list(payload.get("data")), _track))
        return matching.pick_track(tracks, artist, title)


def _payload(reply: Reply) -> dict:
    payload = json_object(reply)
    if "error" in payload:
        error = as_dict(payload.get("error"))
        code = integer(error.get("code"), default=-1)
        message = text(error.get("message")) or text(error.get("type"))
        raise ProviderError(SERVICE, ERROR_KINDS.get(code, ErrorKind.UNAVAILABLE), message)
    if "data" not in payload:
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no data list")
    return payload


def _track(item: dict) -> TrackInfo | None:
    item = as_dict(item)
    if item.get("type", "track") != "track":
        return None
    artist, album = as_dict(item.get("artist")), as_dict(item.get("album"))
    name, artist_name = text(item.get("title")), text(artist.get("name"))
    if not name or not artist_name:
        return None
    duration = integer(item.get("duration"))
    track_id = integer(item.get("id"))
    cover = next(
        (
            https_url(album.get(size))
            for size in ("cover_xl", "cover_big", "cover_medium")
            if https_url(album.get(size))
        ),
        "",
    )
    return TrackInfo(
        name=name,
        artist=artist_name,
        source=SERVICE,
        album=text(album.get("title")),
        duration=float(duration) if duration > 0 else None,
        url=https_url(item.get("link")),
        image_url=cover,
        preview_url=https_url(item.get("preview")),
        provider_id=str(track_id) if track_id > 0 else "",
    )
