"""MusicBrainz ids for the library's artists that have none, resolved in the background.

An artist's MBID lets the services answer for the right artist (TheAudioDB's photo,
Last.fm's charts matched to our artists) where a name is shared. Tags often carry it; for
the artists whose files did not, MusicBrainz's artist search is asked, one artist at a
time. MusicBrainz allows one request a second: the transport spaces our requests
(``PROVIDERS_MIN_INTERVAL_SECONDS``), so this runs from a command
(``manage.py resolve_artist_mbids``), never within a request.

An MBID is taken only when the match is beyond doubt: exactly one candidate has the
artist's name (as the providers' matching normalises names) with a search score of at
least MIN_SCORE, and no other library artist holds that MBID already. Anything else is
ambiguous or not found and left alone: a wrong MBID would pin another artist's photo and
charts on ours, which is worse than none. Those artists are not asked again for
RETRY_AFTER_SECONDS (remembered in the shared cache; the embedded local-memory cache
forgets them when the command ends); a failed lookup is retried on the next run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from rubysound.catalog import version as catalog_version
from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.provider_calls import digest
from rubysound.catalog.library.tags import UNKNOWN_ARTIST
from rubysound.catalog.models import Artist
from rubysound.core.text import fold
from rubysound.providers.gateway import (
    ArtistRecord,
    MusicBrainzClient,
    ProviderError,
    normalise_artist,
)

SERVICE = "musicbrainz"
# MusicBrainz scores an exact name 100; a namesake it scores lower is not taken for ours.
MIN_SCORE = 90
CANDIDATES = 5
# One lookup may wait this long in all: for its rate-limit slot, the answer, a retry.
LOOKUP_SECONDS = 30
RETRY_AFTER_SECONDS = 30 * 24 * 3600
# Lookups failing in a row after which MusicBrainz is taken to be down: the run stops and
# leaves the other artists to the next one.
FAILURES_BEFORE_STOPPING = 3
_BATCH = 200


class Outcome(StrEnum):
    MATCHED = "matched"
    # Namesakes, but not exactly one MusicBrainz is sure of; or another artist holds its MBID.
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"
    FAILED = "failed"


@dataclass
class ResolutionSummary:
    looked_up: int = 0
    matched: int = 0
    ambiguous: int = 0
    not_found: int = 0
    failed: int = 0
    # MusicBrainz kept failing: the run stopped before the end.
    stopped: bool = False

    def count(self, outcome: Outcome) -> None:
        self.looked_up += 1
        setattr(self, str(outcome), getattr(self, str(outcome)) + 1)


# Called after each lookup with the artist, what came of it and the MBID taken (or "").
Progress = Callable[[Artist, Outcome, str], None]


def resolution_enabled() -> bool:
    return fanout.is_enabled(SERVICE)


def pending_artist_count() -> int:
    """Library artists without an MBID (those remembered as unresolved included)."""
    return _without_mbid().count()


def resolve_artist_mbids(
    *, limit: int | None = None, progress: Progress | None = None
) -> ResolutionSummary:
    """Looks up at most ``limit`` library artists without an MBID (all by default), oldest
    first, and records the MBIDs found beyond doubt. Asks nothing when MusicBrainz is off."""
    summary = ResolutionSummary()
    if not resolution_enabled():
        return summary
    failures_in_a_row = 0
    for artist in _artists_to_look_up(limit):
        outcome, mbid = _resolve(artist)
        summary.count(outcome)
        if progress is not None:
            progress(artist, outcome, mbid)
        failures_in_a_row = failures_in_a_row + 1 if outcome is Outcome.FAILED else 0
        if failures_in_a_row >= FAILURES_BEFORE_STOPPING:
            summary.stopped = True
            break
    return summary


def confident_match(name: str, candidates: list[ArtistRecord]) -> tuple[Outcome, str]:
    """What MusicBrainz's candidates for ``name`` say: MATCHED with the MBID when exactly
    one has that name and a score of MIN_SCORE or more; AMBIGUOUS when several do, or when
    namesakes exist but none scores that high; NOT_FOUND when none has the name."""
    wanted = normalise_artist(name)
    namesakes = [c for c in candidates if normalise_artist(c.name) == wanted]
    if not namesakes:
        return Outcome.NOT_FOUND, ""
    confident = {c.mbid for c in namesakes if c.score >= MIN_SCORE}
    if len(confident) != 1:
        return Outcome.AMBIGUOUS, ""
    return Outcome.MATCHED, confident.pop()


def record_artist_mbid(artist: Artist, mbid: str) -> bool:
    """Records ``mbid`` as ``artist``'s MusicBrainz id; whether it did. Never replaces an
    MBID the artist has, nor takes one another artist holds (the field is unique)."""
    value = uuid.UUID(mbid)
    try:
        with transaction.atomic():
            if Artist.objects.filter(mbid=value).exclude(pk=artist.pk).exists():
                return False
            updated = Artist.objects.filter(pk=artist.pk, mbid__isnull=True).update(
                mbid=value, updated_at=timezone.now()
            )
            if updated:
                catalog_version.changed()  # suggestions show an artist's MBID
    except IntegrityError:  # taken meanwhile by a scan that read it from tags
        return False
    if updated:
        artist.mbid = value
    return bool(updated)


def _resolve(artist: Artist) -> tuple[Outcome, str]:
    try:
        candidates = fanout.run(_search, artist.name, seconds=LOOKUP_SECONDS)
    except ProviderError:
        return Outcome.FAILED, ""
    outcome, mbid = confident_match(artist.name, candidates)
    if outcome is Outcome.MATCHED and not record_artist_mbid(artist, mbid):
        outcome, mbid = Outcome.AMBIGUOUS, ""
    if outcome is not Outcome.MATCHED:
        cache.set(_unresolved_key(artist), outcome.value, RETRY_AFTER_SECONDS)
    return outcome, mbid


async def _search(name: str) -> list[ArtistRecord]:
    return await MusicBrainzClient().search_artists(name, limit=CANDIDATES)


def _without_mbid():
    # Our placeholder for untagged files names nobody MusicBrainz could know.
    return Artist.objects.filter(mbid__isnull=True).exclude(name_key=fold(UNKNOWN_ARTIST))


def _unresolved_key(artist: Artist) -> str:
    # The name is part of the key: a renamed artist is worth asking about again.
    return f"discovery:mbid:unresolved:{artist.pk}:{digest(artist.name_key)}"


def _artists_to_look_up(limit: int | None) -> Iterator[Artist]:
    """Artists without an MBID by primary key, less those remembered as unresolved, read
    in batches (a run lasts a second per artist: no cursor is held open meanwhile)."""
    given, after = 0, 0
    while limit is None or given < limit:
        batch = list(
            _without_mbid()
            .filter(pk__gt=after)
            .order_by("pk")
            .only("id", "name", "name_key", "mbid")[:_BATCH]
        )
        if not batch:
            return
        after = batch[-1].pk
        remembered = cache.get_many([_unresolved_key(artist) for artist in batch])
        for artist in batch:
            if _unresolved_key(artist) in remembered:
                continue
            yield artist
            given += 1
            if limit is not None and given >= limit:
                return
