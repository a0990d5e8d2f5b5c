"""Adding many tracks at once (``add_tracks``: "Add all", the pickers' forms)."""

import pytest

from rubysound.social.errors import TooManyTracks, TrackNotFound
from rubysound.social.services import playlists as services
from tests.factories import (
    ArtistFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def positions(playlist) -> list[tuple[int, int]]:
    return list(playlist.items.order_by("position").values_list("track_id", "position"))


def test_tracks_are_appended_in_the_order_given():
    playlist = PlaylistFactory()
    first = PlaylistItemFactory(playlist=playlist, position=0).track
    a, b, c = TrackFactory(), TrackFactory(), TrackFactory()

    result = services.add_tracks(playlist, [c.pk, a.pk, b.pk])

    assert [item.track_id for item in result.added] == [c.pk, a.pk, b.pk]
    assert result.already == []
    assert positions(playlist) == [(first.pk, 0), (c.pk, 1), (a.pk, 2), (b.pk, 3)]


def test_songs_already_there_and_repeats_are_left_out():
    playlist = PlaylistFactory()
    there = PlaylistItemFactory(playlist=playlist, position=0).track
    artist = ArtistFactory(name="Neon Rooms")
    original = TrackFactory(title="Glass", artist=artist)
    PlaylistItemFactory(playlist=playlist, track=original, position=1)
    # Another catalog row of the same song (same folded title and artist): a duplicate.
    same_song = TrackFactory(title="  GLASS ", artist=artist)
    new = TrackFactory()

    result = services.add_tracks(playlist, [there.pk, new.pk, same_song.pk, new.pk])

    assert [item.track_id for item in result.added] == [new.pk]
    assert [track.pk for track in result.already] == [there.pk, same_song.pk]
    assert positions(playlist) == [(there.pk, 0), (original.pk, 1), (new.pk, 2)]


def test_an_unknown_track_adds_nothing():
    playlist = PlaylistFactory()
    known = TrackFactory()

    with pytest.raises(TrackNotFound):
        services.add_tracks(playlist, [known.pk, known.pk + 1000])

    assert positions(playlist) == []


def test_too_many_tracks_are_refused():
    playlist = PlaylistFactory()
    ids = list(range(1, services.MAX_TRACKS_PER_ADD + 2))

    with pytest.raises(TooManyTracks):
        services.add_tracks(playlist, ids)


def test_query_count_does_not_grow_with_the_list(django_assert_max_num_queries):
    playlist = PlaylistFactory()
    for position in range(5):
        PlaylistItemFactory(playlist=playlist, position=position)
    tracks = [TrackFactory() for _ in range(30)]

    # Savepoint, lock, tracks, items already there, insert, touch, release.
    with django_assert_max_num_queries(8):
        result = services.add_tracks(playlist, [track.pk for track in tracks])

    assert len(result.added) == 30
    assert playlist.items.count() == 35


def test_a_new_playlist_with_its_tracks_is_made_whole_or_not_at_all():
    owner = UserFactory()
    track = TrackFactory()

    playlist, result = services.create_playlist_with_tracks(
        owner, title="Road trip", track_ids=[track.pk]
    )
    assert (playlist.title, playlist.owner) == ("Road trip", owner)
    assert [item.track_id for item in result.added] == [track.pk]

    with pytest.raises(TrackNotFound):
        services.create_playlist_with_tracks(owner, title="Broken", track_ids=[track.pk + 999])
    assert not owner.playlists.filter(title="Broken").exists()
