"""Last.fm (API 2.0, JSON) client: search, charts, tag charts, track info, albums, similar,
and the web authentication that links a user's Last.fm account (``auth.*``).

Last.fm's JSON is a mechanical translation of its XML, which gives it a few habits this module
absorbs so nobody else has to: numbers arrive as strings, a list of one comes as a bare object
(and an empty one as a whitespace string), text sits under ``#text`` keys, names carry HTML
entities, images come as a list of sizes in which a grey star stands for "no image", and
errors arrive as ``{"error": <code>, "message": ...}`` with HTTP 400/403/404, or with 200.
"""

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import as_list, attempt, count, each, https_url, mbid, text
from .transport import Reply
from .types import AlbumInfo, ArtistInfo, TrackInfo

SERVICE = "lastfm"
DEFAULT_ENDPOINT = "https://ws.audioscrobbler.com/2.0/"

# Last.fm's grey star: shown when it has no picture, so for us it is no picture at all.
PLACEHOLDER_IMAGE_ID = "2a96cbd8b46e442fc41c2b86b821562f"
_IMAGE_SIZE_ORDER = {"small": 1, "medium": 2, "large": 3, "extralarge": 4, "mega": 5}

# Bounds we accept before asking; Last.fm answers nonsense (or error 6) beyond them.
MAX_PAGE = 10_000
MAX_LIMIT = 1_000

# https://www.last.fm/api/errorcodes
_ERROR_KINDS = {
    2: ErrorKind.BAD_REQUEST,  # invalid service
    3: ErrorKind.BAD_REQUEST,  # invalid method
    4: ErrorKind.INVALID_KEY,  # authentication failed
    5: ErrorKind.BAD_REQUEST,  # invalid format
    6: ErrorKind.NOT_FOUND,  # invalid parameters: what Last.fm says for "no such thing"
    7: ErrorKind.BAD_REQUEST,  # invalid resource
    8: ErrorKind.UNAVAILABLE,  # operation failed, backend error
    9: ErrorKind.INVALID_KEY,  # invalid session key
    10: ErrorKind.INVALID_KEY,  # invalid API key
    11: ErrorKind.UNAVAILABLE,  # service offline
    13: ErrorKind.BAD_REQUEST,  # invalid method signature
    14: ErrorKind.INVALID_KEY,  # unauthorized token: the user has not approved it (yet)
    15: ErrorKind.INVALID_KEY,  # token expired
    16: ErrorKind.UNAVAILABLE,  # temporary error processing the request
    26: ErrorKind.INVALID_KEY,  # suspended API key
    29: ErrorKind.RATE_LIMITED,  # rate limit exceeded
}


# auth.getSession's answers for a token the user has not approved (14), that expired (15)
# or that Last.fm never issued (4): the user's approval is missing, not our configuration.
TOKEN_REFUSED_CODES = frozenset({4, 14, 15})


