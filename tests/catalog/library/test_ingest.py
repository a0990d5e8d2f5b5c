"""Catalog rows from library files: upserts that match names the way people do, pruning."""

import pytest

from rubysound.catalog.library import ingest
from rubysound.catalog.library.tags import AudioTags
from rubysound.catalog.models import Album, Artist, Genre, Track
from tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

MBID = "87c5dedd-371d-4a53-9f7f-80522fb7f3cb"


def tags(**overrides) -> AudioTags:
    values = {
        "title": "Jóga",
        "artist": "Björk",
        "album": "Homogenic",
        "genres": ["Electronic"],
        "track_number": 3,
        "year": 1997,
        "duration": 305.0,
        "format": "flac",
        "codec": "flac",
    }
    values.update(overrides)
    return AudioTags(**values)


def record(path: str = "Björk/Homogenic/03.flac", **overrides):
    return ingest.record_library_track(
        root="/music",
        path=path,
        tags=tags(**overrides),
        size=1000,
        mtime=1.5,
        content_hash="a" * 64,
        waveform=[0, 255],
    )


def test_an_artist_is_one_row_however_its_name_is_written():
    first = ingest.get_or_create_artist("Björk")
    for spelling in ("BJORK", "  björk ", "Bjork", "BJÖRK"):
        assert ingest.get_or_create_artist(spelling) == first
    assert Artist.objects.get().name == "Björk"  # the first spelling seen stays


def test_an_artist_mbid_is_recorded_once_and_never_stolen():
    artist = ingest.get_or_create_artist("Björk", mbid=MBID)
    assert str(artist.mbid) == MBID
    other = ingest.get_or_create_artist("Someone Else", mbid=MBID)
    assert other.mbid is None


def test_albums_are_matched_per_artist_by_folded_title():
    bjork = ingest.get_or_create_artist("Björk")
    album = ingest.get_or_create_album(bjork, "Homogenic")
    assert album.year is None
    same = ingest.get_or_create_album(bjork, "HOMOGENIC ", year=1997)
    assert same == album
    album.refresh_from_db()
    assert album.year == 1997
    other = ingest.get_or_create_album(ingest.get_or_create_artist("Cover Band"), "Homogenic")
    assert other != album


def test_genres_are_one_row_per_slug():
    genres = ingest.get_or_create_genres(["Hip-Hop", "hip hop", "HIP-HOP", "Jazz"])
    assert [g.name for g in genres] == ["Hip-Hop", "Jazz"]
    assert Genre.objects.count() == 2


def test_a_library_file_is_created_then_updated_in_place():
    created = record()
    assert created.created
    track = created.track
    assert (track.artist.name, track.album.title, track.album.year) == ("Björk", "Homogenic", 1997)
    assert [g.name for g in track.genres.all()] == ["Electronic"]

    updated = record(title="Jóga (Live)", genres=["Pop", "Live"])

    assert not updated.created
    assert updated.track.pk == track.pk
    track.refresh_from_db()
    assert track.title == "Jóga (Live)"
    assert sorted(g.name for g in track.genres.all()) == ["Live", "Pop"]
    assert Track.objects.count() == 1


def test_a_file_without_album_has_no_album():
    assert record(album="").track.album is None


def test_deleting_tracks_removes_albums_and_artists_left_empty_and_only_those():
    lonely = record("lonely.flac", artist="Lonely", album="Alone").track
    kept = record("kept-1.flac", artist="Busy", album="Two Tracks").track
    record("kept-2.flac", artist="Busy", album="Two Tracks")
    unrelated_artist = ArtistFactory(name="Known From A Provider")  # no tracks, never scanned

    removed = ingest.delete_library_tracks([lonely.pk, kept.pk])

    assert removed == 2
    assert not Artist.objects.filter(name="Lonely").exists()
    assert not Album.objects.filter(title="Alone").exists()
    assert Album.objects.get(title="Two Tracks").tracks.count() == 1
    assert Artist.objects.filter(pk=unrelated_artist.pk).exists()


def test_moving_a_track_refuses_a_path_another_track_holds():
    first = record("a.flac").track
    record("b.flac", title="Other")
    assert (
        ingest.move_library_track(first.pk, root="/music", path="b.flac", size=1, mtime=2) is None
    )
    moved = ingest.move_library_track(first.pk, root="/music", path="c.flac", size=1, mtime=2)
    assert moved.path == "c.flac"


def test_remote_tracks_are_never_touched_by_library_deletes():
    remote = TrackFactory(source=Track.Source.REMOTE, library_root="", path="")
    assert ingest.delete_library_tracks([remote.pk]) == 0
    assert Track.objects.filter(pk=remote.pk).exists()
