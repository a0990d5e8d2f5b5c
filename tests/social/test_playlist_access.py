"""``access_playlist``: the one answer to "may this user read, or change, this playlist"."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rubysound.social.errors import PlaylistNotFound, PlaylistNotYours
from rubysound.social.models import Playlist
from rubysound.social.selectors.access import access_playlist
from tests.factories import PlaylistFactory, PlaylistItemFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC, PRIVATE = Playlist.Visibility.PUBLIC, Playlist.Visibility.PRIVATE


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def reader():
    return UserFactory()


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
def test_the_owner_reads_and_changes_their_playlist_with_its_counts(owner, visibility):
    playlist = PlaylistFactory(owner=owner, visibility=visibility)
    PlaylistItemFactory(playlist=playlist)
    for options in ({}, {"for_write": True}, {"owner_only": True}):
        found = access_playlist(owner, playlist.pk, **options)
        assert found == playlist
        assert (found.tracks_count, found.likes_count, found.liked_by_me) == (1, 0, False)


def test_a_public_playlist_is_read_by_anyone_and_changed_by_nobody_else(owner, reader):
    playlist = PlaylistFactory(owner=owner, visibility=PUBLIC)
    assert access_playlist(reader, playlist.pk) == playlist
    assert access_playlist(AnonymousUser(), playlist.pk) == playlist
    with pytest.raises(PlaylistNotYours) as refused:
        access_playlist(reader, playlist.pk, for_write=True)
    assert (refused.value.status, refused.value.code) == (403, "permission_denied")


def test_someone_elses_private_playlist_looks_missing(owner, reader):
    private = PlaylistFactory(owner=owner, visibility=PRIVATE)
    for user, options in [
        (reader, {}),
        (reader, {"for_write": True}),
        (AnonymousUser(), {}),
        (reader, {"owner_only": True}),
    ]:
        with pytest.raises(PlaylistNotFound) as refused:
            access_playlist(user, private.pk, **options)
        assert (refused.value.status, refused.value.message) == (404, "Playlist not found.")
    with pytest.raises(PlaylistNotFound):
        access_playlist(reader, 999_999)


def test_owner_only_finds_nobody_elses_playlist_even_a_public_one(owner, reader):
    playlist = PlaylistFactory(owner=owner, visibility=PUBLIC)
    with pytest.raises(PlaylistNotFound):
        access_playlist(reader, playlist.pk, owner_only=True)


def test_access_is_one_query(owner, reader, django_assert_num_queries):
    playlist = PlaylistFactory(owner=owner, visibility=PUBLIC)
    with django_assert_num_queries(1):
        access_playlist(reader, playlist.pk)
