"""Tracks known only to a provider become catalog rows: one per artist and folded title."""

import threading
import uuid

import pytest
from django.db import connection

from rubysound.catalog.library.remote_tracks import get_or_create_remote_track
from rubysound.catalog.models import Album, Artist, Track
from tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

MBID = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"


def test_a_new_song_becomes_a_remote_track_of_a_known_artist():
    bjork = ArtistFactory(name="Björk")
    track = get_or_create_remote_track(" Jóga ", "BJORK", mbid=MBID, duration=305.0)
    assert track.source == Track.Source.REMOTE
    assert (track.title, track.title_key, track.artist) == ("Jóga", "joga", bjork)
    assert track.mbid == uuid.UUID(MBID)
    assert track.duration == 305.0
    assert track.stream_url == ""
    assert not track.is_playable


def test_a_new_artist_is_created_once():
    track = get_or_create_remote_track("Teardrop", "Massive Attack")
    assert track.artist.name == "Massive Attack"
    assert get_or_create_remote_track("Angel", "massive  attack").artist == track.artist
    assert Artist.objects.count() == 1


def test_the_same_song_however_written_is_one_row():
    first = get_or_create_remote_track("Jóga", "Björk")
    again = get_or_create_remote_track("JOGA", " bjork")
    assert again.pk == first.pk
    assert Track.objects.count() == 1


def test_missing_facts_are_filled_in_and_known_ones_kept():
    track = get_or_create_remote_track("Roads", "Portishead", preview_url="https://a.example/1")
    again = get_or_create_remote_track(
        "roads",
        "Portishead",
        mbid=MBID,
        album="Dummy",
        duration=305.0,
        preview_url="https://b.example/2",
        image_url="https://b.example/cover.jpg",
        provider_ids={"deezer": "42"},
    )
    assert again.pk == track.pk
    again.refresh_from_db()
    assert again.mbid == uuid.UUID(MBID)
    assert again.album.title == "Dummy"
    assert again.duration == 305.0
    assert again.preview_url == "https://a.example/1"
    assert again.remote_image_url == "https://b.example/cover.jpg"
    assert again.provider_ids == {"deezer": "42"}


def test_a_library_file_of_that_name_is_not_the_remote_track():
    library = TrackFactory(title="Roads", artist=ArtistFactory(name="Portishead"))
    remote = get_or_create_remote_track("Roads", "Portishead")
    assert remote.pk != library.pk
    assert remote.source == Track.Source.REMOTE
    assert remote.artist == library.artist


def test_an_album_is_found_or_created_under_the_artist():
    track = get_or_create_remote_track("Teardrop", "Massive Attack", album="Mezzanine")
    assert track.album.artist == track.artist
    other = get_or_create_remote_track("Angel", "Massive Attack", album="MEZZANINE")
    assert other.album == track.album
    assert Album.objects.count() == 1


def test_overlong_names_are_cut_to_fit():
    track = get_or_create_remote_track("t" * 400, "a" * 400, album="b" * 400)
    assert len(track.title) == len(track.artist.name) == len(track.album.title) == 255


@pytest.mark.parametrize("name", ["", "   "])
def test_a_track_needs_a_name(name):
    with pytest.raises(ValueError, match="needs a name"):
        get_or_create_remote_track(name, "Someone")
    assert Track.objects.count() == 0


def test_a_negative_duration_is_ignored():
    assert get_or_create_remote_track("x", "y", duration=-3).duration is None


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_the_same_new_song_make_one_row():
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    found: list = []

    def worker():
        try:
            barrier.wait(timeout=10)
            found.append(get_or_create_remote_track("Glory Box", "Portishead").pk)
        except Exception as exc:
            found.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(pk, int) for pk in found), found
    assert len(set(found)) == 1
    assert Track.objects.count() == Artist.objects.count() == 1
