"""Demo listeners: signed up, with favorites and weeks of listening, all through services."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from rubysound.accounts.models import User
from rubysound.catalog.models import Listen
from rubysound.demo.activity import (
    DEMO_LISTENERS,
    FAVORITES_PER_LISTENER,
    ensure_demo_listeners,
    plan_demo_favorites,
    plan_demo_listens,
    seed_demo_activity,
)
from rubysound.demo.plan import GENRES, plan_demo_library
from rubysound.social.models import FAVORITES_TITLE, Playlist, PlaylistItem
from tests.catalog.conftest import TINY
from tests.factories import TrackFactory, UserFactory

ROOT = "/library"
PREFIX = "RubySound Demo"
NOW = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


def test_listening_activity_has_hits_and_risers_and_is_reproducible():
    track_ids = list(range(100, 160))
    genres = [GENRES[i % len(GENRES)] for i in range(60)]
    users = list(range(1, 11))
    anchor = datetime(2026, 11, 26, tzinfo=UTC)

    rows = plan_demo_listens(track_ids, genres, users, seed=7, anchor=anchor)

    assert rows == plan_demo_listens(track_ids, genres, users, seed=7, anchor=anchor)
    assert rows != plan_demo_listens(track_ids, genres, users, seed=8, anchor=anchor)
    assert all(anchor - timedelta(days=56) <= at < anchor for _, _, at in rows)
    plays = Counter(track for _, track, _ in rows)
    ranked = [count for _, count in plays.most_common()]
    assert ranked[0] >= 4 * ranked[len(ranked) // 2]  # a few clear hits

    week = anchor - timedelta(days=7)
    recent = Counter(track for _, track, at in rows if at >= week)
    before = Counter(track for _, track, at in rows if week - timedelta(days=14) <= at < week)
    risers = [
        track
        for track in recent
        if recent[track] >= 3 * max(1, before[track])
        and len({user for user, t, at in rows if t == track and at >= week}) >= 5
    ]
    assert len(risers) >= 2


def test_favorites_are_each_listeners_most_played_tracks():
    anchor = datetime(2026, 11, 26, tzinfo=UTC)
    rows = plan_demo_listens(list(range(100, 130)), ["Rock"] * 30, [1, 2, 3], seed=7, anchor=anchor)

    favorites = plan_demo_favorites(rows, seed=7)

    assert favorites == plan_demo_favorites(rows, seed=7)
    assert set(favorites) == {1, 2, 3}
    for user, tracks in favorites.items():
        plays = Counter(track for listener, track, _ in rows if listener == user)
        low, high = FAVORITES_PER_LISTENER
        assert low <= len(tracks) <= high
        assert len(set(tracks)) == len(tracks)
        assert [plays[track] for track in tracks] == sorted(plays.values(), reverse=True)[
            : len(tracks)
        ]


@pytest.fixture
def demo_tracks(db):
    """The demo's tracks as the scanner would have stored them (rows only, no files)."""
    _, tracks = plan_demo_library(**{**TINY, "artists": 4})
    for planned in tracks:
        TrackFactory(library_root=ROOT, path=f"{PREFIX}/{planned.path}", title=planned.title)
    return tracks


def seed(tracks, *, now=NOW):
    return seed_demo_activity(ROOT, tracks, prefix=PREFIX, seed=7, now=now)


def stored_activity() -> tuple:
    return (
        set(User.objects.values_list("username", flat=True)),
        set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source")),
        set(Playlist.objects.values_list("owner_id", "title", "is_favorites")),
        set(PlaylistItem.objects.values_list("playlist_id", "track_id", "position")),
    )


@pytest.mark.django_db
def test_the_signup_service_gives_each_demo_listener_a_favorites_playlist():
    users, created = ensure_demo_listeners()

    assert created == len(DEMO_LISTENERS)
    assert [user.username for user in users] == list(DEMO_LISTENERS)
    for user in users:
        assert not user.has_usable_password()
        assert Playlist.objects.filter(
            owner=user, is_favorites=True, title=FAVORITES_TITLE
        ).exists()


def test_every_demo_listener_has_favorites_and_listens(demo_tracks):
    summary = seed(demo_tracks)

    assert (summary.listeners, summary.listeners_created, summary.tracks) == (10, 10, 12)
    assert summary.favorites == summary.favorites_added > 0
    assert summary.listens == summary.created == Listen.objects.count()
    for user in User.objects.filter(username__in=DEMO_LISTENERS):
        favorites = Playlist.objects.get(owner=user, is_favorites=True)
        liked = list(favorites.items.order_by("position").values_list("track_id", flat=True))
        plays = Counter(user.listens.values_list("track_id", flat=True))
        assert plays, user
        assert liked, user
        assert set(liked) <= set(plays)
        assert plays[liked[0]] == max(plays.values())
        assert set(user.listens.values_list("source", flat=True)) == {"demo"}
        assert all(
            at < NOW.replace(hour=0, minute=0)
            for at in user.listens.values_list("listened_at", flat=True)
        )


def test_running_again_adds_no_listener_listen_or_favorite(demo_tracks):
    seed(demo_tracks)
    before = stored_activity()

    again = seed(demo_tracks, now=NOW + timedelta(hours=3))

    assert (again.listeners_created, again.created, again.removed, again.favorites_added) == (
        0,
        0,
        0,
        0,
    )
    assert stored_activity() == before


def test_the_next_day_moves_the_listens_and_keeps_the_favorites(demo_tracks):
    seed(demo_tracks)
    _, _, playlists, items = stored_activity()

    later = seed(demo_tracks, now=NOW + timedelta(days=1))

    assert later.removed > 0
    assert later.created > 0
    assert later.favorites_added == 0
    assert Listen.objects.count() == later.listens
    assert stored_activity()[2:] == (playlists, items)


def test_a_listener_left_by_an_older_demo_without_favorites_gets_them(demo_tracks):
    older = UserFactory(username="demo_ana", favorites=False)

    summary = seed(demo_tracks)

    assert summary.listeners_created == len(DEMO_LISTENERS) - 1
    assert Playlist.objects.get(owner=older, is_favorites=True).items.exists()
