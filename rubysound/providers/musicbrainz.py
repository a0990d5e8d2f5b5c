"""MusicBrainz: recordings and artists by name (search) and by MBID (lookup).

https://musicbrainz.org/doc/MusicBrainz_API — no key, JSON with ``fmt=json``. Its rules:
at most one request a second per client (REQUESTS_PER_SECOND below; the transport spaces
the requests, see ``limits.py``) and a User-Agent naming the application and a contact
(the transport sends ours). A client over the limit gets a 503 with
``{"error": "Your requests are exceeding the allowable rate limit..."}`` (RATE_LIMITED; a
503 without that body is the site being down: UNAVAILABLE); an unknown MBID a
404 ``{"error": "Not Found"}``; a malformed one a 400 ``{"error": "Invalid mbid."}``.
"""

import contextlib
import json
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import (
    as_dict,
    as_list,
    each,
    integer,
    json_object,
    readable,
    seconds_from_millis,
    text,
)
from .parsing import mbid as normalise_mbid  # also for the callers that look up MBIDs
from .transport import Reply
from .types import ArtistRecord, Recording

SERVICE = "musicbrainz"
T = TypeVar("T")
# What MusicBrainz allows one client; the transport's PROVIDERS_MIN_INTERVAL_SECONDS for
# "musicbrainz" must stay at 1 / this or above.
REQUESTS_PER_SECOND = 1
MAX_RESULTS = 100

_RATE_LIMIT_WORDS = re.compile(r"rate[ -]?limit", re.IGNORECASE)
# Lucene's special characters (https://lucene.apache.org/core/4_3_0/queryparser/...):
# escaped with a backslash even inside a phrase, so no name can change the query.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_phrase(value: str) -> str:
    """``value`` as one quoted Lucene phrase, its special characters escaped."""
    return '"' + _LUCENE_SPECIAL.sub(r"\\\1", " ".join(str(value).split())) + '"'


class MusicBrainzClient(ServiceClient):
    service = SERVICE

    async def search_recordings(
        self, title: str, artist: str = "", *, limit: int = 10
    ) -> list[Recording]:
        """Recordings called ``title`` (by ``artist`` when given), best score first."""
        self._require_enabled()
        if not title.strip():
            return []
        query = f"recording:{lucene_phrase(title)}"
        if artist.strip():
            query += f" AND artist:{lucene_phrase(artist)}"
        return await self._search("recording", query, limit, _recording)

    async def search_artists(self, name: str, *, limit: int = 10) -> list[ArtistRecord]:
        """Artists called ``name``, best score first."""
        self._require_enabled()
        if not name.strip():
            return []
        return await self._search("artist", f"artist:{lucene_phrase(name)}", limit, _artist)

    async def recording(self, mbid: str) -> Recording | None:
        """The recording with this MBID (with its artists, releases and ISRCs), or None."""
        return await self._lookup("recording", mbid, "artists releases isrcs", _recording)

    async def artist(self, mbid: str) -> ArtistRecord | None:
        """The artist with this MBID (with its tags), or None."""
        return await self._lookup("artist", mbid, "tags", _artist)

    async def _search(
        self, entity: str, query: str, limit: int, parse: Callable[[dict], T | None]
    ) -> list[T]:
        """The readable ``entity`` items found by ``query``, best score first."""
        reply = await self._get(
            f"/{entity}",
            {
                "query": query,
                "limit": max(1, min(integer(limit, default=10), MAX_RESULTS)),
                "fmt": "json",
            },
        )
        payload = _payload(reply)
        if payload is None:
            return []
        items = payload.get(f"{entity}s")
        if not isinstance(items, list):
            raise ProviderError(SERVICE, ErrorKind.MALFORMED, f"no {entity}s list")
        with readable(SERVICE):
            return list(each(items, parse))

    async def _lookup(
        self, entity: str, mbid: str, includes: str, parse: Callable[[dict], T | None]
    ) -> T | None:
        """The ``entity`` with this MBID, or None when MusicBrainz knows none."""
        self._require_enabled()
        canonical = normalise_mbid(mbid)
        if not canonical:
            # Refused here: asking would spend our one request a second on a sure 400.
            raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, "invalid MBID")
        reply = await self._get(f"/{entity}/{quote(canonical)}", {"inc": includes, "fmt": "json"})
        payload = _payload(reply)
        if payload is None:
            return None
        with readable(SERVICE):
            found = parse(payload)
        if found is None:
            raise ProviderError(SERVICE, ErrorKind.MALFORMED, f"no {entity} id or name")
        return found

    async def _get(self, path: str, params: dict) -> Reply:
        try:
            return await self.transport.get(SERVICE, f"{self.config.base_url}{path}", params=params)
        except ProviderError as error:
            if is_rate_limit_reply(error.status, error.body):
                raise ProviderError(
                    SERVICE, ErrorKind.RATE_LIMITED, error.message, status=error.status
                ) from None
            raise