class LastFmApiError(ProviderError):
    """An error Last.fm answered in its own body: ``code`` is its error code, for callers
    that tell apart answers of one kind (an unapproved token from a refused API key)."""

    code: int = 0  # what an unpickled error says: the code is not kept

    def __init__(self, *args, code: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code


# Parameters Last.fm leaves out of a call's signature.
_UNSIGNED_PARAMS = frozenset({"format", "callback"})


def signature(params: dict[str, str], secret: str) -> str:
    """``api_sig``: md5 of the parameters sorted by name, each name followed by its value,
    then the application's shared secret (https://www.last.fm/api/authspec)."""
    signed = "".join(
        f"{name}{params[name]}" for name in sorted(params) if name not in _UNSIGNED_PARAMS
    )
    return hashlib.md5((signed + secret).encode()).hexdigest()  # noqa: S324 - Last.fm's scheme


@dataclass(frozen=True)
class LastFmSession:
    """What ``auth.getSession`` gives for a user who approved us: their Last.fm name and
    the session key that scrobbles for them (it does not expire)."""

    account_name: str
    key: str

    def __repr__(self) -> str:
        return f"LastFmSession(account_name={self.account_name!r}, key=[redacted])"


class ResultPage(list):
    """One page of results: a plain list that also knows how many the service has in all.

    ``total`` lets callers paginate (``count`` in our search responses); the list itself is
    what every other client returns, so code that only wants the items needs nothing else.
    """

    def __init__(self, items=(), total: int = 0):
        super().__init__(items)
        self.total = max(total, len(self))


class LastFmClient(ServiceClient):
    service = SERVICE
    needs_key = True

    # --- search ------------------------------------------------------------------------

    async def search_tracks(
        self, query: str, *, artist: str = "", page: int = 1, limit: int = 30
    ) -> ResultPage:
        """track.search: tracks whose title matches ``query`` (optionally by ``artist``)."""
        self._require_enabled()
        query, artist = _clean_arg(query), _clean_arg(artist)
        _check_window(page, limit)
        if not query:
            return ResultPage()
        params = {"track": query, "artist": artist, "page": page}
        return await self._search("track.search", params, "track", _track, limit)

    async def search_artists(self, query: str, *, page: int = 1, limit: int = 30) -> ResultPage:
        """artist.search: artists whose name matches ``query``."""
        self._require_enabled()
        query = _clean_arg(query)
        _check_window(page, limit)
        if not query:
            return ResultPage()
        params = {"artist": query, "page": page}
        return await self._search("artist.search", params, "artist", _artist, limit)

    # --- charts ------------------------------------------------------------------------

    async def top_artists(self, *, page: int = 1, limit: int = 50) -> ResultPage:
        """chart.getTopArtists: the global chart, ranked from 1."""
        self._require_enabled()
        _check_window(page, limit)
        payload = await self._call("chart.getTopArtists", {"page": page, "limit": limit})
        return _chart(_section(payload, "artists"), "artist", _artist, page, limit)

    async def top_tracks(self, *, page: int = 1, limit: int = 50) -> ResultPage:
        """chart.getTopTracks: the global chart, ranked from 1."""
        self._require_enabled()
        _check_window(page, limit)
        payload = await self._call("chart.getTopTracks", {"page": page, "limit": limit})
        return _chart(_section(payload, "tracks"), "track", _track, page, limit)

    async def tag_top_artists(self, tag: str, *, page: int = 1, limit: int = 50) -> ResultPage:
        """tag.getTopArtists: the chart of one tag (a genre, for us)."""
        return await self._tag_chart(
            "tag.getTopArtists", "topartists", "artist", _artist, tag, page, limit
        )

    async def tag_top_tracks(self, tag: str, *, page: int = 1, limit: int = 50) -> ResultPage:
        """tag.getTopTracks: the chart of one tag (a genre, for us)."""
        return await self._tag_chart(
            "tag.getTopTracks", "tracks", "track", _track, tag, page, limit
        )

    # --- lookups -----------------------------------------------------------------------

    async def track_info(
        self, artist: str = "", track: str = "", *, mbid: str = ""
    ) -> TrackInfo | None:
        """track.getInfo by artist and title (or MBID); None when Last.fm does not know it."""
        self._require_enabled()
        artist, track, mbid = _clean_arg(artist), _clean_arg(track), _clean_arg(mbid)
        if not mbid and not (artist and track):
            raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, "artist and track, or mbid")
        params = {"mbid": mbid} if mbid else {"artist": artist, "track": track}
        payload = await self._call_or_none("track.getInfo", {**params, "autocorrect": 1})
        if payload is None:
            return None
        entry = payload.get("track")
        # getInfo reports the duration in milliseconds (the charts use seconds).
        info = _track(entry, duration_unit=1000) if isinstance(entry, dict) else None
        if info is None:
            raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no readable track")
        return info

    async def artist_top_albums(
        self, artist: str = "", *, mbid: str = "", page: int = 1, limit: int = 50
    ) -> ResultPage:
        """artist.getTopAlbums: an artist's albums by play count; empty for an unknown artist."""
        self._require_enabled()
        params = _artist_params(artist, mbid)
        _check_window(page, limit)
        payload = await self._call_or_none(
            "artist.getTopAlbums", {**params, "page": page, "limit": limit, "autocorrect": 1}
        )
        if payload is None:
            return ResultPage()
        section = _section(payload, "topalbums")
        albums = _parse_each(_entries(section, "album"), _album)
        return ResultPage(albums[:limit], total=count(_attr(section).get("total")))

    async def similar_artists(
        self, artist: str = "", *, mbid: str = "", limit: int = 30
    ) -> ResultPage:
        """artist.getSimilar: artists like this one, most similar first, with ``match`` 0..1."""
        self._require_enabled()
        params = _artist_params(artist, mbid)
        _check_window(1, limit)
        payload = await self._call_or_none(
            "artist.getSimilar", {**params, "limit": limit, "autocorrect": 1}
        )
        if payload is None:
            return ResultPage()
        section = _section(payload, "similarartists")
        return ResultPage(_parse_each(_entries(section, "artist"), _artist)[:limit])

    # --- web authentication (linking a user's account) ---------------------------------

    @property
    def can_authenticate(self) -> bool:
        """Whether users can link their account: the service on, with key and secret."""
        return bool(self.config.enabled and self.config.api_key and self.config.api_secret)

    async def auth_token(self) -> str:
        """auth.getToken: a token the user approves at Last.fm (valid for 60 minutes)."""
        payload = await self._signed_call("auth.getToken", {})
        token = _text(payload.get("token"))
        if not token:
            raise ProviderError(SERVICE, ErrorKind.MALFORMED, "no token")
        return token

    def authorization_url(self, token: str, callback: str) -> str:
        """The page at Last.fm where the user approves ``token``; Last.fm then sends them
        to ``callback`` with ``?token=``."""
        query = urlencode({"api_key": self.config.api_key, "token": token, "cb": callback})
        return f"{settings.LASTFM_AUTH_URL}?{query}"

    async def session(self, token: str) -> LastFmSession:
        """auth.getSession: the session of the user who approved ``token``. Last.fm
        answers error 14 while the token is not approved, 15 once it expired and 4 for a
        token it never issued: each a ProviderError of kind INVALID_KEY or BAD_REQUEST
        whose message starts with "error <code>"."""
        payload = await self._signed_call("auth.getSession", {"token": token})
        session = _section(payload, "session")
        name, key = _text(session.get("name")), _text(session.get("key"))
        if not name or not key:
            raise ProviderError(SERVICE, ErrorKind.MALFORMED, "session without name or key")
        return LastFmSession(account_name=name, key=key)

    async def _signed_call(self, method: str, params: dict[str, str]) -> dict:
        if not self.can_authenticate:
            raise ProviderError(SERVICE, ErrorKind.DISABLED)
        query = {**params, "method": method, "api_key": self.config.api_key}
        query["api_sig"] = signature(query, self.config.api_secret)
        query["format"] = "json"
        # Once: a token is used up by the first getSession that succeeds.
        reply = await self.transport.get(SERVICE, self.endpoint, params=query, attempts=1)
        return _payload(reply)

    # --- the request -------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        base = self.config.base_url or DEFAULT_ENDPOINT
        # The API lives at ".../2.0/"; without the slash Last.fm redirects, and we follow none.
        return base.rstrip("/") + "/"

    async def _call(self, method: str, params: dict[str, Any]) -> dict:
        self._require_enabled()
        query = {key: str(value) for key, value in params.items() if value not in ("", None)}
        query.update(method=method, api_key=self.config.api_key, format="json")
        reply = await self.transport.get(SERVICE, self.endpoint, params=query)
        return _payload(reply)

    async def _search(
        self, method: str, params: dict[str, Any], kind: str, parse, limit: int
    ) -> ResultPage:
        """One page of ``kind`` ("track", "artist") matches, with how many there are in all."""
        payload = await self._call(method, {**params, "limit": limit})
        results = _section(payload, "results")
        found = _parse_each(_matches(results, f"{kind}matches", kind), parse)
        return ResultPage(found[:limit], total=count(results.get("opensearch:totalResults")))

    async def _tag_chart(
        self, method: str, section: str, kind: str, parse, tag: Any, page: int, limit: int
    ) -> ResultPage:
        """The chart of one tag; empty for a tag Last.fm does not know."""
        self._require_enabled()
        tag = _clean_arg(tag)
        _check_window(page, limit)
        if not tag:
            raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, "a tag is required")
        payload = await self._call_or_none(method, {"tag": tag, "page": page, "limit": limit})
        if payload is None:
            return ResultPage()
        return _chart(_section(payload, section), kind, parse, page, limit)

    async def _call_or_none(self, method: str, params: dict[str, Any]) -> dict | None:
        """The answer, or None when Last.fm says the artist/track/tag does not exist."""
        try:
            return await self._call(method, params)
        except ProviderError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return None
            raise


