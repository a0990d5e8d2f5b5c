"""A user's one play queue on the server: what the web player restores after a reload or on
another browser, and what the Subsonic apps save and restore (``savePlayQueue``,
``savePlayQueueByIndex``, ``getPlayQueue``, ``getPlayQueueByIndex``).

Writes: ``save_play_queue`` (the current track by index: the web player,
``savePlayQueueByIndex``) and ``save_play_queue_by_track`` (by track id: ``savePlayQueue``)
replace the whole queue in one transaction, or refuse it and change nothing. Read:
``get_play_queue``, in two queries (three with the track cards' numbers).

Concurrency: each save bumps ``version``. A caller that passes ``expected_version`` (the
JSON API always does, from If-Match) has the save refused with ``PlayQueueChanged`` when
another device saved in between; the bump is one conditional UPDATE, so of two concurrent
saves of the same version exactly one wins on every backend. Subsonic has no versions and
passes none: the last save wins, as the protocol says.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rubysound.catalog.errors import InvalidPlayQueue, PlayQueueChanged
from rubysound.catalog.models import PlayQueue, PlayQueueEntry, Track

logger = logging.getLogger("rubysound.play_queue")

# The most tracks a queue holds: a whole large album collection is far below it, and both the
# save and the read stay a bounded amount of work.
MAX_QUEUE_TRACKS = 1000
CHANGED_BY_MAX_LENGTH = PlayQueue._meta.get_field("changed_by").max_length
# A position beyond a day into a track is a client bug (seconds sent as microseconds).
MAX_POSITION_MS = 24 * 60 * 60 * 1000


_UNSHOWN_FIELDS = (
    "track__waveform",
    "track__provider_ids",
    "track__artist__bio",
    "track__artist__provider_ids",
    "track__album__provider_ids",
)


@dataclass(frozen=True)
class PlayQueueState:
    """The queue as saved: its tracks in order (artist and album loaded), which one plays and
    how far into it. An empty queue (never saved, or cleared) has version 0 only when it was
    never saved."""

    version: int
    tracks: list[Track]
    current_index: int
    position_ms: int
    changed_at: datetime | None
    changed_by: str

    @property
    def current_track(self) -> Track | None:
        return self.tracks[self.current_index] if self.tracks else None


EMPTY_QUEUE = PlayQueueState(
    version=0, tracks=[], current_index=0, position_ms=0, changed_at=None, changed_by=""
)


def get_play_queue(user) -> PlayQueueState:
    """The user's queue (``EMPTY_QUEUE`` when never saved): two queries, at most
    ``MAX_QUEUE_TRACKS`` tracks.

    Tracks removed from the catalog since the save have left the queue; the current index
    still points at the track that was current, or at the one after it when that one went.
    """
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return EMPTY_QUEUE
    entries = list(
        PlayQueueEntry.objects.filter(queue=queue)
        .select_related("track__artist", "track__album")
        # What a card never shows, and may be large (a waveform is a thousand numbers).
        .defer(*_UNSHOWN_FIELDS)
        .order_by("position")[:MAX_QUEUE_TRACKS]
    )
    before_current = sum(1 for entry in entries if entry.position < queue.current_position)
    current_index = min(before_current, max(0, len(entries) - 1))
    return PlayQueueState(
        version=queue.version,
        tracks=[entry.track for entry in entries],
        current_index=current_index,
        position_ms=queue.position_ms if entries else 0,
        changed_at=queue.changed_at,
        changed_by=queue.changed_by,
    )


def _checked_tracks(track_ids: Sequence[int]) -> list[int]:
    if len(track_ids) > MAX_QUEUE_TRACKS:
        raise InvalidPlayQueue(
            fields={"track_ids": [f"A queue holds at most {MAX_QUEUE_TRACKS} tracks."]}
        )
    wanted = set(track_ids)
    known = set(Track.objects.filter(pk__in=wanted).order_by().values_list("pk", flat=True))
    unknown = sorted(wanted - known)
    if unknown:
        shown = ", ".join(str(pk) for pk in unknown[:10])
        raise InvalidPlayQueue(fields={"track_ids": [f"No such tracks: {shown}."]})
    return list(track_ids)


def save_play_queue(
    user,
    *,
    track_ids: Sequence[int],
    current_index: int = 0,
    position_ms: int = 0,
    changed_by: str = "",
    expected_version: int | None = None,
) -> PlayQueueState:
    """Replaces the user's queue with ``track_ids`` (in order; repeats allowed), the track at
    ``current_index`` playing ``position_ms`` into it. An empty list clears the queue.

    Refused, with nothing changed: an unknown track id, more than ``MAX_QUEUE_TRACKS``
    tracks, a current index outside the list, a negative or absurd position
    (``InvalidPlayQueue``); ``expected_version`` not the stored one (``PlayQueueChanged``).
    Answers the queue as saved.
    """
    ids = _checked_tracks(track_ids)
    if not (0 <= current_index < max(1, len(ids))):
        raise InvalidPlayQueue(fields={"current_index": ["Not a place in the queue."]})
    if not (0 <= position_ms <= MAX_POSITION_MS):
        raise InvalidPlayQueue(
            fields={"position_ms": [f"Must be between 0 and {MAX_POSITION_MS} ms."]}
        )
    changed_by = (changed_by or "").strip()[:CHANGED_BY_MAX_LENGTH]
    now = timezone.now()
    with transaction.atomic():
        queue, _ = PlayQueue.objects.get_or_create(user=user, defaults={"changed_at": now})
        bumped = PlayQueue.objects.filter(pk=queue.pk)
        if expected_version is not None:
            bumped = bumped.filter(version=expected_version)
        # The conditional UPDATE is the lock: a second save of the same version finds the
        # version already moved on (and on PostgreSQL waits for this one to commit first).
        if not bumped.update(
            version=F("version") + 1,
            current_position=current_index if ids else 0,
            position_ms=position_ms if ids else 0,
            changed_at=now,
            changed_by=changed_by,
        ):
            raise PlayQueueChanged()
        stored = list(
            PlayQueueEntry.objects.filter(queue=queue)
            .order_by("position")
            .values_list("position", "track_id")
        )
        # A player saves its position every few seconds: the same tracks at the same places
        # are left as they are, only the queue's row changes.
        if stored != list(enumerate(ids)):
            PlayQueueEntry.objects.filter(queue=queue).delete()
            PlayQueueEntry.objects.bulk_create(
                PlayQueueEntry(queue=queue, position=position, track_id=track_id)
                for position, track_id in enumerate(ids)
            )
    logger.info(
        "play queue saved",
        extra={"user_id": user.pk, "tracks": len(ids), "changed_by": changed_by},
    )
    return get_play_queue(user)


def save_play_queue_by_track(
    user,
    *,
    track_ids: Sequence[int],
    current_track_id: int | None = None,
    position_ms: int = 0,
    changed_by: str = "",
    expected_version: int | None = None,
) -> PlayQueueState:
    """``save_play_queue`` with the current track named by id (Subsonic's ``savePlayQueue``:
    ``current`` is a song id): its first place in the list, the first track when none is
    named. A ``current_track_id`` not in the list is refused (``InvalidPlayQueue``)."""
    current_index = 0
    if current_track_id is not None:
        try:
            current_index = list(track_ids).index(current_track_id)
        except ValueError:
            raise InvalidPlayQueue(
                fields={"current": ["The current track is not in the queue."]}
            ) from None
    return save_play_queue(
        user,
        track_ids=track_ids,
        current_index=current_index,
        position_ms=position_ms,
        changed_by=changed_by,
        expected_version=expected_version,
    )
