"""The scrobble outbox: every listen passed on to the services its user linked.

Writing. Each listen gets one pending ``ScrobbleOutboxEntry`` per linked service, written in
the transaction that writes the listen, so a listen is never stored without its entries nor
an entry without its listen. A listen is not sent back to the service it came from (a
ListenBrainz submission to ListenBrainz, an Audioscrobbler scrobble to Last.fm), and demo
listens go nowhere. A bulk import costs one query for the links of its users and, when some
are linked, one read and one insert per batch.

Sending (``drain``, run by ``manage.py scrobble_worker``). A worker claims a link's oldest
pending entries in a short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` on the link
and the entries (PostgreSQL; SQLite has one writer and one worker), then marks them in
flight by counting the attempt and moving ``next_attempt_at`` a lease ahead. A link with
entries in flight or backing off is not claimed again until they are due, so one link is
sent by one worker at a time, oldest listen first, and a listen is never sent twice while
its worker lives (a worker that dies mid-send leaves its entries due again after the lease).
The request goes out with no transaction open; a second short one deletes what was
delivered, moves what may be retried to its backoff (5 s doubling to 4 min, with jitter)
and dead-letters what the service refused for good. A service that refuses the credential
itself (Last.fm error 9, a ListenBrainz 401) unlinks the link, its entries with it, and
``scrobble_link_refused`` tells the user (social turns it into a notification).
"""

import logging
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import django.dispatch
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from rubysound.catalog.models import Listen, ScrobbleLink, ScrobbleOutboxEntry

logger = logging.getLogger("rubysound.scrobbles")

Service = ScrobbleLink.Service
Status = ScrobbleOutboxEntry.Status

# A listen from a service already is there: sending it back would count it twice.
_ECHO = {
    Listen.Source.LISTENBRAINZ: Service.LISTENBRAINZ,
    Listen.Source.AUDIOSCROBBLER: Service.LASTFM,
}
# Generated listens of demo people: nobody's real history.
_NEVER_SENT = {Listen.Source.DEMO}

# Listens per request, as each service takes them at most.
MAX_BATCH = {Service.LASTFM: 50, Service.LISTENBRAINZ: 1000}
# A rate limit asking for longer than this is not waited for beyond it.
MAX_RETRY_AFTER_SECONDS = 3600.0
# How long a claim is the worker's alone: far beyond one request's timeout, so only a worker
# that died lets its entries go to another.
LEASE_SECONDS = 120.0

# Sent with the user and the service when a service refused the link's credential and the
# link was removed: the user must link again.
scrobble_link_refused = django.dispatch.Signal()

scrobbles_sent_total = Counter(
    "rubysound_scrobbles_sent_total",
    "Listens delivered to a linked scrobbling service, by service.",
    ["service"],
)
scrobbles_failed_total = Counter(
    "rubysound_scrobbles_failed_total",
    "Failed deliveries of listens, by service and outcome (retry: will be tried again; "
    "dead: refused for good; unlinked: the service refused the credential).",
    ["service", "outcome"],
)


# --- Writing --------------------------------------------------------------------------------


def services_excluded_for(source: str) -> set[str]:
    if source in _NEVER_SENT:
        return set(Service.values)
    return {_ECHO[source]} if source in _ECHO else set()


def links_of(user_ids: Iterable[int], *, source: str) -> dict[int, list[int]]:
    """The ids of the links each user's listens of ``source`` go to (one query, none for
    a source that is never sent)."""
    excluded = services_excluded_for(source)
    if excluded >= set(Service.values):
        return {}
    links: dict[int, list[int]] = {}
    rows = (
        ScrobbleLink.objects.filter(user_id__in=set(user_ids))
        .exclude(service__in=excluded)
        .values_list("user_id", "pk")
    )
    for user_id, link_id in rows:
        links.setdefault(user_id, []).append(link_id)
    return links


