"""TheAudioDB: artist photos, by MusicBrainz id first and by name second.

https://www.theaudiodb.com/free_music_api — the key is part of the path
(``/api/v1/json/{key}/search.php?s=``). Answers ``{"artists": [{...}]}``, or
``{"artists": null}`` when there is no such artist; images may be null or "".
"""

from urllib.parse import quote

from . import matching
from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .musicbrainz import normalise_mbid
from .parsing import as_dict, as_list, each, https_url, read_json, readable, text
from .transport import Reply
from .types import ArtistPhoto

SERVICE = "theaudiodb"


class TheAudioDbClient(ServiceClient):
    service = SERVICE
    needs_key = True

    async def artist_photo(self, name: str, mbid: str = "") -> ArtistPhoto | None:
        """The artist's photo: looked up by ``mbid`` when one is given (exact), then by
        ``name`` (the artist whose name matches). None when neither finds one."""
        self._require_enabled()
        mbid = normalise_mbid(mbid)
        if mbid:
            artists = await self._artists("artist-mb.php", {"i": mbid})
            photo = next((a for a in artists if a.image_url), None)
            if photo is not None:
                return photo
        if not name.strip():
            return None
        artists = await self._artists("search.php", {"s": name.strip()})
        return next(
            (a for a in artists if a.image_url and matching.same_artist(a.artist, name)), None
        )

    async def _artists(self, endpoint: str, params: dict[str, str]) -> list[ArtistPhoto]:
        key = quote(self.config.api_key, safe="")
        reply = await self.transport.get(
            SERVICE, f"{self.config.base_url}/{key}/{endpoint}", params=params
        )
        payload = _payload(reply)
        with readable(SERVICE):
            return list(each(as_list(payload.get("artists")), _photo))


def _payload(reply: Reply) -> dict:
    # The key is in the path: a wrong one is a path the site does not know.
    if reply.status in (401, 403, 404):
        raise ProviderError(
            SERVICE, ErrorKind.INVALID_KEY, f"HTTP {reply.status}", status=reply.status
        )
    if reply.status >= 400:
        raise ProviderError(
            SERVICE, ErrorKind.BAD_REQUEST, f"HTTP {reply.status}", status=reply.status
        )
    payload = read_json(reply)
    if not isinstance(payload, dict) or "artists" not in payload:
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no artists list")
    return payload


def _photo(item: dict) -> ArtistPhoto | None:
    item = as_dict(item)
    name = text(item.get("strArtist"))
    if not name:
        return None
    thumb = https_url(item.get("strArtistThumb"))
    fanart = https_url(item.get("strArtistFanart"))
    return ArtistPhoto(
        artist=name,
        image_url=thumb or fanart,
        source=SERVICE,
        mbid=normalise_mbid(text(item.get("strMusicBrainzID"))),
        # TheAudioDB serves a smaller rendition of any image under "<url>/preview".
        thumbnail_url=f"{thumb}/preview" if thumb else "",
        banner_url=https_url(item.get("strArtistBanner")),
    )
