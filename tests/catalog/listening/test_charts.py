"""Charts from listens: ranking, windows, genres, trending, the cache."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.catalog.listening import charts, tallies
from tests.catalog.plays import listeners, play
from tests.factories import AlbumFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _ids(chart) -> list[int]:
    return [entry["id"] for entry in chart.entries]


def _top_artists(window="month", genre="", limit=20):
    return charts.get_chart(charts.TOP_ARTISTS, window=window, genre=genre, limit=limit)


def _top_tracks(window="month", genre="", limit=20):
    return charts.get_chart(charts.TOP_TRACKS, window=window, genre=genre, limit=limit)


# --- Ranking --------------------------------------------------------------------------------


def test_distinct_listeners_rank_before_plays():
    crowd, repeat = TrackFactory(), TrackFactory()
    play(crowd, listeners(3))  # 3 listeners, 3 plays
    play(repeat, listeners(1), times=100)  # 1 listener, 100 plays
    chart = _top_tracks()
    assert _ids(chart) == [crowd.pk, repeat.pk]
    assert [(e["listeners"], e["playcount"]) for e in chart.entries] == [(3, 3), (1, 100)]
    artists = _top_artists()
    assert _ids(artists) == [crowd.artist_id, repeat.artist_id]


def test_plays_break_ties_between_equal_listeners():
    a, b = TrackFactory(), TrackFactory()
    users = listeners(2)
    play(a, users, times=2)
    play(b, users, times=5)
    assert _ids(_top_tracks()) == [b.pk, a.pk]


def test_counts_are_compared_as_numbers():
    """The old API sorted "9" above "10"."""
    ten, nine = TrackFactory(), TrackFactory()
    people = listeners(10)
    play(nine, people[:9])
    play(ten, people)
    chart = _top_tracks()
    assert _ids(chart) == [ten.pk, nine.pk]
    assert [e["listeners"] for e in chart.entries] == [10, 9]
    assert all(type(e["listeners"]) is int and type(e["playcount"]) is int for e in chart.entries)


def test_an_artist_adds_up_the_listeners_of_all_its_tracks_once():
    album = AlbumFactory()
    first, second = TrackFactory(album=album), TrackFactory(album=album)
    users = listeners(2)
    play(first, users)
    play(second, users)
    entry = _top_artists().entries[0]
    assert (entry["id"], entry["listeners"], entry["playcount"]) == (album.artist_id, 2, 4)


def test_limit_bounds_the_chart():
    for n in range(5):
        play(TrackFactory(), listeners(n + 1))
    assert len(_top_tracks(limit=3).entries) == 3
    with pytest.raises(ValueError, match="limit"):
        _top_tracks(limit=0)
    with pytest.raises(ValueError, match="limit"):
        _top_tracks(limit=charts.MAX_LIMIT + 1)
    with pytest.raises(ValueError, match="window"):
        _top_tracks(window="decade")


# --- Windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "week", "month", "year", "all_time"),
    [
        (timedelta(hours=2), True, True, True, True),
        (10 * DAY, False, True, True, True),
        (40 * DAY, False, False, True, True),
        (400 * DAY, False, False, False, True),
    ],
)
def test_windows_hold_the_listens_of_their_period(age, week, month, year, all_time):
    track = TrackFactory()
    play(track, listeners(1), ago=age)
    for window, expected in (("week", week), ("month", month), ("year", year), ("all", all_time)):
        assert (_ids(_top_tracks(window)) == [track.pk]) is expected, window
        assert (_ids(_top_artists(window)) == [track.artist_id]) is expected, window


# --- Genres -----------------------------------------------------------------------------------


def test_a_genre_chart_holds_only_that_genre():
    rock, jazz = GenreFactory(name="Rock"), GenreFactory(name="Jazz")
    riff = TrackFactory(genres=[rock])
    swing = TrackFactory(genres=[jazz])
    both = TrackFactory(genres=[rock, jazz])
    play(riff, listeners(3))
    play(swing, listeners(2))
    play(both, listeners(1))
    assert _ids(_top_tracks(genre="rock")) == [riff.pk, both.pk]
    assert _ids(_top_tracks(genre="Jazz")) == [swing.pk, both.pk]
    assert _ids(_top_artists(genre="ROCK")) == [riff.artist_id, both.artist_id]
    # Counted once even though the track has two genres.
    assert _top_tracks().entries[-1]["playcount"] == 1


def test_genre_names_are_matched_like_slugs():
    hiphop = GenreFactory(name="Hip-Hop", slug="hip-hop")
    track = TrackFactory(genres=[hiphop])
    play(track, listeners(1))
    for spelled in ("hip-hop", "Hip Hop", "HIP-HOP", " hip hop "):
        assert _ids(_top_tracks(genre=spelled)) == [track.pk], spelled


@pytest.mark.parametrize("genre", ["polka", "!!!", "x" * 300])
def test_an_unknown_genre_is_an_empty_chart_and_never_cached(genre):
    play(TrackFactory(genres=[GenreFactory(name="Rock")]), listeners(1))
    first = _top_tracks(genre=genre)
    second = _top_tracks(genre=genre)
    assert first.entries == second.entries == []
    assert second.cached is False


# --- Trending -----------------------------------------------------------------------------------


def test_trending_is_growth_against_the_previous_window():
    rising, steady, fading = TrackFactory(), TrackFactory(), TrackFactory()
    play(rising, listeners(1), ago=10 * DAY)
    play(rising, listeners(4))  # 1 -> 4 listeners
    people = listeners(5)
    play(steady, people, ago=10 * DAY)
    play(steady, people)  # 5 -> 5: no growth
    play(fading, listeners(8), ago=10 * DAY)
    play(fading, listeners(3))  # 8 -> 3
    chart = charts.get_chart(charts.TRENDING_TRACKS, window="week", limit=10)
    assert _ids(chart) == [rising.pk]
    entry = chart.entries[0]
    assert entry["listeners"] == 4
    assert entry["previous_listeners"] == 1
    assert entry["growth"] == pytest.approx((4 - 1) / (1 + 1))


def test_bigger_relative_growth_trends_higher():
    small, big = TrackFactory(), TrackFactory()
    play(small, listeners(10), ago=10 * DAY)
    play(small, listeners(12))  # +20 %
    play(big, listeners(3))  # from nothing to 3
    chart = charts.get_chart(charts.TRENDING_TRACKS, window="week", limit=10)
    assert _ids(chart) == [big.pk, small.pk]


def test_one_account_cannot_make_anything_trend():
    """500 plays by one user are one listener: below the minimum, not trending."""
    hammered, liked = TrackFactory(), TrackFactory()
    play(hammered, listeners(1), times=500)
    play(liked, listeners(charts.TRENDING_MIN_LISTENERS))
    for kind, expected in (
        (charts.TRENDING_TRACKS, [liked.pk]),
        (charts.TRENDING_ARTISTS, [liked.artist_id]),
    ):
        chart = charts.get_chart(kind, window="week", limit=10)
        assert _ids(chart) == expected
    # While the plain top chart, by listeners, still shows both.
    assert set(_ids(_top_tracks("week"))) == {hammered.pk, liked.pk}


def test_trending_has_no_all_time_window():
    with pytest.raises(ValueError, match="window"):
        charts.get_chart(charts.TRENDING_ARTISTS, window="all", limit=10)


def test_trending_artists_carry_releases_and_growth():
    track = TrackFactory()
    play(track, listeners(4))
    entry = charts.get_chart(charts.TRENDING_ARTISTS, window="month", limit=5).entries[0]
    assert entry["id"] == track.artist_id
    assert entry["previous_listeners"] == 0
    assert entry["growth"] == 4.0
    assert entry["releases"][0]["id"] == track.album_id


# --- Another signal -------------------------------------------------------------------------------


def test_a_registered_signal_weighs_in_on_the_score():
    favorite, played = TrackFactory(), TrackFactory()
    play(favorite, listeners(1))
    play(played, listeners(2))
    assert _ids(_top_tracks()) == [played.pk, favorite.pk]

    def favorites(subject, ids, since, until):
        return {favorite.pk: 3} if subject == "track" else {}

    tallies.register_signal(tallies.Signal("favorites", weight=1, load=favorites))
    try:
        cache.clear()
        assert _ids(_top_tracks()) == [favorite.pk, played.pk]
    finally:
        tallies.unregister_signal("favorites")
    assert tallies.score(tallies.Tally(1, listeners=2, plays=9)) == (2, 9)


# --- Cache ------------------------------------------------------------------------------------


def test_a_second_call_is_served_from_the_cache_without_queries(django_assert_num_queries):
    track = TrackFactory()
    play(track, listeners(2))
    first = _top_artists()
    assert first.cached is False
    with django_assert_num_queries(0):
        second = _top_artists()
    assert second.cached is True
    assert second.entries == first.entries


def test_the_key_names_kind_window_genre_and_limit():
    play(TrackFactory(), listeners(1))
    _top_tracks(limit=5)
    assert _top_tracks(limit=5).cached is True
    assert _top_tracks(limit=6).cached is False
    assert _top_tracks(window="week", limit=5).cached is False
    assert _top_artists(limit=5).cached is False
    key = charts.chart_cache_key(charts.TOP_TRACKS, "month", "rock", 15)
    assert key == "charts:v1:tracks:month:rock:15"


def test_refresh_replaces_a_cached_chart():
    early, late = TrackFactory(), TrackFactory()
    play(early, listeners(1))
    assert _ids(_top_tracks()) == [early.pk]
    play(late, listeners(3))
    assert _ids(_top_tracks()) == [early.pk]  # still cached
    refreshed = charts.refresh_chart(charts.TOP_TRACKS, window="month", limit=20)
    assert _ids(refreshed) == [late.pk, early.pk]
    again = _top_tracks()
    assert again.cached is True
    assert _ids(again) == [late.pk, early.pk]


def test_refresh_charts_warms_what_the_routes_ask_for():
    rock = GenreFactory(name="Rock")
    play(TrackFactory(genres=[rock]), listeners(2))
    count = charts.refresh_charts()
    assert count > 0
    assert charts.get_chart(charts.TOP_ARTISTS, window="month", genre="rock", limit=16).cached
    assert charts.get_chart(charts.TOP_TRACKS, window="year", genre="rock", limit=15).cached
    assert charts.get_chart(charts.TOP_TRACKS, window="week", limit=50).cached
    assert charts.get_chart(charts.TRENDING_ARTISTS, window="week", limit=20).cached


def test_the_refresh_charts_command(db):
    play(TrackFactory(genres=[GenreFactory(name="Jazz")]), listeners(1))
    out = StringIO()
    call_command("refresh_charts", stdout=out)
    assert "refreshed=" in out.getvalue()
    assert charts.get_chart(charts.TOP_TRACKS, window="year", genre="jazz", limit=15).cached
    cache.clear()
    call_command("refresh_charts", "--no-genres", "--window", "week", stdout=StringIO())
    assert charts.get_chart(charts.TOP_TRACKS, window="week", limit=50).cached
    assert not charts.get_chart(charts.TOP_TRACKS, window="year", genre="jazz", limit=15).cached


def test_track_stats_are_all_time_and_cached(django_assert_num_queries):
    track, silent = TrackFactory(), TrackFactory()
    play(track, listeners(2), times=3, ago=500 * DAY)
    with django_assert_num_queries(1):
        assert charts.track_stats([track.pk, silent.pk]) == {track.pk: (2, 6), silent.pk: (0, 0)}
    with django_assert_num_queries(0):
        assert charts.track_stats([track.pk])[track.pk] == (2, 6)


def test_track_cards_carry_all_time_numbers_in_one_query(django_assert_num_queries):
    track, silent = TrackFactory(), TrackFactory()
    play(track, listeners(2), times=3, ago=500 * DAY)
    tracks = [track, silent, track]
    with django_assert_num_queries(1):
        cards = charts.track_cards(tracks)
    assert [(card.id, card.listeners, card.playcount) for card in cards] == [
        (track.pk, 2, 6),
        (silent.pk, 0, 0),
        (track.pk, 2, 6),
    ]
    assert cards[0].name == track.title
    with django_assert_num_queries(0):
        charts.track_cards(tracks)


# --- Query counts ---------------------------------------------------------------------------------


def _chart_queries(kind, window="month", limit=40) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        chart = charts.get_chart(kind, window=window, limit=limit)
    assert chart.entries
    return len(queries)


def _catalog_with_listens(artists: int) -> None:
    for n in range(artists):
        album = AlbumFactory()
        AlbumFactory(artist=album.artist)  # a second release
        play(TrackFactory(album=album), listeners(charts.TRENDING_MIN_LISTENERS + n % 2))


@pytest.mark.parametrize(
    ("kind", "window", "queries"),
    [
        (charts.TOP_TRACKS, "month", 2),  # aggregate, tracks
        (charts.TOP_ARTISTS, "month", 4),  # aggregate, artists, albums, album plays
        (charts.TRENDING_TRACKS, "week", 3),  # now, before, tracks
        (charts.TRENDING_ARTISTS, "week", 5),  # now, before, artists, albums, album plays
    ],
)
def test_chart_queries_do_not_grow_with_the_chart(kind, window, queries):
    _catalog_with_listens(5)
    few = _chart_queries(kind, window)
    _catalog_with_listens(25)
    many = _chart_queries(kind, window)
    # Each registered signal (social's favorites) adds one query per set of tallies it weighs.
    per_signal = 2 if kind in (charts.TRENDING_TRACKS, charts.TRENDING_ARTISTS) else 1
    assert few == many == queries + per_signal * len(tallies._SIGNALS)
