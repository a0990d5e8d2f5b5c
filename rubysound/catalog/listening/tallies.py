"""Tallies of listens and the signals that weigh in on them: what every chart ranks.

A tally is one bounded SQL aggregate over ``Listen`` (``GROUP BY`` with
``COUNT(DISTINCT user)``, filtered on ``listened_at``, which the (listened_at, track) index
serves). Ranking: distinct listeners first, then plays, so a crowd beats one account on
repeat. ``score`` is the one place that says so; further signals (favorites, likes) join
through ``register_signal`` without touching the aggregates.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, QuerySet

from rubysound.catalog.models import Listen


@dataclass
class Tally:
    """What one chart entry (an artist, a track or an album) gathered over a window."""

    id: int
    listeners: int  # distinct users
    plays: int
    signals: dict[str, int] = field(default_factory=dict)  # favorites, likes, ...


# A signal loader answers {id: count} for ("artist" | "track", ids, since, until).
SignalLoader = Callable[[str, list[int], datetime | None, datetime | None], dict[int, int]]


@dataclass(frozen=True)
class Signal:
    """Another way people show they care (a favorite, a like), weighed against a listener."""

    name: str
    weight: int
    load: SignalLoader


_SIGNALS: dict[str, Signal] = {}


def register_signal(signal: Signal) -> None:
    """Lets another domain (social: favorites, likes) weigh in on every chart."""
    _SIGNALS[signal.name] = signal


def unregister_signal(name: str) -> None:
    _SIGNALS.pop(name, None)


def signals_registered() -> bool:
    return bool(_SIGNALS)


def people(tally: Tally) -> int:
    """Distinct listeners, plus each registered signal's count times its weight."""
    return tally.listeners + sum(
        _SIGNALS[name].weight * count for name, count in tally.signals.items() if name in _SIGNALS
    )


def score(tally: Tally) -> tuple[int, int]:
    """How an entry ranks, highest first: people engaged, then plays."""
    return (people(tally), tally.plays)


def ranked(tallies: Iterable[Tally]) -> list[Tally]:
    # Integers compared as integers; ties resolved by id so a chart is stable.
    return sorted(tallies, key=lambda t: (*(-part for part in score(t)), t.id))


def apply_signals(
    subject: str, tallies: list[Tally], since: datetime | None, until: datetime | None
) -> None:
    if not _SIGNALS or not tallies:
        return
    ids = [t.id for t in tallies]
    for signal in _SIGNALS.values():
        counts = signal.load(subject, ids, since, until)
        for tally in tallies:
            tally.signals[signal.name] = int(counts.get(tally.id, 0))


# --- Aggregates ----------------------------------------------------------------------------

_GROUP_BY = {"artist": "track__artist", "track": "track", "album": "track__album"}


def listens(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    genre_id: int | None = None,
) -> QuerySet:
    """Listens in [since, until), of one genre's tracks when given; unordered."""
    found = Listen.objects.order_by()  # no default ordering inside GROUP BY
    if since is not None:
        found = found.filter(listened_at__gte=since)
    if until is not None:
        found = found.filter(listened_at__lt=until)
    if genre_id is not None:
        found = found.filter(track__genres=genre_id)
    return found


def listen_tallies(
    subject: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    genre_id: int | None = None,
    ids: Iterable[int] | None = None,
    min_listeners: int = 0,
    limit: int | None = None,
) -> list[Tally]:
    """Distinct listeners and plays per artist, track or album: one GROUP BY query.

    Ordered by listeners then plays (as numbers, in SQL), bounded by ``limit``.
    """
    group = _GROUP_BY[subject]
    rows = listens(since=since, until=until, genre_id=genre_id)
    if subject == "album":
        rows = rows.filter(track__album__isnull=False)
    if ids is not None:
        rows = rows.filter(**{f"{group}__in": list(ids)})
    rows = rows.values(group).annotate(listeners=Count("user", distinct=True), plays=Count("pk"))
    if min_listeners:
        rows = rows.filter(listeners__gte=min_listeners)
    rows = rows.order_by("-listeners", "-plays", group)
    if limit is not None:
        rows = rows[:limit]
    return [Tally(row[group], row["listeners"], row["plays"]) for row in rows]
