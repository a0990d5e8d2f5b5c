"""Reading a client's WebSocket frame: a JSON object, bounded in size and depth.

Every check runs before or while the frame is parsed, so no frame costs more than its size:
the size first, then the nesting depth (one pass over the text, only for frames with enough
brackets to exceed it), then the parse itself, whose own limits (Python's cap on the digits
of an integer) come out as a bad frame like any other malformed input.
"""

import json

# Our frames are small flat objects (``{"action": "watch_user", "user_id": 7}``); these
# leave room to grow without letting one frame cost real work.
MAX_FRAME_CHARACTERS = 8192
MAX_FRAME_DEPTH = 16

BINARY_FRAME = "Send JSON text frames."
NOT_AN_OBJECT = "Frames must be JSON objects."
TOO_LARGE = f"Frames are limited to {MAX_FRAME_CHARACTERS} characters."
TOO_DEEP = f"Frames may nest at most {MAX_FRAME_DEPTH} levels deep."


class BadFrame(Exception):
    """A frame this socket cannot act on; the message is the ``detail`` the client gets."""


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON, though Python's parser takes them.
    raise ValueError(name)


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the arrays and objects of this JSON text nest deeper than ``limit``.

    Brackets inside strings are text; the text need not be valid JSON (the parser decides
    that afterwards, within bounds this makes sure of).
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > limit:
                return True
        elif character in "]}":
            depth -= 1
    return False


def decode_frame(text: str | None) -> dict:
    """The frame as a dict, or BadFrame saying what is wrong with it (``None``: binary)."""
    if text is None:
        raise BadFrame(BINARY_FRAME)
    if len(text) > MAX_FRAME_CHARACTERS:
        raise BadFrame(TOO_LARGE)
    if nesting_exceeds(text, MAX_FRAME_DEPTH):
        raise BadFrame(TOO_DEEP)
    try:
        content = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        # Malformed JSON, and integers past Python's digit limit, alike.
        raise BadFrame(NOT_AN_OBJECT) from None
    if not isinstance(content, dict):
        raise BadFrame(NOT_AN_OBJECT)
    return content