def queue_listens(listens: Iterable[tuple[int, int]], links: dict[int, list[int]]) -> int:
    """Writes a pending entry per link (``links_of``) for each (listen id, user id) in
    ``listens``; returns how many. Call it in the transaction that wrote the listens."""
    now = timezone.now()
    entries = [
        ScrobbleOutboxEntry(link_id=link_id, listen_id=listen_id, next_attempt_at=now)
        for listen_id, user_id in listens
        for link_id in links.get(user_id, ())
    ]
    # A listen queued by a concurrent writer of the same listen keeps its one entry.
    ScrobbleOutboxEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def queue_listen(listen: Listen) -> int:
    return queue_listens(
        [(listen.pk, listen.user_id)], links_of([listen.user_id], source=listen.source)
    )


# --- Sending --------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a service made of a batch of entries (by entry id)."""

    delivered: list[int] = field(default_factory=list)
    dead: dict[int, str] = field(default_factory=dict)
    retry: list[int] = field(default_factory=list)
    retry_reason: str = ""
    retry_after: float | None = None  # seconds the service asked us to wait
    refused_credential: str = ""  # the service refused the link's credential: unlink


@dataclass(frozen=True)
class Claim:
    link: ScrobbleLink
    entries: list[ScrobbleOutboxEntry]


def backoff_seconds(attempts: int) -> float:
    """The wait after the ``attempts``-th failed try: 5 s doubling to 4 min (the
    SCROBBLE_BACKOFF_* settings), plus up to a fifth more at random so that many links
    failing together do not come back together."""
    first, most = settings.SCROBBLE_BACKOFF_FIRST_SECONDS, settings.SCROBBLE_BACKOFF_MAX_SECONDS
    step = min(first * 2 ** max(attempts - 1, 0), most)
    return step + random.uniform(0, step / 5)  # noqa: S311 - jitter, not a secret


def _pending(link_ref):
    return ScrobbleOutboxEntry.objects.filter(link=link_ref, status=Status.PENDING)


def _sendable_services() -> list[str]:
    services = [Service.LISTENBRAINZ]
    if settings.LASTFM_API_KEY and settings.LASTFM_API_SECRET:
        services.append(Service.LASTFM)
    return services


def _locking(queryset, **options):
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, **options)
    return queryset


def claim(*, batch: int, now: datetime | None = None) -> Claim | None:
    """The oldest due entries (at most ``batch``, and the service's own maximum) of one link
    nobody else is sending, marked in flight; None when there is nothing to send now."""
    now = now or timezone.now()
    not_waiting = ~Exists(_pending(OuterRef("pk")).filter(attempts__gt=0, next_attempt_at__gt=now))
    candidates = ScrobbleLink.objects.filter(
        Exists(_pending(OuterRef("pk")).filter(next_attempt_at__lte=now)),
        not_waiting,
        service__in=_sendable_services(),
    ).order_by(F("last_sent_at").asc(nulls_first=True), "pk")
    passed: list[int] = []
    with transaction.atomic():
        # Few rounds: a link is passed only when another worker claimed it meanwhile.
        for _ in range(8):
            link = (
                _locking(candidates.exclude(pk__in=passed), no_key=True, of=("self",))
                .select_related("user")
                .first()
            )
            if link is None:
                return None
            # Read again after the lock: a worker that claimed this link committed its
            # claim before letting go of the lock, and this statement sees it.
            if _pending(link).filter(attempts__gt=0, next_attempt_at__gt=now).exists():
                passed.append(link.pk)
                continue
            size = max(1, min(batch, MAX_BATCH[link.service]))
            entries = list(
                _locking(_pending(link).filter(next_attempt_at__lte=now), of=("self",))
                .select_related("listen__track__artist", "listen__track__album")
                .order_by("listen__listened_at", "listen_id")[:size]
            )
            if not entries:
                passed.append(link.pk)
                continue
            ScrobbleOutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
            )
            for entry in entries:
                entry.attempts += 1
            return Claim(link=link, entries=entries)
    return None


