"""replace_tracks: a playlist's whole content set at once (Subsonic's createPlaylist with a
playlistId), and the reads player apps use (durations, favorites' times)."""

import pytest

from rubysound.social.errors import TrackNotFound
from rubysound.social.models import Playlist
from rubysound.social.selectors.playlists import (
    favorites_added_at,
    playlist_track_ids,
    with_duration,
)
from rubysound.social.services.playlists import add_favorite, replace_tracks
from tests.factories import PlaylistFactory, PlaylistItemFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_replace_sets_the_order_and_drops_repeats():
    playlist = PlaylistFactory()
    old = PlaylistItemFactory(playlist=playlist).track
    a, b, c = TrackFactory(), TrackFactory(), TrackFactory()
    assert replace_tracks(playlist, [c.pk, a.pk, c.pk, b.pk]) == 3
    assert playlist_track_ids(playlist) == [c.pk, a.pk, b.pk]
    assert list(playlist.items.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert old.pk not in playlist_track_ids(playlist)


def test_replace_with_an_unknown_track_changes_nothing():
    playlist = PlaylistFactory()
    kept = PlaylistItemFactory(playlist=playlist).track
    with pytest.raises(TrackNotFound):
        replace_tracks(playlist, [TrackFactory().pk, 999_999])
    assert playlist_track_ids(playlist) == [kept.pk]


def test_replace_with_nothing_empties_the_playlist():
    playlist = PlaylistFactory()
    PlaylistItemFactory(playlist=playlist)
    assert replace_tracks(playlist, []) == 0
    assert playlist_track_ids(playlist) == []


def test_duration_sums_the_tracks():
    playlist = PlaylistFactory()
    PlaylistItemFactory(playlist=playlist, track=TrackFactory(duration=100.5))
    PlaylistItemFactory(playlist=playlist, track=TrackFactory(duration=None))
    PlaylistItemFactory(playlist=playlist, track=TrackFactory(duration=60.0))
    empty = PlaylistFactory()
    rows = {p.pk: p.total_duration for p in with_duration(Playlist.objects.all())}
    assert rows[playlist.pk] == pytest.approx(160.5)
    assert rows[empty.pk] == 0


def test_favorites_added_at_is_the_users_own():
    user, other = UserFactory(), UserFactory()
    mine, theirs = TrackFactory(), TrackFactory()
    add_favorite(user, mine.pk)
    add_favorite(other, theirs.pk)
    added = favorites_added_at(user)
    assert set(added) == {mine.pk}
    assert favorites_added_at(user, [theirs.pk]) == {}