# --- reading replies ---------------------------------------------------------------------


def _payload(reply: Reply) -> dict:
    try:
        payload = reply.json()
    except ProviderError:
        if reply.status >= 400:
            raise _http_error(reply.status) from None
        raise
    if isinstance(payload, dict) and "error" in payload:
        code = count(payload.get("error"))
        if not code:
            raise ProviderError(
                SERVICE, ErrorKind.MALFORMED, "unreadable error", status=reply.status
            )
        kind = _ERROR_KINDS.get(code, ErrorKind.BAD_REQUEST)
        message = f"error {code}: {_text(payload.get('message'))}".rstrip(": ")
        raise LastFmApiError(SERVICE, kind, message, status=reply.status, code=code)
    if reply.status >= 400:
        raise _http_error(reply.status)
    if not isinstance(payload, dict):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, "not a JSON object")
    return payload


def _http_error(status: int) -> ProviderError:
    """A 4xx without Last.fm's own error body (a proxy's or CDN's page)."""
    kind = ErrorKind.INVALID_KEY if status in (401, 403) else ErrorKind.BAD_REQUEST
    return ProviderError(SERVICE, kind, f"HTTP {status}", status=status)


def _section(payload: dict, key: str) -> dict:
    section = payload.get(key)
    if not isinstance(section, dict):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, f"no {key!r} object")
    return section


