"""Recording listens: the write side of listening history.

One function, ``record_listen``, is called by the player's route (``POST /api/listens/``),
and can be called as it is by the ListenBrainz and Subsonic routes, a command or a test.

The rule is last.fm's: a play counts once the listener has heard half the track or four
minutes of it, whichever comes first. A listen is identified by (user, track, listened_at),
which the database enforces, so a player or scrobbler re-sending the same listen (a retry, a
progress report sent again) changes nothing, even when two copies arrive at the same moment.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rubysound.catalog.errors import ListenNotFound
from rubysound.catalog.listening import scrobble_outbox
from rubysound.catalog.models import Listen, Track

logger = logging.getLogger("rubysound.listens")

# Four minutes, or half the track when that comes first.
COUNT_AFTER_SECONDS = 240.0
# A listen reported a little ahead of our clock is the client's clock running fast.
CLOCK_SKEW = timedelta(minutes=5)
# Nothing was scrobbled before this (ListenBrainz's LISTEN_MINIMUM_TS, 2002-10-01): an older
# timestamp is a client bug (seconds read as milliseconds, an unset clock), not a listen.
EARLIEST_LISTEN = datetime(2002, 10, 1, tzinfo=UTC)
# A single report covers at most a day of playback (a track on repeat, a long mix).
MAX_PLAYED_SECONDS = 24 * 60 * 60

REASON_TOO_SHORT = "played_too_little"


@dataclass(frozen=True)
class ListenOutcome:
    """What became of a reported play."""

    counted: bool  # the play is (now or already) a listen
    created: bool  # a new listen row was written by this call
    listen: Listen | None
    required_seconds: float  # how much playback this track needs to count
    reason: str = ""  # why a play did not count


def required_seconds(duration: float | None) -> float:
    """Seconds of playback after which a play of a track of this length counts.

    Half the track or four minutes, whichever comes first. A track of unknown length can
    only be judged by the four minutes.
    """
    if not duration or duration <= 0:
        return COUNT_AFTER_SECONDS
    return min(duration / 2, COUNT_AFTER_SECONDS)


def normalize_listened_at(value: datetime, *, now: datetime | None = None) -> datetime:
    """The stored form of a listen's time: aware, UTC, whole seconds; refused when absurd.

    Whole seconds because scrobblers send integer timestamps and a player's retry may differ
    from its first attempt below the second; both must be the same listen.
    """
    now = now or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    value = value.astimezone(UTC).replace(microsecond=0)
    if value > now + CLOCK_SKEW:
        raise ValidationError({"listened_at": ["A listen cannot be in the future."]})
    if value < EARLIEST_LISTEN:
        raise ValidationError(
            {"listened_at": [f"A listen cannot be older than {EARLIEST_LISTEN:%Y-%m-%d}."]}
        )
    return value


def record_listen(
    *,
    user,
    track: Track,
    played_seconds: float | None,
    listened_at: datetime | None = None,
    source: str = Listen.Source.PLAYER,
    now: datetime | None = None,
) -> ListenOutcome:
    """Records that ``user`` played ``track`` for ``played_seconds`` from ``listened_at``.

    ``listened_at`` (when the play started; default now) is validated as
    ``normalize_listened_at`` says. A play too short to count is not stored;
    ``played_seconds=None`` says the client already applied the rule (a scrobbler's
    ListenBrainz or Subsonic submission), so the listen counts as it is. A listen
    already stored is returned as it is (``created=False``): the unique constraint on
    (user, track, listened_at) decides between concurrent copies, and get_or_create
    answers the loser with the winner's row instead of an error. A new listen is queued
    for the user's linked scrobbling services in the same transaction.
    """
    if played_seconds is not None and not 0 <= played_seconds <= MAX_PLAYED_SECONDS:
        raise ValidationError(
            {"played_seconds": [f"Must be between 0 and {MAX_PLAYED_SECONDS} seconds."]}
        )
    now = now or timezone.now()
    listened_at = normalize_listened_at(listened_at or now, now=now)
    needed = required_seconds(track.duration)
    if played_seconds is not None and played_seconds < needed:
        return ListenOutcome(
            counted=False,
            created=False,
            listen=None,
            required_seconds=needed,
            reason=REASON_TOO_SHORT,
        )
    with transaction.atomic():
        listen, created = Listen.objects.get_or_create(
            user=user, track=track, listened_at=listened_at, defaults={"source": source}
        )
        if created:
            scrobble_outbox.queue_listen(listen)
    if created:
        logger.info(
            "listen recorded",
            extra={"user_id": user.pk, "track_id": track.pk, "source": source},
        )
    return ListenOutcome(counted=True, created=created, listen=listen, required_seconds=needed)


def delete_listen(user, listen_id: int) -> None:
    """Removes one of ``user``'s listens (and what waits to be scrobbled of it); anyone
    else's listen, or one already gone, is ListenNotFound."""
    deleted, _ = Listen.objects.filter(pk=listen_id, user=user).delete()
    if not deleted:
        raise ListenNotFound
    logger.info("listen deleted", extra={"user_id": user.pk, "listen_id": listen_id})
