"""Which entries a chart holds, in order: the top of a window, and what is trending.

"Trending" is growth in people against the previous window of the same length, among
entries with a minimum of distinct listeners in the current one.
"""

from dataclasses import dataclass
from datetime import datetime

from rubysound.catalog.listening.tallies import (
    Tally,
    apply_signals,
    listen_tallies,
    people,
    ranked,
    score,
    signals_registered,
)

# With signals, entries just below the listen cut may overtake: fetch a wider pool.
SIGNAL_POOL_FACTOR = 3


def top(subject: str, *, since: datetime | None, genre_id: int | None, limit: int) -> list[Tally]:
    """The ``limit`` best ranked artists or tracks since ``since`` (all time for None)."""
    pool = limit * SIGNAL_POOL_FACTOR if signals_registered() else limit
    tallies = listen_tallies(subject, since=since, genre_id=genre_id, limit=pool)
    apply_signals(subject, tallies, since, None)
    return ranked(tallies)[:limit]


@dataclass
class Growth:
    tally: Tally
    previous: Tally
    growth: float


def growth_ratio(current: int, previous: int) -> float:
    """Relative growth in people, smoothed so that 0 -> 3 does not read as infinite."""
    return (current - previous) / (previous + 1)


def trending(
    subject: str,
    *,
    since: datetime,
    before: datetime,
    genre_id: int | None,
    limit: int,
    min_listeners: int,
    pool: int,
) -> list[Growth]:
    """Entries grown most from [before, since) to [since, now), fastest first.

    Growth is measured on the ``pool`` most listened entries with at least
    ``min_listeners`` distinct listeners now.
    """
    current = listen_tallies(
        subject, since=since, genre_id=genre_id, min_listeners=min_listeners, limit=pool
    )
    if not current:
        return []
    previous = {
        t.id: t
        for t in listen_tallies(
            subject, since=before, until=since, genre_id=genre_id, ids=[t.id for t in current]
        )
    }
    earlier = [previous.get(t.id) or Tally(t.id, 0, 0) for t in current]
    apply_signals(subject, current, since, None)
    apply_signals(subject, earlier, before, since)
    entries = [
        Growth(now_t, then_t, growth_ratio(people(now_t), people(then_t)))
        for now_t, then_t in zip(current, earlier, strict=True)
    ]
    entries = [e for e in entries if e.growth > 0]
    entries.sort(key=lambda e: (-e.growth, *(-part for part in score(e.tally)), e.tally.id))
    return entries[:limit]
