"""The library's cached searches: cards with their numbers, one key scheme, never stale."""

import pytest

from rubysound.catalog import selectors
from rubysound.catalog import version as catalog_version
from rubysound.catalog.search import library
from tests.catalog.plays import listeners, play
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def bjork():
    artist = ArtistFactory(name="Björk")
    album = AlbumFactory(artist=artist, title="Homogenic")
    tracks = [TrackFactory(artist=artist, album=album, title=f"Jóga {n}") for n in range(5)]
    play(tracks[0], listeners(3), times=2)
    return artist, tracks


def test_tracks_come_as_cards_with_their_all_time_numbers(bjork):
    _, tracks = bjork
    found = selectors.library_tracks("joga", limit=2)
    assert found.total == 5
    assert found.cached is False
    assert [card.id for card in found.cards] == [tracks[0].pk, tracks[1].pk]
    first = found.cards[0]
    assert (first.name, first.artist, first.album) == ("Jóga 0", "Björk", "Homogenic")
    assert (first.listeners, first.playcount) == (3, 6)
    assert first.url == f"/api/tracks/{tracks[0].pk}/stream"  # relative until presented
    rest = selectors.library_tracks("joga", limit=2, offset=4)
    assert [card.id for card in rest.cards] == [tracks[4].pk]
    assert selectors.library_tracks("joga", limit=2, offset=10).cards == []


def test_a_second_search_is_served_from_the_cache(bjork, django_assert_num_queries):
    first = selectors.library_tracks("joga", limit=5)
    with django_assert_num_queries(0):
        again = selectors.library_tracks(" JOGA ", limit=5)  # read alike: the same entry
    assert again.cached is True
    assert again.cards == first.cards
    assert again.total == first.total
    assert selectors.library_artists("joga", limit=5).cached is False  # another kind


def test_the_key_names_kind_limit_offset_and_the_catalog_version(bjork):
    selectors.library_tracks("joga", limit=5)
    assert selectors.library_tracks("joga", limit=5).cached
    assert not selectors.library_tracks("joga", limit=4).cached
    assert not selectors.library_tracks("joga", limit=5, offset=1).cached
    key = library._cache_key("tracks", "joga", 5, 0)
    assert key.startswith(f"catalog:search:v1:{catalog_version.current()}:tracks:5:0:")


def test_a_catalog_change_is_seen_at_once(bjork, django_capture_on_commit_callbacks):
    artist, _ = bjork
    assert selectors.library_tracks("joga", limit=10).total == 5
    TrackFactory(artist=artist, album=artist.albums.first(), title="Jóga 5")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_version.changed()
    found = selectors.library_tracks("joga", limit=10)
    assert (found.cached, found.total) == (False, 6)


def test_artists_come_with_listeners_and_their_own_image(bjork):
    artist, _ = bjork
    ArtistFactory(name="Björk Tribute", image=image_upload("tribute.png"))
    cards = selectors.library_artists("bjork", limit=5).cards
    assert [card.name for card in cards] == ["Björk", "Björk Tribute"]
    assert (cards[0].id, cards[0].url, cards[0].listeners, cards[0].playcount) == (
        artist.pk,
        f"/api/artists/{artist.pk}/",
        3,
        6,
    )
    assert cards[0].photo_url == ""  # no image of its own: the page shows an initial
    assert cards[1].photo_url.startswith("/media/artists/")
    assert selectors.library_artists("bjork", limit=5).cards == cards


def test_nothing_to_search_for_is_nothing_found_and_not_cached():
    for query in ("", "   ", "\x00"):
        assert selectors.library_tracks(query, limit=5).cards == []
        assert selectors.library_tracks(query, limit=5).cached is False
        assert selectors.library_artists(query, limit=5).cards == []


def test_the_cache_is_kept_briefly():
    assert 0 < library.LIBRARY_SEARCH_TTL <= 300
