"""``/2.0/``: one entry point, the method named by ``method`` (as Last.fm's API). Parameters
come from the query string and the form body alike. Every answer is Last.fm's: XML by
default, JSON with ``format=json``; every refusal is a Last.fm error code.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from rubysound.core.http.caching import private

from . import auth
from .errors import AudioscrobblerError, Code, invalid
from .rendering import Element, failed, ok

logger = logging.getLogger("rubysound.compat.audioscrobbler")

MAX_SCROBBLES_PER_REQUEST = 50
# Last.fm's reasons for ignoring one scrobble of a batch (the others are recorded).
IGNORED_ARTIST = 1
IGNORED_TRACK = 2
IGNORED_TOO_OLD = 3
IGNORED_TOO_NEW = 4
IGNORED_MESSAGES = {
    IGNORED_ARTIST: "Artist was ignored",
    IGNORED_TRACK: "Track was ignored",
    IGNORED_TOO_OLD: "Timestamp was too old",
    IGNORED_TOO_NEW: "Timestamp was too new",
}
# Longer values are no name; the entry is ignored.
_MAX_NAME_LENGTH = 1024
_INDEXED = re.compile(r"^([A-Za-z]+)\[(\d{1,3})\]$")


# A full batch with every optional field (9 a scrobble) and the call's own: far more than
# Django's DATA_UPLOAD_MAX_NUMBER_FIELDS allows a form, so the body is read here.
MAX_FIELDS = MAX_SCROBBLES_PER_REQUEST * 12 + 20


class Params:
    """The request's parameters: the query string, then the form body (whatever its
    Content-Type says, as clients differ)."""

    def __init__(self, request):
        self.values: dict[str, str] = {}
        sources = [request.META.get("QUERY_STRING", "")]
        multipart = request.content_type == "multipart/form-data"
        try:
            if request.method == "POST" and not multipart:
                sources.append(request.body.decode("utf-8"))
            for source in sources:
                self.values.update(
                    parse_qsl(source, keep_blank_values=True, max_num_fields=MAX_FIELDS)
                )
            if request.method == "POST" and multipart:  # rare; Django's form limits apply
                self.values.update(request.POST.items())
        except (RequestDataTooBig, TooManyFieldsSent):
            raise invalid("Invalid parameters - the request is too large") from None
        except UnicodeDecodeError:
            raise invalid("Invalid parameters - the body is not UTF-8") from None
        except ValueError:  # parse_qsl: more fields than any call has
            raise invalid("Invalid parameters - too many parameters") from None

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is not None and "\x00" in value:
            raise invalid(f"Invalid parameters - {name} contains a NUL character")
        return value


def _text(value: str | None) -> str:
    return (value or "").strip()


def _duration(value: str | None) -> float | None:
    try:
        seconds = int(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None


def _mbid(value: str | None) -> uuid.UUID | None:
    # Last.fm ignores an MBID it cannot read rather than the scrobble.
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _corrected(text: str) -> Element:
    return Element(text=text, attrs={"corrected": "0"})


@dataclass
class _Entry:
    artist: str
    track: str
    album: str
    album_artist: str
    timestamp: str
    ignored: int = 0
    scrobble: object = None


def _entries(params: Params) -> list[_Entry]:
    indexed: dict[int, dict[str, str]] = {}
    for key in params.values:
        match = _INDEXED.match(key)
        if match:
            indexed.setdefault(int(match.group(2)), {})[match.group(1)] = params.get(key)
    if not indexed and params.get("artist") is not None:  # one scrobble, unindexed
        indexed[0] = {
            name: params.get(name)
            for name in ("artist", "track", "timestamp", "album", "albumArtist", "duration", "mbid")
            if params.get(name) is not None
        }
    if not indexed:
        raise invalid("Invalid parameters - artist[0], track[0] and timestamp[0] are required")
    if len(indexed) > MAX_SCROBBLES_PER_REQUEST or max(indexed) >= MAX_SCROBBLES_PER_REQUEST:
        raise invalid(
            f"Invalid parameters - at most {MAX_SCROBBLES_PER_REQUEST} scrobbles a request "
            f"(indexes 0 to {MAX_SCROBBLES_PER_REQUEST - 1})"
        )
    now = timezone.now()
    entries = []
    for index in sorted(indexed):
        fields = indexed[index]
        entry = _Entry(
            artist=_text(fields.get("artist")),
            track=_text(fields.get("track")),
            album=_text(fields.get("album")),
            album_artist=_text(fields.get("albumArtist")),
            timestamp=_text(fields.get("timestamp")),
        )
        entries.append(entry)
        if not entry.artist or len(entry.artist) > _MAX_NAME_LENGTH:
            entry.ignored = IGNORED_ARTIST
            continue
        if not entry.track or len(entry.track) > _MAX_NAME_LENGTH:
            entry.ignored = IGNORED_TRACK
            continue
        try:
            seconds = int(entry.timestamp)
            listened_at = datetime.fromtimestamp(seconds, tz=UTC)
        except (ValueError, OverflowError, OSError):
            entry.ignored = IGNORED_TOO_OLD
            continue
        if listened_at < catalog_services.EARLIEST_LISTEN:
            entry.ignored = IGNORED_TOO_OLD
            continue
        if listened_at > now + catalog_services.LISTEN_CLOCK_SKEW:
            entry.ignored = IGNORED_TOO_NEW
            continue
        entry.scrobble = catalog_services.Scrobble(
            artist=entry.artist,
            title=entry.track,
            release=entry.album[:_MAX_NAME_LENGTH],
            listened_at=listened_at,
            recording_mbid=_mbid(fields.get("mbid")),
            duration=_duration(fields.get("duration")),
        )
    return entries


def _scrobble_element(entry: _Entry) -> Element:
    return Element(
        children={
            "track": _corrected(entry.track),
            "artist": _corrected(entry.artist),
            "album": _corrected(entry.album),
            "albumArtist": _corrected(entry.album_artist),
            "timestamp": entry.timestamp,
            "ignoredMessage": Element(
                text=IGNORED_MESSAGES.get(entry.ignored, ""), attrs={"code": entry.ignored}
            ),
        }
    )


def get_mobile_session(request, params: Params) -> dict:
    user, key = auth.mobile_session(
        request,
        _text(params.get("username")),
        password=params.get("password"),
        auth_token=params.get("authToken"),
    )
    return {"session": {"name": user.username, "key": key, "subscriber": 0}}


def update_now_playing(request, params: Params) -> dict:
    user = auth.session_user(params.get("sk"))
    artist, track = _text(params.get("artist")), _text(params.get("track"))
    if not artist or not track:
        raise invalid("Invalid parameters - artist and track are required")
    if len(artist) > _MAX_NAME_LENGTH or len(track) > _MAX_NAME_LENGTH:
        raise invalid("Invalid parameters - artist or track too long")
    album = _text(params.get("album"))
    catalog_services.set_now_playing_scrobble(
        user,
        catalog_services.Scrobble(
            artist=artist,
            title=track,
            release=album[:_MAX_NAME_LENGTH],
            recording_mbid=_mbid(params.get("mbid")),
            duration=_duration(params.get("duration")),
        ),
        source=Listen.Source.AUDIOSCROBBLER,
    )
    return {
        "nowplaying": {
            "track": _corrected(track),
            "artist": _corrected(artist),
            "album": _corrected(album),
            "albumArtist": _corrected(_text(params.get("albumArtist"))),
            "ignoredMessage": Element(text="", attrs={"code": 0}),
        }
    }


def scrobble(request, params: Params) -> dict:
    user = auth.session_user(params.get("sk"))
    entries = _entries(params)
    accepted = [entry.scrobble for entry in entries if entry.scrobble is not None]
    if accepted:
        try:
            catalog_services.record_scrobbles(user, accepted, source=Listen.Source.AUDIOSCROBBLER)
        except ValidationError:  # the clock moved between reading and writing
            raise invalid("Invalid parameters - a timestamp is out of range") from None
    ignored = len(entries) - len(accepted)
    logger.info(
        "scrobbles submitted",
        extra={"user_id": user.pk, "accepted": len(accepted), "ignored": ignored},
    )
    return {
        "scrobbles": Element(
            attrs={"accepted": len(accepted), "ignored": ignored},
            children={"scrobble": [_scrobble_element(entry) for entry in entries]},
        )
    }


# Last.fm's method names are case-insensitive.
METHODS = {
    "auth.getmobilesession": get_mobile_session,
    "track.updatenowplaying": update_now_playing,
    "track.scrobble": scrobble,
}


@csrf_exempt
@private
def endpoint(request):
    fmt = "xml"
    try:
        if request.method not in ("GET", "POST"):
            raise AudioscrobblerError(Code.INVALID_METHOD, "Invalid Method - use GET or POST")
        params = Params(request)
        fmt = "json" if params.values.get("format") == "json" else "xml"
        handler = METHODS.get((params.get("method") or "").lower())
        if handler is None:
            raise AudioscrobblerError(
                Code.INVALID_METHOD, "Invalid Method - No method with that name in this package"
            )
        if request.method != "POST":
            raise AudioscrobblerError(
                Code.INVALID_METHOD, "Invalid Method - This method must be called with POST"
            )
        if not params.get("api_key"):
            raise AudioscrobblerError(
                Code.INVALID_API_KEY, "Invalid API key - api_key is required (any value)"
            )
        # Each handler's writes are one transaction of the catalog's; a failed sign-in's
        # record for the lockout must not be rolled back with an outer one.
        return ok(handler(request, params), fmt)
    except AudioscrobblerError as error:
        return failed(error, fmt)
