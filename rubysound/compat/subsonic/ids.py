"""Subsonic ids: strings with a kind prefix, so an artist, an album, a song and a playlist
never share one (``ar-12``, ``al-34``, ``tr-56``, ``pl-7``). A malformed id, or one of
another kind than asked, is "not found" (70), like an unknown one."""

import re
from enum import StrEnum

from .errors import not_found

# The primary keys are BigAutoFields: a longer number can name nothing.
_ID = re.compile(r"^(ar|al|tr|pl)-([1-9][0-9]{0,17})$")


class Kind(StrEnum):
    ARTIST = "ar"
    ALBUM = "al"
    SONG = "tr"
    PLAYLIST = "pl"


def encode(kind: Kind, pk: int) -> str:
    return f"{kind}-{pk}"


def parse(value: str | None) -> tuple[Kind, int]:
    match = _ID.match(value or "")
    if match is None:
        raise not_found()
    return Kind(match.group(1)), int(match.group(2))


def decode(value: str | None, *kinds: Kind) -> int:
    kind, pk = parse(value)
    if kind not in kinds:
        raise not_found()
    return pk
