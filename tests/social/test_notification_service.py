"""``services.notifications``: recording, withdrawing and reading notifications."""

import pytest
from django.utils import timezone

from rubysound.social.models import Notification
from rubysound.social.services.notifications import mark_read, notify, withdraw_unread
from tests.factories import NotificationFactory, PlaylistFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db

LIKE = Notification.Type.PLAYLIST_LIKE


@pytest.fixture
def ann():
    return UserFactory(username="ann")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


def test_notify_records_and_pushes_after_commit_with_extras(
    ann, bob, pushes, django_capture_on_commit_callbacks
):
    playlist = favorites_of(ann)
    pushes.listen(ann)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(
            recipient=ann, actor=bob, type=LIKE, playlist=playlist, extra={"likes_count": 4}
        )
        # Not yet: the transaction has not committed.
        assert pushes.received(ann) == []
    assert len(callbacks) == 1
    assert notification.recipient == ann
    assert notification.actor == bob
    [message] = pushes.received(ann)
    assert message["type"] == "playlist_like"
    assert message["id"] == notification.pk
    assert message["actor_username"] == "bob"
    assert message["likes_count"] == 4
    assert message["unread_count"] == 1
    assert message["playlist"]["title"] == "Favorites"


def test_nobody_is_notified_of_their_own_actions(ann, pushes, django_capture_on_commit_callbacks):
    pushes.listen(ann)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient=ann, actor=ann, type=LIKE, playlist=favorites_of(ann)) is None
    assert not Notification.objects.exists()
    assert pushes.received(ann) == []


def test_withdraw_unread_takes_back_only_the_matching_unread_ones(ann, bob):
    favorites = favorites_of(ann)
    mix = PlaylistFactory(owner=ann)
    unread = NotificationFactory(recipient=ann, actor=bob, playlist=favorites)
    read = NotificationFactory(recipient=ann, actor=bob, playlist=favorites, read_at=timezone.now())
    other_playlist = NotificationFactory(recipient=ann, actor=bob, playlist=mix)
    other_actor = NotificationFactory(recipient=ann, playlist=favorites)
    withdrawn = withdraw_unread(recipient=ann, actor=bob, type=LIKE, playlist=favorites)
    assert withdrawn == [unread.pk]
    assert set(Notification.objects.all()) == {read, other_playlist, other_actor}
    assert withdraw_unread(recipient=ann, actor=bob, type=LIKE, playlist=favorites) == []


def test_mark_read_by_ids_skips_other_peoples_and_read_ones(ann, bob):
    mine = NotificationFactory(recipient=ann)
    already = NotificationFactory(recipient=ann, read_at=timezone.now())
    theirs = NotificationFactory(recipient=bob)
    assert mark_read(ann, [mine.pk, already.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert mark_read(ann, []) == 0


def test_mark_read_all(ann, bob):
    NotificationFactory(recipient=ann)
    NotificationFactory(recipient=ann)
    theirs = NotificationFactory(recipient=bob)
    assert mark_read(ann) == 2
    assert not Notification.objects.filter(recipient=ann, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_tells_the_users_sockets_after_commit(
    ann, pushes, django_capture_on_commit_callbacks
):
    first = NotificationFactory(recipient=ann)
    NotificationFactory(recipient=ann)
    pushes.listen(ann)
    with django_capture_on_commit_callbacks(execute=True):
        mark_read(ann, [first.pk])
        assert pushes.received(ann) == []
    assert pushes.received(ann) == [
        {"type": "notifications_read", "ids": [first.pk], "unread_count": 1}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        mark_read(ann)
    assert pushes.received(ann) == [{"type": "notifications_read", "all": True, "unread_count": 0}]