def _entries(section: dict, key: str) -> list[dict]:
    """The items under ``key``: a list, a lone object (a list of one), or nothing."""
    value = section.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if not isinstance(value, dict | list):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, f"{key!r} is a {type(value).__name__}")
    return [item for item in as_list(value) if isinstance(item, dict)]


def _matches(results: dict, container: str, key: str) -> list[dict]:
    """Search matches; Last.fm sends the container as a blank string when nothing matched."""
    matches = results.get(container)
    if matches is None or (isinstance(matches, str) and not matches.strip()):
        return []
    if not isinstance(matches, dict):
        raise ProviderError(SERVICE, ErrorKind.MALFORMED, f"{container!r} is not an object")
    return _entries(matches, key)


def _attr(section: dict) -> dict:
    attr = section.get("@attr")
    return attr if isinstance(attr, dict) else {}


def _chart(section: dict, key: str, parse, page: int, limit: int) -> ResultPage:
    attr = _attr(section)
    # Rank by position where the service gives none (chart.* has no rank, tag.* has).
    first_rank = ((count(attr.get("page")) or page) - 1) * (count(attr.get("perPage")) or limit) + 1
    items = []
    for position, entry in enumerate(_entries(section, key), start=first_rank):
        item = attempt(parse, entry, position=position)
        if item is not None:
            items.append(item)
    return ResultPage(items[:limit], total=count(attr.get("total")))


def _parse_each(entries: list[dict], parse) -> list:
    return list(each(entries, parse))


