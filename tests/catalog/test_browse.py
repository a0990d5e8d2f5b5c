"""Browsing the library through the catalog's selectors: letters, sorts, filters, pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rubysound.catalog import selectors
from rubysound.catalog.models import Album, Artist, Track
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    ListenFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def names(page) -> list[str]:
    return [artist.name for artist in page.items]


def titles(page) -> list[str]:
    return [row.title for row in page.items]


def _age(model, obj, days: int) -> None:
    model.objects.filter(pk=obj.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- artists ---------------------------------------------------------------------------------


@pytest.fixture
def artists(db):
    made = {
        name: ArtistFactory(name=name)
        for name in ("Ägypten Trio", "abba", "Bach", "42nd Street", "Øresund", "Beck")
    }
    for days, name in enumerate(made):
        _age(Artist, made[name], days)  # "Ägypten Trio" newest
    return made


def test_letters_fold_accents_and_case(artists):
    assert names(selectors.browse_artists(letter="a")) == ["abba", "Ägypten Trio"]
    assert names(selectors.browse_artists(letter="b")) == ["Bach", "Beck"]
    assert names(selectors.browse_artists(letter="z")) == []


def test_other_letter_holds_digits_and_letters_beyond_a_to_z(artists):
    assert selectors.letter_of("Ägypten") == "a"
    assert selectors.letter_of("42nd Street") == "#"
    # "Ø" has no decomposition: it is not an "o" and files under "#".
    assert names(selectors.browse_artists(letter="#")) == ["42nd Street", "Øresund"]


def test_artists_sorted_by_name_added_and_plays(artists):
    assert names(selectors.browse_artists())[:3] == ["42nd Street", "abba", "Ägypten Trio"]
    assert names(selectors.browse_artists(sort="added"))[:2] == ["Ägypten Trio", "abba"]
    bach_track = TrackFactory(album=AlbumFactory(artist=artists["Bach"]))
    beck_track = TrackFactory(album=AlbumFactory(artist=artists["Beck"]))
    for _ in range(3):
        ListenFactory(track=beck_track)
    ListenFactory(track=bach_track)
    page = selectors.browse_artists(sort="plays")
    assert names(page)[:2] == ["Beck", "Bach"]
    assert [artist.plays for artist in page.items[:3]] == [3, 1, 0]


def test_artist_card_facts(artists):
    bach = artists["Bach"]
    AlbumFactory(artist=bach, title="Without cover")
    covered = AlbumFactory(artist=bach, title="Goldberg", cover="covers/original/g.jpg")
    TrackFactory(album=covered)
    (card,) = selectors.browse_artists(letter="b", size=1).items
    assert card == bach
    assert (card.album_count, card.track_count, card.cover_album_id) == (2, 1, covered.pk)
    (beck,) = selectors.browse_artists(letter="b", page=2, size=1).items
    assert beck.cover_album_id is None


def test_pages_do_not_overlap_and_say_when_more_follow(artists):
    first = selectors.browse_artists(size=4)
    second = selectors.browse_artists(size=4, page=2)
    assert first.has_next
    assert not second.has_next
    assert (len(first.items), len(second.items)) == (4, 2)
    assert set(names(first)).isdisjoint(names(second))
    assert second.first_index == 5


def test_pages_out_of_range_are_empty(artists):
    assert selectors.browse_artists(page=50).items == []
    assert selectors.browse_artists(page=selectors.MAX_PAGE + 1).items == []
    assert selectors.browse_artists(page=0).items == []


# --- albums ----------------------------------------------------------------------------------


@pytest.fixture
def albums(db):
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    made = {
        "kind of blue": AlbumFactory(title="Kind of Blue", year=1959),
        "nevermind": AlbumFactory(title="Nevermind", year=1991),
        "ok computer": AlbumFactory(title="OK Computer", year=1997),
        "undated": AlbumFactory(title="Undated", year=None),
    }
    TrackFactory(album=made["kind of blue"], genres=[jazz])
    TrackFactory(album=made["nevermind"], genres=[rock])
    TrackFactory(album=made["nevermind"], genres=[rock])  # two rock tracks, one album
    TrackFactory(album=made["ok computer"], genres=[rock, jazz])
    for days, title in enumerate(made):
        _age(Album, made[title], days)  # "Kind of Blue" newest
    return {"rock": rock, "jazz": jazz, **made}


def test_albums_sorts(albums):
    assert titles(selectors.browse_albums())[0] == "Kind of Blue"
    assert titles(selectors.browse_albums(sort="year")) == [
        "OK Computer",
        "Nevermind",
        "Kind of Blue",
        "Undated",
    ]
    assert titles(selectors.browse_albums(sort="title")) == [
        "Kind of Blue",
        "Nevermind",
        "OK Computer",
        "Undated",
    ]
    ok_track = albums["ok computer"].tracks.first()
    ListenFactory(track=ok_track)
    ListenFactory(track=ok_track)
    ListenFactory(track=albums["nevermind"].tracks.first())
    assert titles(selectors.browse_albums(sort="plays"))[:2] == ["OK Computer", "Nevermind"]


def test_random_order_is_stable_for_a_seed_and_pages_cover_everything(albums):
    AlbumFactory.create_batch(20)
    seen = []
    for number in (1, 2, 3):
        page = selectors.browse_albums(sort="random", seed=7, page=number, size=10)
        seen += [album.pk for album in page.items]
    assert sorted(seen) == sorted(Album.objects.values_list("pk", flat=True))
    again = [a.pk for a in selectors.browse_albums(sort="random", seed=7, size=24).items]
    assert again == seen
    other = [a.pk for a in selectors.browse_albums(sort="random", seed=8, size=24).items]
    assert other != seen
    assert other != sorted(other)


def test_albums_filtered_by_genre_and_decade(albums):
    rock_albums = selectors.browse_albums(sort="title", genre=albums["rock"])
    assert titles(rock_albums) == ["Nevermind", "OK Computer"]
    assert titles(selectors.browse_albums(sort="title", decade=1990)) == [
        "Nevermind",
        "OK Computer",
    ]
    jazz_of_the_90s = selectors.browse_albums(genre=albums["jazz"], decade=1990)
    assert titles(jazz_of_the_90s) == ["OK Computer"]
    assert titles(selectors.browse_albums(decade=1970)) == []
    assert selectors.album_decades() == [1950, 1990]


def test_decades_are_whole_decades_in_range():
    assert selectors.is_decade(1990)
    assert not selectors.is_decade(1995)
    assert not selectors.is_decade(1800)
    assert not selectors.is_decade(3000)


# --- genres ----------------------------------------------------------------------------------


def test_genres_with_track_and_album_counts(albums):
    GenreFactory(name="Polka", slug="polka")
    page = selectors.browse_genres()
    counts = {genre.slug: (genre.track_count, genre.album_count) for genre in page.items}
    assert counts == {"jazz": (2, 2), "polka": (0, 0), "rock": (3, 2)}
    assert [genre.slug for genre in page.items] == ["jazz", "polka", "rock"]
    rock = selectors.genre_detail("rock")
    assert (rock.track_count, rock.album_count) == (3, 2)
    assert selectors.genre_detail("nope") is None


def test_genre_top_tracks_most_played_first(albums):
    rock_tracks = list(Track.objects.filter(genres=albums["rock"]).order_by("pk"))
    ListenFactory(track=rock_tracks[2])
    ListenFactory(track=rock_tracks[2])
    ListenFactory(track=rock_tracks[1])
    top = selectors.genre_top_tracks(albums["rock"])
    assert [t.pk for t in top] == [rock_tracks[2].pk, rock_tracks[1].pk, rock_tracks[0].pk]


# --- tracks ----------------------------------------------------------------------------------


@pytest.fixture
def tracks(db):
    blue = AlbumFactory(title="Blue Train", artist=ArtistFactory(name="John Coltrane"))
    made = {
        "locomotion": TrackFactory(title="Locomotion", album=blue, year=1957, duration=430),
        "moment": TrackFactory(title="Moment's Notice", album=blue, year=1957, duration=551),
        "zebra": TrackFactory(title="Zebra", year=2001, duration=None),
        "été": TrackFactory(title="Été", year=None, duration=120),
    }
    for days, title in enumerate(made):
        _age(Track, made[title], days)  # "Locomotion" newest
    return made


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Été", "Locomotion", "Moment's Notice", "Zebra"]),
        ("-title", ["Zebra", "Moment's Notice", "Locomotion", "Été"]),
        ("year", ["Locomotion", "Moment's Notice", "Zebra", "Été"]),
        ("-year", ["Zebra", "Moment's Notice", "Locomotion", "Été"]),
        ("duration", ["Été", "Locomotion", "Moment's Notice", "Zebra"]),
        ("-duration", ["Moment's Notice", "Locomotion", "Été", "Zebra"]),
        ("added", ["Locomotion", "Moment's Notice", "Zebra", "Été"]),
        ("-added", ["Été", "Zebra", "Moment's Notice", "Locomotion"]),
    ],
)
def test_track_sorts(tracks, sort, expected):
    assert titles(selectors.browse_tracks(sort=sort)) == expected


def test_tracks_by_artist_and_album(tracks):
    by_artist = titles(selectors.browse_tracks(sort="artist"))
    # The factory's "Artist <n>" comes before "John Coltrane"; then titles within an artist.
    assert set(by_artist[:2]) == {"Zebra", "Été"}
    assert by_artist[2:] == ["Locomotion", "Moment's Notice"]
    by_album = titles(selectors.browse_tracks(sort="album"))
    assert by_album.index("Locomotion") < by_album.index("Moment's Notice")


def test_tracks_most_played(tracks):
    for _ in range(2):
        ListenFactory(track=tracks["zebra"])
    ListenFactory(track=tracks["été"])
    assert titles(selectors.browse_tracks(sort="plays"))[:2] == ["Zebra", "Été"]
    assert titles(selectors.browse_tracks(sort="-plays"))[-1] == "Zebra"


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_most_played_pages_join_the_played_and_the_never_played(tracks, size):
    """Pages end anywhere: within the played, on their last one, among the never played."""
    extra = TrackFactory(title="Alpha", duration=100)
    for _ in range(3):
        ListenFactory(track=tracks["zebra"])
    for _ in range(2):
        ListenFactory(track=tracks["moment"])
    ListenFactory(track=extra)
    expected = ["Zebra", "Moment's Notice", "Alpha", "Été", "Locomotion"]
    seen, number = [], 1
    while True:
        page = selectors.browse_tracks(sort="plays", page=number, size=size)
        seen += titles(page)
        assert len(page.items) <= size
        if not page.has_next:
            break
        number += 1
    assert seen == expected
    assert [t.plays for t in selectors.browse_tracks(sort="plays").items] == [3, 2, 1, 0, 0]
    reversed_order = titles(selectors.browse_tracks(sort="-plays"))
    assert reversed_order[-3:] == ["Alpha", "Moment's Notice", "Zebra"]


def test_most_played_within_filters(tracks):
    ListenFactory(track=tracks["zebra"])
    ListenFactory(track=tracks["moment"])
    ListenFactory(track=tracks["moment"])
    fifties = titles(selectors.browse_tracks(sort="plays", decade=1950))
    assert fifties == ["Moment's Notice", "Locomotion"]


def test_tracks_filtered_by_text_decade_and_genre(tracks):
    assert titles(selectors.browse_tracks(text="ETE")) == ["Été"]
    assert titles(selectors.browse_tracks(text="coltrane")) == ["Locomotion", "Moment's Notice"]
    assert titles(selectors.browse_tracks(text="blue train", sort="-title")) == [
        "Moment's Notice",
        "Locomotion",
    ]
    assert titles(selectors.browse_tracks(decade=1950)) == ["Locomotion", "Moment's Notice"]
    jazz = GenreFactory(name="Jazz", slug="jazz")
    tracks["moment"].genres.set([jazz])
    assert titles(selectors.browse_tracks(genre=jazz)) == ["Moment's Notice"]
