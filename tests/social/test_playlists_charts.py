"""Favorites weigh in on the charts: a favorited track (and its artist) ranks up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rubysound.catalog.listening import charts, tallies
from rubysound.social.selectors.playlists import FAVORITES_SIGNAL
from tests.catalog.plays import listeners, play
from tests.factories import PlaylistItemFactory, TrackFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db


def _top(kind: str, window: str = "month") -> list[int]:
    return [e["id"] for e in charts.get_chart(kind, window=window, limit=10).entries]


def favorite(track, users, *, ago: timedelta = timedelta(hours=1)) -> None:
    for user in users:
        PlaylistItemFactory(playlist=favorites_of(user), track=track, added_at=timezone.now() - ago)


@pytest.fixture
def crowd_and_favorite():
    """A track three people listened to, and one that one person did but two favorited."""
    crowd, loved = TrackFactory(), TrackFactory()
    play(crowd, listeners(3))
    play(loved, listeners(1))
    return crowd, loved


def test_the_signal_is_registered_by_the_social_app():
    assert FAVORITES_SIGNAL in tallies._SIGNALS


def test_a_favorited_track_ranks_up(crowd_and_favorite):
    crowd, loved = crowd_and_favorite
    assert _top(charts.TOP_TRACKS) == [crowd.pk, loved.pk]

    favorite(loved, listeners(3))

    assert _top(charts.TOP_TRACKS) == [crowd.pk, loved.pk]  # cached for a while...
    charts.refresh_chart(charts.TOP_TRACKS, window="month", limit=10)
    assert _top(charts.TOP_TRACKS) == [loved.pk, crowd.pk]  # ...then 1 listener + 3 favorites
    assert _top(charts.TOP_ARTISTS) == [loved.artist_id, crowd.artist_id]


def test_favorites_count_within_the_window(crowd_and_favorite):
    crowd, loved = crowd_and_favorite
    favorite(loved, listeners(3), ago=timedelta(days=60))
    assert _top(charts.TOP_TRACKS, "month") == [crowd.pk, loved.pk]
    assert _top(charts.TOP_TRACKS, "year") == [loved.pk, crowd.pk]


def test_an_artist_counts_people_not_favorited_tracks(crowd_and_favorite):
    crowd, loved = crowd_and_favorite
    fan = UserFactory()
    for _ in range(5):  # a whole discography favorited by one person
        favorite(TrackFactory(artist=loved.artist), [fan])
    # 1 listener + 1 fan = 2 people, still fewer than the crowd's 3.
    assert _top(charts.TOP_ARTISTS) == [crowd.artist_id, loved.artist_id]


def test_switched_off_accounts_do_not_count(crowd_and_favorite):
    crowd, loved = crowd_and_favorite
    favorite(loved, [UserFactory(is_active=False) for _ in range(3)])
    assert _top(charts.TOP_TRACKS) == [crowd.pk, loved.pk]
