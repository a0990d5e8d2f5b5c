"""``POST /1/submit-listens``: the body read and held to ListenBrainz's rules.

The rules are ListenBrainz's own (listenbrainz/webserver/views/api_tools.py): at most 1000
listens a request, 10,240 bytes a listen, at most 50 tags of at most 64 characters, MBIDs
that are UUIDs, ``listened_at`` a whole number of seconds between 2002-10-01 and now (plus
the small skew our clock allows). ``single`` and ``playing_now`` carry exactly one listen,
``playing_now`` without ``listened_at``. A request that breaks any rule is refused whole,
before anything is written. The body is JSON whatever the Content-Type says (clients send
text/plain, form types or none).
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from rubysound.catalog import services as catalog_services

from .errors import ListenBrainzError, bad_request

SINGLE, PLAYING_NOW, IMPORT = "single", "playing_now", "import"
LISTEN_TYPES = (SINGLE, PLAYING_NOW, IMPORT)
MAX_LISTENS_PER_REQUEST = 1000
MAX_LISTEN_SIZE = 10240  # bytes of one listen's JSON
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
# The largest body a valid request can have: a full import and its envelope. A body longer
# than this is refused unread.
MAX_BODY_SIZE = MAX_LISTENS_PER_REQUEST * (MAX_LISTEN_SIZE + 2) + 1024
# Names a client can give itself, for the now-playing line ("via Pano Scrobbler").
_CLIENT_FIELDS = ("submission_client", "media_player", "listening_from", "music_service_name")
_SINGLE_MBIDS = ("recording_mbid", "release_mbid", "release_group_mbid", "track_mbid")
_LIST_MBIDS = ("artist_mbids", "work_mbids")


@dataclass(frozen=True)
class Submission:
    listen_type: str
    scrobbles: list  # of catalog_services.Scrobble
    client: str = ""


def read_body(request) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_SIZE:
        raise ListenBrainzError(413, "Payload too large.")
    body = request.read(MAX_BODY_SIZE + 1)
    if len(body) > MAX_BODY_SIZE:
        raise ListenBrainzError(413, "Payload too large.")
    return body


def _parsed(body: bytes):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"Cannot parse JSON document: {exc}") from None
    except RecursionError:  # nested deeper than the decoder goes
        raise bad_request("Cannot parse JSON document: nested too deeply.") from None


def _mbid(value, name: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise bad_request(f"{name} MBID format invalid.")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise bad_request(f"{name} MBID format invalid.") from None


def _text(metadata: dict, name: str, *, required: bool) -> str:
    value = metadata.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"JSON document does not contain required track_metadata.{name}.")
    if "\x00" in value:
        raise bad_request(f"track_metadata.{name} contains a NUL character.")
    return value.strip()


def _duration(info: dict) -> float | None:
    for name, scale in (("duration_ms", 1000), ("duration", 1)):
        value = info.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise bad_request(f"Value for {name} is invalid, should be a positive integer.")
        return value / scale
    return None


def _listened_at(listen: dict, now: datetime) -> datetime:
    value = listen.get("listened_at")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request("JSON document must contain the key listened_at, an integer.")
    if value < int(catalog_services.EARLIEST_LISTEN.timestamp()):
        raise bad_request(
            "Value for key listened_at is too low. listened_at timestamp should be greater "
            f"than {int(catalog_services.EARLIEST_LISTEN.timestamp())}."
        )
    if value > int((now + catalog_services.LISTEN_CLOCK_SKEW).timestamp()):
        raise bad_request("Value for key listened_at is too high.")
    return datetime.fromtimestamp(value, tz=UTC)


def _scrobble(listen, listen_type: str, now: datetime) -> tuple:
    if not isinstance(listen, dict):
        raise bad_request("Invalid JSON document submitted: a listen must be an object.")
    size = len(json.dumps(listen, ensure_ascii=False).encode())
    if size > MAX_LISTEN_SIZE:
        raise bad_request(
            f"JSON document is too large: a listen may not exceed {MAX_LISTEN_SIZE} bytes."
        )
    unknown = set(listen) - {"listened_at", "track_metadata"}
    if unknown:
        raise bad_request(
            "JSON document may only contain listened_at and track_metadata top level keys"
        )
    if listen_type == PLAYING_NOW:
        if "listened_at" in listen:
            raise bad_request(
                "JSON document must not contain listened_at while submitting playing_now."
            )
        listened_at = None
    else:
        listened_at = _listened_at(listen, now)
    metadata = listen.get("track_metadata")
    if not isinstance(metadata, dict):
        raise bad_request("JSON document does not contain required track_metadata.")
    artist = _text(metadata, "artist_name", required=True)
    title = _text(metadata, "track_name", required=True)
    release = _text(metadata, "release_name", required=False)
    info = metadata.get("additional_info", {})
    if info is None:
        info = {}
    if not isinstance(info, dict):
        raise bad_request("track_metadata.additional_info must be an object.")
    tags = info.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise bad_request("track_metadata.additional_info.tags must be a list of strings.")
    if len(tags) > MAX_TAGS_PER_LISTEN:
        raise bad_request(f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} tags.")
    if any(len(tag) > MAX_TAG_SIZE for tag in tags):
        raise bad_request(
            f"JSON document may not contain tags longer than {MAX_TAG_SIZE} characters."
        )
    recording_mbid = None
    for name in _SINGLE_MBIDS:
        if info.get(name) is not None:
            mbid = _mbid(info[name], name)
            if name == "recording_mbid":
                recording_mbid = mbid
    for name in _LIST_MBIDS:
        values = info.get(name)
        if values is None:
            continue
        if not isinstance(values, list):
            raise bad_request(f"{name} must be a list of MBIDs.")
        for value in values:
            _mbid(value, name)
    client = next(
        (info[name] for name in _CLIENT_FIELDS if isinstance(info.get(name), str) and info[name]),
        "",
    )
    scrobble = catalog_services.Scrobble(
        artist=artist,
        title=title,
        release=release,
        listened_at=listened_at,
        recording_mbid=recording_mbid,
        duration=_duration(info),
    )
    return scrobble, client


def parse_submission(body: bytes, *, now: datetime | None = None) -> Submission:
    """The submission in ``body``, or a ListenBrainzError naming the first rule it breaks."""
    now = now or timezone.now()
    document = _parsed(body)
    if not isinstance(document, dict):
        raise bad_request("Invalid JSON document submitted.")
    listen_type = document.get("listen_type")
    payload = document.get("payload")
    if listen_type not in LISTEN_TYPES or not isinstance(payload, list):
        raise bad_request("Invalid JSON document submitted.")
    if not payload:
        raise bad_request("JSON document does not contain any listens.")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise bad_request(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} "
            "listens at once."
        )
    if listen_type in (SINGLE, PLAYING_NOW) and len(payload) != 1:
        raise bad_request("JSON document should contain exactly one listen for this listen_type.")
    parsed = [_scrobble(listen, listen_type, now) for listen in payload]
    return Submission(
        listen_type=listen_type,
        scrobbles=[scrobble for scrobble, _ in parsed],
        client=parsed[0][1],
    )
