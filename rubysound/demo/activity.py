"""Demo listeners and what they do: accounts, favorites and weeks of listening.

Everything is planned from the seed, then written through the domains' services as any
client would: accounts through the signup service (so each listener gets the Favorites
playlist signup gives), favorites through the playlist service, listens through the
catalog's bulk import. Django is imported inside the functions, as in the generator.
"""

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from .plan import DemoTrack

DEMO_LISTENERS = (
    "demo_ana",
    "demo_ben",
    "demo_chloe",
    "demo_dev",
    "demo_emi",
    "demo_finn",
    "demo_gus",
    "demo_hana",
    "demo_ivo",
    "demo_juno",
)
LISTEN_DAYS = 56
# How many of their most played tracks each listener keeps in Favorites.
FAVORITES_PER_LISTENER = (3, 8)


@dataclass
class ActivitySummary:
    listeners: int = 0
    listeners_created: int = 0
    listens: int = 0
    created: int = 0
    removed: int = 0
    tracks: int = 0
    favorites: int = 0
    favorites_added: int = 0


def ensure_demo_listeners(usernames: tuple[str, ...] = DEMO_LISTENERS) -> tuple[list, int]:
    """The demo listener accounts, signed up (without a usable password) when missing."""
    from rubysound.accounts.models import User
    from rubysound.accounts.services import signup_user

    users, created = [], 0
    for username in usernames:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = signup_user(username=username, email="", password=None)
            created += 1
        users.append(user)
    return users, created