def is_rate_limit_reply(status: int, body: bytes) -> bool:
    """Whether a 503 is MusicBrainz slowing us down rather than being down.

    Over its rate limit MusicBrainz answers 503 (not 429) with its own error body, JSON
    ``{"error": "Your requests are exceeding the allowable rate limit..."}`` (or the same
    text in XML); a server that is down or in maintenance answers 503 with a proxy's HTML
    page. Only the first is RATE_LIMITED; the second stays UNAVAILABLE.
    """
    if status != 503 or not body:
        return False
    message = body[: ProviderError.BODY_KEPT_BYTES].decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError):  # not JSON: a page or XML, read as text
        message = text(as_dict(json.loads(message)).get("error")) or message
    return _RATE_LIMIT_WORDS.search(message) is not None


def _payload(reply: Reply) -> dict | None:
    """The JSON object of a reply; None for a 404 (no such entity)."""
    if reply.status == 404:
        return None
    if reply.status >= 400:
        message = _error_message(reply)
        kind = ErrorKind.INVALID_KEY if reply.status in (401, 403) else ErrorKind.BAD_REQUEST
        raise ProviderError(SERVICE, kind, message, status=reply.status)
    return json_object(reply)


def _error_message(reply: Reply) -> str:
    try:
        return text(as_dict(reply.json()).get("error")) or f"HTTP {reply.status}"
    except ProviderError:
        return f"HTTP {reply.status}"


def _credit(credits: list) -> tuple[str, str]:
    """The credited artist line ("Queen & David Bowie") and the first artist's MBID."""
    line, first_mbid = "", ""
    for credit in credits:
        credit = as_dict(credit)
        artist = as_dict(credit.get("artist"))
        name = text(credit.get("name")) or text(artist.get("name"))
        if not name:
            continue
        first_mbid = first_mbid or normalise_mbid(text(artist.get("id")))
        # joinphrase carries its own spacing (" & ", " feat. "): kept as sent.
        joinphrase = credit.get("joinphrase")
        line += name + (joinphrase if isinstance(joinphrase, str) else "")
    return " ".join(line.split()), first_mbid


def _release(releases: list) -> tuple[str, str]:
    """The release to show: the first official one, else the first."""
    readable_releases = [as_dict(r) for r in releases if text(as_dict(r).get("title"))]
    official = [r for r in readable_releases if text(r.get("status")).lower() == "official"]
    chosen = (official or readable_releases or [{}])[0]
    return text(chosen.get("title")), normalise_mbid(text(chosen.get("id")))


def _recording(item: dict) -> Recording | None:
    item = as_dict(item)
    mbid, title = normalise_mbid(text(item.get("id"))), text(item.get("title"))
    if not mbid or not title:
        return None
    artist, artist_mbid = _credit(as_list(item.get("artist-credit")))
    release, release_mbid = _release(as_list(item.get("releases")))
    return Recording(
        mbid=mbid,
        title=title,
        artist=artist,
        artist_mbid=artist_mbid,
        duration=seconds_from_millis(item.get("length")),
        release=release,
        release_mbid=release_mbid,
        score=_score(item),
        isrcs=tuple(code for code in (text(i) for i in as_list(item.get("isrcs"))) if code),
    )


def _artist(item: dict) -> ArtistRecord | None:
    item = as_dict(item)
    mbid, name = normalise_mbid(text(item.get("id"))), text(item.get("name"))
    if not mbid or not name:
        return None
    tags = sorted(
        (as_dict(tag) for tag in as_list(item.get("tags"))),
        key=lambda tag: -integer(tag.get("count")),
    )
    return ArtistRecord(
        mbid=mbid,
        name=name,
        sort_name=text(item.get("sort-name")),
        country=text(item.get("country")),
        kind=text(item.get("type")),
        disambiguation=text(item.get("disambiguation")),
        score=_score(item),
        tags=tuple(name for name in (text(tag.get("name")) for tag in tags) if name),
    )


def _score(item: dict) -> int:
    # "score" in the JSON web service; "ext:score" in older (XML-derived) answers.
    return max(0, min(100, integer(item.get("score", item.get("ext:score")))))