def settle(claim: Claim, delivery: Delivery, *, now: datetime | None = None) -> None:
    """Records what became of a claim's entries."""
    now = now or timezone.now()
    link = claim.link
    service = link.service
    with transaction.atomic():
        if delivery.refused_credential:
            user = link.user
            ScrobbleLink.objects.filter(pk=link.pk).delete()  # its entries go with it
            logger.warning(
                "scrobble link refused, unlinked",
                extra={
                    "user_id": user.pk,
                    "service": service,
                    "reason": delivery.refused_credential,
                },
            )
            scrobbles_failed_total.labels(service=service, outcome="unlinked").inc(
                len(claim.entries)
            )
            transaction.on_commit(
                lambda: scrobble_link_refused.send(sender=ScrobbleLink, user=user, service=service)
            )
            return
        if delivery.delivered:
            ScrobbleOutboxEntry.objects.filter(pk__in=delivery.delivered).delete()
            ScrobbleLink.objects.filter(pk=link.pk).update(last_sent_at=now)
        by_reason: dict[str, list[int]] = {}
        for entry_id, reason in delivery.dead.items():
            by_reason.setdefault(reason[:255], []).append(entry_id)
        for reason, entry_ids in by_reason.items():  # one update per reason, not per listen
            ScrobbleOutboxEntry.objects.filter(pk__in=entry_ids).update(
                status=Status.DEAD, last_error=reason
            )
        if delivery.retry:
            attempts = max(e.attempts for e in claim.entries if e.pk in set(delivery.retry))
            wait = backoff_seconds(attempts)
            if delivery.retry_after:
                wait = max(wait, min(delivery.retry_after, MAX_RETRY_AFTER_SECONDS))
            ScrobbleOutboxEntry.objects.filter(pk__in=delivery.retry).update(
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=delivery.retry_reason[:255],
            )
    if delivery.delivered:
        scrobbles_sent_total.labels(service=service).inc(len(delivery.delivered))
    if delivery.dead:
        scrobbles_failed_total.labels(service=service, outcome="dead").inc(len(delivery.dead))
    if delivery.retry:
        scrobbles_failed_total.labels(service=service, outcome="retry").inc(len(delivery.retry))
    logger.info(
        "scrobbles sent",
        extra={
            "link_id": link.pk,
            "service": service,
            "delivered": len(delivery.delivered),
            "dead": len(delivery.dead),
            "retry": len(delivery.retry),
            "reason": delivery.retry_reason,
        },
    )


def send_one_batch(*, batch: int) -> int:
    """Claims, sends and settles one batch; returns how many entries it handled (0: none
    was due)."""
    from . import scrobble_senders

    found = claim(batch=batch)
    if found is None:
        return 0
    try:
        delivery = scrobble_senders.send(found.link, found.entries)
    except Exception as error:  # a bug of ours must not stop every other link's scrobbles
        logger.exception("scrobbles not sent", extra={"link_id": found.link.pk})
        delivery = Delivery(
            retry=[entry.pk for entry in found.entries],
            retry_reason=f"internal error: {type(error).__name__}",
        )
    settle(found, delivery)
    return len(found.entries)


def drain(*, batch: int = 1000, should_stop=lambda: False) -> int:
    """Sends everything due now, batch after batch; returns how many entries were handled
    (delivered or not)."""
    handled = 0
    while not should_stop():
        count = send_one_batch(batch=batch)
        if not count:
            break
        handled += count
    return handled


def _touch(heartbeat: Path | None) -> None:
    if heartbeat is None:
        return
    try:
        heartbeat.parent.mkdir(parents=True, exist_ok=True)
        heartbeat.touch()
    except OSError:
        logger.warning("scrobble worker heartbeat not written", extra={"path": str(heartbeat)})


def _refresh_connection() -> None:
    # A connection the database dropped (a restart, a failover) is opened anew next round;
    # never inside a caller's transaction (a test's, or a command called from a service).
    if not connection.in_atomic_block:
        close_old_connections()


