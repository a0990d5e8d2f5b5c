"""iTunes Search: covers (600x600) and 30-second previews for one track.

https://performance-partners.apple.com/search-api — no key. Answers JSON served as
``text/javascript``: ``{"resultCount": n, "results": [{trackName, artistName, ...}]}``.
Apple throttles with a 403 (about 20 requests a minute per address), and refuses bad
parameters with a 400 ``{"errorMessage": ...}``.
"""

import re

from . import matching
from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import as_dict, as_list, each, https_url, integer, read_json, readable, text
from .transport import Reply
from .types import TrackInfo

SERVICE = "itunes"
ARTWORK_SIZE = 600
MAX_RESULTS = 200  # Apple's own cap on ``limit``

# "...e70a16c3/17UMGIM98210.rgb.jpg/100x100bb.jpg": Apple renders whatever size the last
# path part asks for.
_ARTWORK_SIZE_PART = re.compile(r"/\d+x\d+(?:bb|cc|sr)?\.(jpg|jpeg|png|webp)$", re.IGNORECASE)


def larger_artwork(url: str, size: int = ARTWORK_SIZE) -> str:
    """Apple's artwork URL rewritten to ``size`` px square; unchanged when not Apple's form."""
    return _ARTWORK_SIZE_PART.sub(lambda m: f"/{size}x{size}bb.{m.group(1).lower()}", url)


class ItunesClient(ServiceClient):
    service = SERVICE

    async def search_track(self, artist: str, title: str, *, limit: int = 10) -> TrackInfo | None:
        """The song that is ``title`` by ``artist``, with cover and preview; None if none is.

        Artist and title go in one term: searching the title alone drowns the right song
        among covers and karaoke versions.
        """
        self._require_enabled()
        term = " ".join(f"{artist} {matching.strip_version(title)}".split())
        if not term:
            return None
        reply = await self.transport.get(
            SERVICE,
            f"{self.config.base_url}/search",
            params={
                "term": term,
                "media": "music",
                "entity": "song",
                "limit": max(1, min(integer(limit, default=10), MAX_RESULTS)),
            },
        )
        payload = _payload(reply)
        with readable(SERVICE):
            tracks = list(each(as_list(payload.get("results")), _track))
        return matching.pick_track(tracks, artist, title)


def _payload(reply: Reply) -> dict:
    if reply.status == 403:
        raise ProviderError(SERVICE, ErrorKind.RATE_LIMITED, "HTTP 403", status=403)
    if reply.status >= 400:
        message = text(_error_message(reply))
        raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, message, status=reply.status)
    payload = read_json(reply)
    if not isinstance(payload, dict) or "results" not in payload:
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no results list")
    return payload


def _error_message(reply: Reply) -> str:
    try:
        return as_dict(reply.json()).get("errorMessage", "")
    except ProviderError:
        return f"HTTP {reply.status}"


def _track(item: dict) -> TrackInfo | None:
    item = as_dict(item)
    if item.get("wrapperType", "track") != "track" or item.get("kind", "song") != "song":
        return None
    name, artist = text(item.get("trackName")), text(item.get("artistName"))
    if not name or not artist:
        return None
    millis = integer(item.get("trackTimeMillis"))
    track_id = integer(item.get("trackId"))
    return TrackInfo(
        name=name,
        artist=artist,
        source=SERVICE,
        album=text(item.get("collectionName")),
        duration=millis / 1000 if millis > 0 else None,
        url=https_url(item.get("trackViewUrl")),
        image_url=larger_artwork(https_url(item.get("artworkUrl100") or item.get("artworkUrl60"))),
        preview_url=https_url(item.get("previewUrl")),
        provider_id=str(track_id) if track_id > 0 else "",
    )
