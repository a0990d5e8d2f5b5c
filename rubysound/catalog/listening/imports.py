"""Importing listens in bulk: a listening history brought in at once (the demo, an import).

Each listen is held to ``record_listen``'s rules: its time is normalized and refused when
in the future or absurdly old, and its source is one of ``Listen.Source``. Played seconds
are not asked: an imported listen was already counted by whoever recorded it, as a
scrobbler's submission was. A history with one invalid listen is refused whole, before
anything is written. Rows go in with ``bulk_create`` in batches; a listen already stored
(same user, track and listened_at) is left as it is, so importing the same history twice
changes nothing.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rubysound.catalog.listening import scrobble_outbox
from rubysound.catalog.listening.listens import normalize_listened_at
from rubysound.catalog.models import Listen

logger = logging.getLogger("rubysound.listens")

BATCH_SIZE = 500


@dataclass(frozen=True)
class ImportedListen:
    user_id: int
    track_id: int
    listened_at: datetime


@dataclass(frozen=True)
class ListenImport:
    """What an import did."""

    stored: int  # listens of the history now stored (each one once)
    created: int  # of those, written by this import
    removed: int = 0  # earlier listens of the source that the history replaced


def import_listens(
    listens: Iterable[ImportedListen],
    *,
    source: str,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> ListenImport:
    """Stores the listens of ``listens`` not stored yet, as listens of ``source``."""
    rows = _validated(listens, source=source, now=now)
    with transaction.atomic():
        links = scrobble_outbox.links_of({user_id for user_id, _, _ in rows}, source=source)
        created = _insert_missing(rows, source=source, batch_size=batch_size, links=links)
    logger.info("listens imported", extra={"source": source, "listens_created": created})
    return ListenImport(stored=len(rows), created=created)


def replace_imported_listens(
    user_ids: Iterable[int],
    listens: Iterable[ImportedListen],
    *,
    source: str,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> ListenImport:
    """Makes ``listens`` the whole history of ``source`` for the users ``user_ids``.

    Their listens of ``source`` not in ``listens`` are deleted and the missing ones stored,
    so a history imported again (recomputed, or a newer export) replaces the earlier one.
    Listens of other sources are left alone.
    """
    user_ids = set(user_ids)
    rows = _validated(listens, source=source, now=now)
    strangers = {user_id for user_id, _, _ in rows} - user_ids
    if strangers:
        raise ValidationError({"user_id": ["Every listen must belong to one of the users."]})
    with transaction.atomic():
        earlier = Listen.objects.filter(user_id__in=user_ids, source=source).order_by()
        stale = [
            pk
            for pk, *key in earlier.values_list("pk", "user_id", "track_id", "listened_at")
            if tuple(key) not in rows
        ]
        removed = 0
        for start in range(0, len(stale), batch_size):
            removed += Listen.objects.filter(pk__in=stale[start : start + batch_size]).delete()[0]
        links = scrobble_outbox.links_of(user_ids, source=source)
        created = _insert_missing(rows, source=source, batch_size=batch_size, links=links)
    logger.info(
        "listens replaced",
        extra={"source": source, "listens_created": created, "listens_removed": removed},
    )
    return ListenImport(stored=len(rows), created=created, removed=removed)


def _validated(
    listens: Iterable[ImportedListen], *, source: str, now: datetime | None
) -> set[tuple[int, int, datetime]]:
    if source not in Listen.Source.values:
        raise ValidationError({"source": [f"Not a listen source: {source!r}."]})
    now = now or timezone.now()
    return {
        (listen.user_id, listen.track_id, normalize_listened_at(listen.listened_at, now=now))
        for listen in listens
    }


def _insert_missing(
    rows: set[tuple[int, int, datetime]],
    *,
    source: str,
    batch_size: int,
    links: dict[int, list[int]],
) -> int:
    """Inserts the rows not stored yet, and queues them for the users' scrobble ``links``;
    returns how many were inserted.

    Each batch first reads which of its listens exist, so the count is exact; the insert
    still ignores conflicts, for a copy a concurrent writer stored in between.
    """
    created = 0
    # In time order, so that each batch's lookup spans a short stretch of time.
    ordered = sorted(rows, key=lambda row: (row[2], row[0], row[1]))
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        stored = set(
            Listen.objects.filter(
                user_id__in={user_id for user_id, _, _ in batch},
                track_id__in={track_id for _, track_id, _ in batch},
                listened_at__range=(
                    min(at for _, _, at in batch),
                    max(at for _, _, at in batch),
                ),
            )
            .order_by()
            .values_list("user_id", "track_id", "listened_at")
        )
        missing = [row for row in batch if row not in stored]
        Listen.objects.bulk_create(
            [
                Listen(user_id=user_id, track_id=track_id, listened_at=at, source=source)
                for user_id, track_id, at in missing
            ],
            ignore_conflicts=True,
        )
        created += len(missing)
        _queue_for_links(missing, links)
    return created


def _queue_for_links(missing: list[tuple[int, int, datetime]], links: dict[int, list[int]]) -> None:
    """Queues the batch's new listens of linked users: their ids read back in one query
    (an insert that ignores conflicts does not return them)."""
    linked = [row for row in missing if row[0] in links]
    if not linked:
        return
    wanted = set(linked)
    stored = Listen.objects.filter(
        user_id__in={user_id for user_id, _, _ in linked},
        track_id__in={track_id for _, track_id, _ in linked},
        listened_at__range=(min(at for _, _, at in linked), max(at for _, _, at in linked)),
    ).values_list("pk", "user_id", "track_id", "listened_at")
    scrobble_outbox.queue_listens(
        (
            (pk, user_id)
            for pk, user_id, track_id, at in stored.order_by()
            if (user_id, track_id, at) in wanted
        ),
        links,
    )
