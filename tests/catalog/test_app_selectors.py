"""The catalog reads for player apps: album lists, genre counts, searches by page."""

import pytest

from rubysound.catalog import selectors
from rubysound.catalog.models import Track
from tests.factories import AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_album_list_rejects_an_unknown_type():
    with pytest.raises(ValueError, match="unknown album list type"):
        selectors.album_list("sideways")


def test_album_list_pages_never_exceed_the_cap():
    artist = ArtistFactory()
    for n in range(3):
        AlbumFactory(artist=artist, title=f"A{n}")
    assert len(selectors.album_list("alphabeticalByName", size=10_000)) == 3
    assert selectors.album_list("alphabeticalByName", size=-1) == []
    assert [a.title for a in selectors.album_list("alphabeticalByName", offset=-5, size=1)] == [
        "A0"
    ]


def test_app_albums_count_and_sum_their_tracks():
    album = AlbumFactory()
    TrackFactory(album=album, duration=10.0)
    TrackFactory(album=album, duration=20.5)
    row = selectors.app_albums().get(pk=album.pk)
    assert row.track_count == 2
    assert row.total_duration == pytest.approx(30.5)


def test_app_tracks_are_library_tracks_only():
    library = TrackFactory()
    artist = ArtistFactory()
    TrackFactory(source=Track.Source.REMOTE, album=None, artist=artist, path="", library_root="")
    assert list(selectors.app_tracks().values_list("pk", flat=True)) == [library.pk]


def test_genre_counts_albums_once():
    rock = GenreFactory(name="Rock", slug="rock")
    album = AlbumFactory()
    TrackFactory(album=album, genres=[rock])
    TrackFactory(album=album, genres=[rock])
    TrackFactory(album=AlbumFactory(), genres=[rock])
    row = selectors.app_genres().get(pk=rock.pk)
    assert (row.track_count, row.album_count) == (3, 2)


def test_matching_ids_pages_the_ranked_results():
    artist = ArtistFactory(name="Zed")
    album = AlbumFactory(artist=artist)
    tracks = [TrackFactory(album=album, title=f"Blue {n}") for n in range(5)]
    first = selectors.matching_ids("track", "blue", offset=0, count=3)
    rest = selectors.matching_ids("track", "blue", offset=3, count=3)
    assert len(first) == 3
    assert len(rest) == 2
    assert set(first + rest) == {t.pk for t in tracks}
    assert selectors.matching_ids("track", "blue", offset=0, count=0) == []
    assert selectors.matching_ids("artist", "", offset=0, count=5) == []
