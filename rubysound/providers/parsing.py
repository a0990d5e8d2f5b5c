"""Defensive readers for service payloads: the same few traps, met once.

Services send numbers as strings ("1234", "1,234", ""), a single object where a list is
expected, null for empty, HTML entities in names, http:// links to https-capable hosts.
These helpers turn each into our plain values without ever raising; ``readable`` turns
whatever does raise while a payload is read into a MALFORMED ProviderError.
"""

import html
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .errors import ErrorKind, ProviderError
from .transport import Reply

T = TypeVar("T")

# What reading an unexpected shape raises (a missing key, None where a dict was, a number
# too big for a float, ...).
PARSE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)
# Above this a "count" is junk, not a count (and would not fit a database bigint).
MAX_COUNT = 2**63 - 1
_MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def text(value: Any) -> str:
    """A clean string: entities decoded, spacing trimmed; "" for anything not textual."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(value).split())


def integer(value: Any, default: int = 0) -> int:
    """An int from 12, 12.0, "12", "1,234", " 12 "; ``default`` for anything else."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else default
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("_", "")
        try:
            return int(cleaned)
        except ValueError:
            try:
                number = float(cleaned)
            except ValueError:
                return default
            return int(number) if math.isfinite(number) else default
    return default


def count(value: Any) -> int:
    """A count (listeners, plays): ``integer`` when it is 0..MAX_COUNT, else 0."""
    number = integer(value)
    return number if 0 <= number <= MAX_COUNT else 0


def mbid(value: Any) -> str:
    """A MusicBrainz id in canonical lower case, or "" when ``value`` is not a well-formed
    one: results are merged on it, so junk must not pass."""
    candidate = str(value or "").strip().lower()
    return candidate if _MBID.fullmatch(candidate) else ""


def seconds_from_millis(value: Any) -> float | None:
    millis = integer(value, default=-1)
    return millis / 1000 if millis > 0 else None


def as_list(value: Any) -> list:
    """A list from a list, a lone object, or nothing."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def https_url(value: Any) -> str:
    """An https URL, upgrading http:// (every host we read serves both); "" otherwise."""
    url = text(value)
    if url.startswith("//"):  # protocol-relative, as Wikimedia writes thumbnails
        url = "https:" + url
    if url.lower().startswith("http://"):
        url = "https://" + url[len("http://") :]
    return url if url.lower().startswith("https://") and len(url) > len("https://") else ""


def read_json(reply: Reply) -> Any:
    """The reply's JSON, honouring a declared non-UTF-8 charset; MALFORMED when unreadable."""
    declared = _declared_charset(reply)
    if declared in ("", "utf-8", "utf8"):
        return reply.json()
    try:
        return json.loads(reply.text().lstrip("\ufeff"))
    except (ValueError, LookupError):
        raise ProviderError(reply.service, ErrorKind.MALFORMED, "not JSON") from None


def json_object(reply: Reply) -> dict:
    """The JSON object of a successful reply: an error status is BAD_REQUEST ("HTTP <status>"),
    a body that is not a JSON object MALFORMED."""
    if reply.status >= 400:
        raise ProviderError(
            reply.service, ErrorKind.BAD_REQUEST, f"HTTP {reply.status}", status=reply.status
        )
    payload = read_json(reply)
    if not isinstance(payload, dict):
        raise ProviderError(reply.service, ErrorKind.MALFORMED, "not an object")
    return payload


def _declared_charset(reply: Reply) -> str:
    for part in reply.headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def attempt(parse_one: Callable[..., T | None], item: Any, **options: Any) -> T | None:
    """``parse_one(item, **options)``, or None when it cannot read the item: one odd item
    must not cost the whole list."""
    try:
        return parse_one(item, **options)
    except PARSE_ERRORS:
        return None


def each(items: Iterable[Any], parse_one: Callable[[Any], T | None]) -> Iterator[T]:
    """``parse_one`` over ``items``, skipping the items it cannot read or rejects (None)."""
    for item in items:
        parsed = attempt(parse_one, item)
        if parsed is not None:
            yield parsed


@contextmanager
def readable(service: str):
    """Any parsing exception inside becomes ProviderError(MALFORMED)."""
    try:
        yield
    except PARSE_ERRORS as exc:
        raise ProviderError(service, ErrorKind.MALFORMED, type(exc).__name__) from None