def _track(entry: dict, *, position: int | None = None, duration_unit: int = 1) -> TrackInfo | None:
    name = _text(entry.get("name"))
    artist, artist_mbid = _artist_ref(entry.get("artist"))
    if not name or not artist:
        return None
    album_title, album_image = "", ""
    album = entry.get("album")
    if isinstance(album, dict):
        album_title = _text(album.get("title")) or _text(album.get("#text"))
        album_image = _best_image(album.get("image"))
    return TrackInfo(
        name=name,
        artist=artist,
        source=SERVICE,
        listeners=count(entry.get("listeners")),
        playcount=count(entry.get("playcount")),
        mbid=_mbid(entry.get("mbid")),
        artist_mbid=artist_mbid,
        album=album_title,
        duration=_duration(entry.get("duration"), duration_unit),
        url=https_url(entry.get("url")),
        image_url=_best_image(entry.get("image")) or album_image,
        tags=_tags(entry.get("toptags")),
        rank=_rank(entry, position),
    )


def _artist(entry: dict, *, position: int | None = None) -> ArtistInfo | None:
    name = _text(entry.get("name"))
    if not name:
        return None
    return ArtistInfo(
        name=name,
        source=SERVICE,
        listeners=count(entry.get("listeners")),
        playcount=count(entry.get("playcount")),
        mbid=_mbid(entry.get("mbid")),
        url=https_url(entry.get("url")),
        image_url=_best_image(entry.get("image")),
        rank=_rank(entry, position),
        match=_match(entry.get("match")),
    )


def _album(entry: dict) -> AlbumInfo | None:
    title = _text(entry.get("name")) or _text(entry.get("title"))
    artist, _ = _artist_ref(entry.get("artist"))
    # Last.fm lists scrobbles without an album under the literal title "(null)".
    if not title or title.lower() == "(null)" or not artist:
        return None
    return AlbumInfo(
        title=title,
        artist=artist,
        source=SERVICE,
        playcount=count(entry.get("playcount")),
        mbid=_mbid(entry.get("mbid")),
        url=https_url(entry.get("url")),
        image_url=_best_image(entry.get("image")),
    )


# --- reading values ----------------------------------------------------------------------


def _text(value: Any) -> str:
    """Text, also from the ``{"#text": ...}`` objects of Last.fm's XML-shaped JSON."""
    if isinstance(value, dict):
        return text(value.get("#text"))
    return text(value)


def _duration(value: Any, unit: int) -> float | None:
    amount = count(value)
    # "0" is how Last.fm says it does not know.
    return amount / unit if amount else None


def _match(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        match = float(value)
    except (TypeError, ValueError):
        return None
    if match != match:  # NaN
        return None
    return min(max(match, 0.0), 1.0)


def _rank(entry: dict, position: int | None) -> int | None:
    attr = entry.get("@attr")
    if isinstance(attr, dict) and (rank := count(attr.get("rank"))) > 0:
        return rank
    return position


def _mbid(value: Any) -> str:
    return mbid(_text(value))


def _best_image(images: Any) -> str:
    """The largest real image of a Last.fm size list ("" when there is only the star)."""
    best_url, best_size = "", -1
    for image in as_list(images):
        if not isinstance(image, dict):
            continue
        url = https_url(image.get("#text"))
        if not url or PLACEHOLDER_IMAGE_ID in url:
            continue
        size = _IMAGE_SIZE_ORDER.get(_text(image.get("size")).lower(), 0)
        if size > best_size:
            best_url, best_size = url, size
    return best_url


def _artist_ref(value: Any) -> tuple[str, str]:
    """(name, mbid) of an artist given as a plain name or as an object."""
    if isinstance(value, dict):
        return _text(value.get("name")) or _text(value.get("#text")), _mbid(value.get("mbid"))
    return _text(value), ""


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, dict):
        return ()
    try:
        entries = _entries(value, "tag")
    except ProviderError:
        return ()
    return tuple(name for entry in entries if (name := _text(entry.get("name"))))


# --- checking arguments ------------------------------------------------------------------


def _clean_arg(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_window(page: Any, limit: Any) -> None:
    for name, value, highest in (("page", page, MAX_PAGE), ("limit", limit, MAX_LIMIT)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
            raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, f"{name} must be 1..{highest}")


def _artist_params(artist: Any, mbid: Any) -> dict[str, str]:
    artist, mbid = _clean_arg(artist), _clean_arg(mbid)
    if mbid:
        return {"mbid": mbid}
    if artist:
        return {"artist": artist}
    raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, "an artist name or mbid is required")