def plan_demo_listens(
    track_ids: list[int],
    genres: list[str],
    user_ids: list[int],
    *,
    seed: int,
    anchor: datetime,
    days: int = LISTEN_DAYS,
) -> set[tuple[int, int, datetime]]:
    """Listening activity as (user id, track id, listened_at), deterministic from the seed.

    Track popularity falls off like a Zipf curve, each listener prefers two genres, and two
    little-played tracks rise sharply in the last seven days among several listeners, so
    "trending" has something real to find.
    """
    rng = random.Random(f"rubysound-listens-{seed}")  # noqa: S311 - reproducible demo data
    count = len(track_ids)
    if not count or not user_ids:
        return set()
    ranking = list(range(count))
    rng.shuffle(ranking)
    popularity = [0.0] * count
    for rank, index in enumerate(ranking):
        popularity[index] = 1.0 / (rank + 1) ** 0.9
    rising = ranking[count // 2 : count // 2 + 2] if count >= 4 else []
    rows: set[tuple[int, int, datetime]] = set()
    start = anchor - timedelta(days=days)
    genre_names = sorted(set(genres))

    def moment(day_from: float, day_to: float) -> datetime:
        day = rng.uniform(day_from, day_to)
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        stamp = start + timedelta(days=int(day), hours=hour, minutes=rng.randrange(60))
        stamp += timedelta(seconds=rng.randrange(60))
        return min(stamp, anchor - timedelta(seconds=1))

    for user_id in user_ids:
        liked = set(rng.sample(genre_names, k=min(2, len(genre_names))))
        weights = [
            popularity[i] * (4.0 if genres[i] in liked else 1.0) * (0.02 if i in rising else 1.0)
            for i in range(count)
        ]
        plays = int(rng.uniform(80, 320))
        for index in rng.choices(range(count), weights=weights, k=plays):
            # Activity grows a little towards the present: the platform is alive.
            day = days * math.sqrt(rng.random())
            rows.add((user_id, track_ids[index], moment(day, day)))
    listeners = list(user_ids)
    for index in rising:
        # Discovered by a couple of listeners the week before, then by most of them.
        for user_id in rng.sample(listeners, k=min(len(listeners), 2)):
            rows.add((user_id, track_ids[index], moment(days - 14, days - 7)))
        for user_id in rng.sample(listeners, k=min(len(listeners), 7)):
            for _ in range(rng.randint(2, 5)):
                rows.add((user_id, track_ids[index], moment(days - 7, days)))
    return rows


# Relative listening per hour of the day (UTC): quiet nights, busy evenings.
_HOUR_WEIGHTS = [
    1, 1, 0.5, 0.3, 0.2, 0.2, 0.5, 1.5, 2.5, 2, 1.5, 1.5,
    2, 2, 1.5, 1.5, 2, 2.5, 3, 3.5, 4, 3.5, 2.5, 1.5,
]  # fmt: skip


def plan_demo_favorites(
    listens: set[tuple[int, int, datetime]], *, seed: int
) -> dict[int, list[int]]:
    """Each listener's favorites (user id -> track ids, best first): their most played tracks.

    Play counts do not depend on the day the listens are planned for, so neither do the
    favorites: a run on another day finds them already there.
    """
    rng = random.Random(f"rubysound-favorites-{seed}")  # noqa: S311 - reproducible demo data
    plays = Counter((user_id, track_id) for user_id, track_id, _ in listens)
    favorites: dict[int, list[int]] = {}
    for user_id in sorted({user_id for user_id, _, _ in listens}):
        mine = sorted(
            ((count, track_id) for (user, track_id), count in plays.items() if user == user_id),
            key=lambda played: (-played[0], played[1]),
        )
        favorites[user_id] = [
            track_id for _, track_id in mine[: rng.randint(*FAVORITES_PER_LISTENER)]
        ]
    return favorites


def seed_demo_activity(
    root: str, tracks: list[DemoTrack], *, prefix: str, seed: int, now: datetime | None = None
) -> ActivitySummary:
    """Demo listeners, their favorites and their listens of the last weeks, on the demo tracks.

    ``root``/``prefix`` say where the scanner stored the demo files (library root, and the
    demo folder inside it). Idempotent: the listens are computed from the seed and the day
    (listened_at ends at midnight UTC today) and replace the listeners' earlier demo listens
    (from another day or seed); favorites already in place are left as they are.
    """
    from django.db import transaction
    from django.utils import timezone

    from rubysound.catalog.models import Listen, Track
    from rubysound.catalog.services import ImportedListen, replace_imported_listens

    now = now or timezone.now()
    anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
    summary = ActivitySummary()
    paths = [f"{prefix}/{t.path}" if prefix else t.path for t in tracks]
    ids_by_path = dict(
        Track.objects.filter(source=Track.Source.LIBRARY, library_root=root, path__in=paths)
        .order_by()
        .values_list("path", "id")
    )
    found = [
        (ids_by_path[p], t.genre) for p, t in zip(paths, tracks, strict=True) if p in ids_by_path
    ]
    summary.tracks = len(found)
    with transaction.atomic():
        users, summary.listeners_created = ensure_demo_listeners()
        summary.listeners = len(users)
        user_ids = [user.pk for user in users]
        planned = plan_demo_listens(
            [track_id for track_id, _ in found],
            [genre for _, genre in found],
            user_ids,
            seed=seed,
            anchor=anchor,
        )
        outcome = replace_imported_listens(
            user_ids,
            (ImportedListen(user_id, track_id, at) for user_id, track_id, at in planned),
            source=Listen.Source.DEMO,
            now=now,
        )
        summary.listens = outcome.stored
        summary.created = outcome.created
        summary.removed = outcome.removed
        favorites = plan_demo_favorites(planned, seed=seed)
        for user in users:
            track_ids = favorites.get(user.pk, [])
            summary.favorites += len(track_ids)
            summary.favorites_added += _ensure_favorites(user, track_ids)
    return summary


def _ensure_favorites(user, track_ids: list[int]) -> int:
    """Puts the tracks missing from the user's Favorites at its end; returns how many."""
    from rubysound.social.models import PlaylistItem
    from rubysound.social.services import playlists

    # Listeners made by an older demo, which wrote accounts without signing them up, have none.
    favorites = playlists.ensure_favorites(user)
    present = set(
        PlaylistItem.objects.filter(playlist=favorites).values_list("track_id", flat=True)
    )
    added = 0
    for track_id in track_ids:
        if track_id not in present:
            playlists.add_track(favorites, playlists.TrackRef(track_id=track_id))
            added += 1
    return added