def run_worker(
    *,
    batch: int,
    poll_interval: float,
    stop: threading.Event,
    once: bool = False,
    heartbeat: Path | None = None,
) -> int:
    """The worker's loop: drains what is due, then waits ``poll_interval`` seconds (or until
    ``stop`` is set); with ``once``, returns after the first drain. A database that is away
    is waited for, not fatal. Returns how many entries it handled."""
    handled = 0
    logger.info("scrobble worker started", extra={"batch": batch, "once": once})
    while not stop.is_set():
        _touch(heartbeat)
        _refresh_connection()
        try:
            count = drain(batch=batch, should_stop=stop.is_set)
        except DatabaseError as error:
            logger.warning("scrobble worker: database unavailable", extra={"error": repr(error)})
            count = 0
            if once:
                raise
        handled += count
        if count:
            logger.info("scrobble worker drained", extra={"handled": count})
        if once:
            break
        stop.wait(poll_interval)
    _refresh_connection()
    logger.info("scrobble worker stopped", extra={"handled": handled})
    return handled


# --- Reading (metrics, health) --------------------------------------------------------------


@dataclass(frozen=True)
class OutboxState:
    service: str
    pending: int
    dead: int
    oldest_pending_seconds: float  # 0 when nothing is pending


def outbox_state(*, now: datetime | None = None) -> list[OutboxState]:
    """Per service: entries pending and dead, and the age of the oldest pending (one
    aggregate query)."""
    now = now or timezone.now()
    rows = {
        row["link__service"]: row
        for row in ScrobbleOutboxEntry.objects.order_by()
        .values("link__service")
        .annotate(
            pending=Count("pk", filter=Q(status=Status.PENDING)),
            dead=Count("pk", filter=Q(status=Status.DEAD)),
            oldest=Min("created_at", filter=Q(status=Status.PENDING)),
        )
    }
    states = []
    for service in Service.values:
        row = rows.get(service) or {}
        oldest = row.get("oldest")
        states.append(
            OutboxState(
                service=service,
                pending=row.get("pending", 0),
                dead=row.get("dead", 0),
                oldest_pending_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            )
        )
    return states


class OutboxCollector:
    """The outbox on /metrics, read at scrape time (the worker is another process, maybe
    another pod): entries pending and dead, and the oldest pending one's age, per service."""

    _FAMILIES = {
        "pending": (
            "rubysound_scrobble_outbox_pending",
            "Listens waiting to be sent to a linked scrobbling service.",
        ),
        "dead": (
            "rubysound_scrobble_outbox_dead",
            "Listens a scrobbling service refused for good (dead letters).",
        ),
        "oldest_pending_seconds": (
            "rubysound_scrobble_outbox_oldest_pending_seconds",
            "Age of the oldest listen waiting to be sent (0: none waits).",
        ),
    }

    def _families(self) -> dict[str, GaugeMetricFamily]:
        return {
            attribute: GaugeMetricFamily(name, documentation, labels=["service"])
            for attribute, (name, documentation) in self._FAMILIES.items()
        }

    def describe(self):
        # Without it the registry would call collect() (a query) when the app starts.
        yield from self._families().values()

    def collect(self):
        try:
            states = outbox_state()
        except Exception:  # a scrape must never fail because the database is away
            logger.exception("scrobble outbox metrics unavailable")
            return
        families = self._families()
        for state in states:
            for attribute, family in families.items():
                family.add_metric([state.service], float(getattr(state, attribute)))
        yield from families.values()


def _oldest_pending_detail() -> str:
    states = outbox_state()
    oldest = max(state.oldest_pending_seconds for state in states)
    waiting = ", ".join(f"{state.service} {state.pending}" for state in states)
    return f"oldest pending {int(oldest)} s ({waiting} pending)"


async def check_outbox() -> str:
    """/health/ready's informational line about the outbox; never fails readiness."""
    return await sync_to_async(_oldest_pending_detail, thread_sensitive=True)()
