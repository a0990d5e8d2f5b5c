"""``services.likes``: liking and unliking playlists, the owner's notifications and live pushes.

Pushes are read as the owner's open page would receive them (``tests/social/pushes.py``).
"""

import pytest

from rubysound.social.errors import OwnPlaylistError, PlaylistNotPublicError
from rubysound.social.models import Notification, PlaylistLike
from rubysound.social.services.likes import like_playlist, unlike_playlist
from rubysound.social.services.notifications import mark_read
from tests.factories import PlaylistFactory, PlaylistLikeFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def fan():
    return UserFactory(username="fan")


@pytest.fixture
def playlist(owner):
    return favorites_of(owner)


def like_notifications(owner):
    return Notification.objects.filter(recipient=owner, type=Notification.Type.PLAYLIST_LIKE)


def test_a_like_is_one_row_and_notifies_the_owner_once(
    owner, fan, playlist, pushes, django_capture_on_commit_callbacks
):
    pushes.listen(owner)
    with django_capture_on_commit_callbacks(execute=True):
        first = like_playlist(fan, playlist)
        again = like_playlist(fan, playlist)
    assert (first.liked, first.changed, first.likes_count) == (True, True, 1)
    assert (again.liked, again.changed, again.likes_count) == (True, False, 1)
    assert PlaylistLike.objects.filter(playlist=playlist, user=fan).count() == 1
    [notification] = like_notifications(owner)
    assert notification.actor == fan
    assert notification.playlist == playlist
    [message] = pushes.received(owner)
    assert message["type"] == "playlist_like"
    assert message["id"] == notification.pk
    assert message["actor_username"] == "fan"
    assert message["likes_count"] == 1
    assert message["playlist_id"] == playlist.pk
    assert message["playlist_title"] == "Favorites"
    assert message["unread_count"] == 1


def test_likes_count_counts_everyone(owner, playlist):
    PlaylistLikeFactory(playlist=playlist)
    PlaylistLikeFactory(playlist=playlist)
    assert like_playlist(UserFactory(), playlist).likes_count == 3


def test_nothing_is_pushed_before_the_transaction_commits(owner, fan, playlist, pushes):
    pushes.listen(owner)
    # The test's transaction never commits: the like must not have been announced.
    like_playlist(fan, playlist)
    assert pushes.received(owner) == []


def test_own_playlist_cannot_be_liked_or_unliked(owner, playlist):
    with pytest.raises(OwnPlaylistError):
        like_playlist(owner, playlist)
    with pytest.raises(OwnPlaylistError):
        unlike_playlist(owner, playlist)
    assert not PlaylistLike.objects.exists()
    assert not Notification.objects.exists()


def test_private_playlists_cannot_be_liked(fan):
    private = PlaylistFactory(visibility="private")
    hidden_favorites = favorites_of(UserFactory(is_public_favorites=False))
    for playlist in (private, hidden_favorites):
        with pytest.raises(PlaylistNotPublicError):
            like_playlist(fan, playlist)
    assert not PlaylistLike.objects.exists()


def test_other_public_playlists_can_be_liked(fan):
    mix = PlaylistFactory(visibility="public")
    assert like_playlist(fan, mix).likes_count == 1
    assert like_notifications(mix.owner).count() == 1


def test_unlike_withdraws_the_unread_notification_and_tells_the_owner(
    owner, fan, playlist, pushes, django_capture_on_commit_callbacks
):
    other = UserFactory()
    like_playlist(other, playlist)
    like_playlist(fan, playlist)
    fans_notification = like_notifications(owner).get(actor=fan)
    pushes.listen(owner)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = unlike_playlist(fan, playlist)
    assert (outcome.liked, outcome.changed, outcome.likes_count) == (False, True, 1)
    assert not PlaylistLike.objects.filter(user=fan).exists()
    # Only the fan's notification goes; the other like's stays.
    assert list(like_notifications(owner).values_list("actor", flat=True)) == [other.pk]
    [message] = pushes.received(owner)
    assert message == {
        "type": "playlist_like_removed",
        "actor_username": "fan",
        "playlist_id": playlist.pk,
        "playlist_title": "Favorites",
        "likes_count": 1,
        "notification_ids": [fans_notification.pk],
        "unread_count": 1,
    }


def test_a_read_like_notification_stays_in_the_history(
    owner, fan, playlist, pushes, django_capture_on_commit_callbacks
):
    like_playlist(fan, playlist)
    mark_read(owner)
    pushes.listen(owner)
    with django_capture_on_commit_callbacks(execute=True):
        unlike_playlist(fan, playlist)
    assert like_notifications(owner).count() == 1
    [message] = pushes.received(owner)
    # The count still changed, so the owner's page hears of it; nothing to withdraw.
    assert message["type"] == "playlist_like_removed"
    assert message["notification_ids"] == []
    assert message["likes_count"] == 0
    assert message["unread_count"] == 0


def test_unliking_what_was_not_liked_changes_nothing_and_pushes_nothing(
    owner, fan, playlist, pushes, django_capture_on_commit_callbacks
):
    pushes.listen(owner)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = unlike_playlist(fan, playlist)
    assert (outcome.liked, outcome.changed, outcome.likes_count) == (False, False, 0)
    assert pushes.received(owner) == []


def test_liking_again_after_unliking_notifies_again(
    owner, fan, playlist, pushes, django_capture_on_commit_callbacks
):
    pushes.listen(owner)
    with django_capture_on_commit_callbacks(execute=True):
        like_playlist(fan, playlist)
        unlike_playlist(fan, playlist)
        like_playlist(fan, playlist)
    assert [m["type"] for m in pushes.received(owner)] == [
        "playlist_like",
        "playlist_like_removed",
        "playlist_like",
    ]
    # One unread notification: the withdrawn one is gone, the new one is there.
    assert like_notifications(owner).filter(read_at__isnull=True).count() == 1
