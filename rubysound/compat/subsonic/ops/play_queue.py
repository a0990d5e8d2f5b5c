"""Play queue: getPlayQueue, savePlayQueue, and the ``indexBasedQueue`` extension's
getPlayQueueByIndex, savePlayQueueByIndex.

One queue per user, the same one the web player saves and restores (``/api/me/queue/``):
a queue saved on the phone continues in the browser and the reverse. Subsonic has no
versions, so the last save wins; ``changedBy`` is the app's ``c``.
"""

from rubysound.catalog import selectors as catalog
from rubysound.catalog import services as catalog_services
from rubysound.catalog.errors import InvalidPlayQueue

from .. import presenters
from ..errors import Code, SubsonicError, invalid, missing, not_found
from ..ids import Kind, decode, encode
from ..registry import Call, operation
from .browsing import song_rows

EXTENSIONS = [{"name": "indexBasedQueue", "versions": [1]}]


def _position(call: Call) -> int:
    # "If position is empty, servers should treat the position as 0."
    return call.params.int("position", 0, minimum=0) or 0


def _track_ids(call: Call) -> list[int]:
    return [decode(value, Kind.SONG) for value in call.params.list("id") if value != ""]


def _save(save, **kwargs) -> None:
    try:
        save(**kwargs)
    except InvalidPlayQueue as exc:
        raise _protocol_error(exc) from None


def _protocol_error(exc: InvalidPlayQueue) -> SubsonicError:
    fields = exc.fields or {}
    if "track_ids" in fields and "No such" in " ".join(fields["track_ids"]):
        return not_found("Song")
    if "current" in fields:
        return invalid("current")
    reasons = "; ".join(reason for values in fields.values() for reason in values)
    return SubsonicError(Code.GENERIC, reasons or exc.message)


def _queue_body(call: Call, *, by_index: bool) -> dict:
    state = catalog.get_play_queue(call.user)
    # The schema wants a time even for a queue never saved: it has been empty since the
    # account exists.
    changed = state.changed_at or call.user.date_joined
    body = {
        "username": call.user.username,
        "changed": presenters.iso(changed),
        "changedBy": state.changed_by,
        "position": state.position_ms,
        "entry": song_rows(call, state.tracks),
    }
    if state.tracks:
        if by_index:
            body["currentIndex"] = state.current_index
        else:
            body["current"] = encode(Kind.SONG, state.current_track.pk)
    return body


@operation("getPlayQueue")
def get_play_queue(call: Call) -> dict:
    return {"playQueue": _queue_body(call, by_index=False)}


@operation("getPlayQueueByIndex")
def get_play_queue_by_index(call: Call) -> dict:
    return {"playQueueByIndex": _queue_body(call, by_index=True)}


@operation("savePlayQueue")
def save_play_queue(call: Call) -> None:
    track_ids = _track_ids(call)
    current = call.params.get("current") or None
    if track_ids and current is None:
        # OpenSubsonic: "current is required unless id is empty".
        raise missing("current")
    _save(
        catalog_services.save_play_queue_by_track,
        user=call.user,
        track_ids=track_ids,
        current_track_id=decode(current, Kind.SONG) if track_ids and current else None,
        position_ms=_position(call) if track_ids else 0,
        changed_by=call.params.get("c") or "",
    )
    return None


@operation("savePlayQueueByIndex")
def save_play_queue_by_index(call: Call) -> None:
    track_ids = _track_ids(call)
    current_index = call.params.int("currentIndex", minimum=0)
    if track_ids and current_index is None:
        raise missing("currentIndex")
    if track_ids and current_index >= len(track_ids):
        raise invalid("currentIndex")
    _save(
        catalog_services.save_play_queue,
        user=call.user,
        track_ids=track_ids,
        current_index=current_index if track_ids else 0,
        position_ms=_position(call) if track_ids else 0,
        changed_by=call.params.get("c") or "",
    )
    return None
