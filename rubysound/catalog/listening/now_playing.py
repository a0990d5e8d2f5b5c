"""Now playing: what each user's player or scrobbler last said it started, until the track
would have ended.

Every source writes here (a Subsonic app's ``scrobble submission=false``, a ListenBrainz
``playing_now``, a Last.fm ``updateNowPlaying``); the ListenBrainz route, Subsonic's
``getNowPlaying`` and the public profile read it. One row per user, overwritten by each
report and ignored once ``expires_at`` has passed. Each report is also passed on to the
user's linked scrobbling services (``scrobble_senders.send_now_playing``) once it commits.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rubysound.catalog.listening import scrobble_senders
from rubysound.catalog.listening.scrobbles import Scrobble, resolve_tracks
from rubysound.catalog.models import NowPlaying, Track

logger = logging.getLogger("rubysound.listens")

# How long a track of unknown length is "now playing" (ListenBrainz's playing-now default
# is of this order): long enough for most songs, short enough not to linger.
UNKNOWN_LENGTH_SECONDS = 10 * 60
# A report of a longer track (a mix, a podcast episode) still ends by then.
MAX_LENGTH_SECONDS = 6 * 60 * 60
# getNowPlaying lists at most this many people.
MAX_ENTRIES = 50


def _length(seconds: float | None) -> float:
    if not seconds or seconds <= 0:
        return UNKNOWN_LENGTH_SECONDS
    return min(seconds, MAX_LENGTH_SECONDS)


def set_now_playing(
    user,
    track: Track,
    *,
    source: str,
    client: str = "",
    duration: float | None = None,
    now: datetime | None = None,
) -> NowPlaying:
    """Says that ``user`` started ``track`` now; it is over after its length (``duration``
    when the client gave one, else the track's own, else ten minutes)."""
    now = now or timezone.now()
    length = _length(duration or track.duration)
    row, _ = NowPlaying.objects.update_or_create(
        user=user,
        defaults={
            "track": track,
            "source": source,
            "client": client[: NowPlaying._meta.get_field("client").max_length],
            "started_at": now,
            "expires_at": now + timedelta(seconds=length),
        },
    )
    logger.info("now playing", extra={"user_id": user.pk, "track_id": track.pk, "source": source})
    # Straight to the linked services, never queued: it is stale within minutes. robust: a
    # failure to hand it over must not fail the report.
    transaction.on_commit(
        lambda: scrobble_senders.send_now_playing(user.pk, track, source=source), robust=True
    )
    return row


def set_now_playing_scrobble(
    user, scrobble: Scrobble, *, source: str, client: str = "", now: datetime | None = None
) -> NowPlaying:
    """``set_now_playing`` for a track named by a scrobbler (matched as its listens are)."""
    with transaction.atomic():
        (track,) = resolve_tracks([scrobble])
        return set_now_playing(
            user, track, source=source, client=client, duration=scrobble.duration, now=now
        )


def now_playing_of(user, *, now: datetime | None = None) -> NowPlaying | None:
    """What ``user`` is playing now, or None."""
    return (
        NowPlaying.objects.select_related("track__artist", "track__album")
        .filter(user=user, expires_at__gt=now or timezone.now())
        .first()
    )


def now_playing_entries(viewer, *, now: datetime | None = None, limit: int = MAX_ENTRIES):
    """What people are playing now, most recently started first: the viewer's own, and
    those of the people who share their listening from a public profile."""
    visible = Q(
        user__is_active=True, user__is_public_favorites=True, user__is_public_listening=True
    )
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(user=viewer)
    return list(
        NowPlaying.objects.select_related("user", "track__artist", "track__album")
        .filter(visible, expires_at__gt=now or timezone.now())
        .order_by("-started_at", "-pk")[:limit]
    )
