"""``/api/notifications/``: the list with its unread count, and marking notifications read."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rubysound.social.models import Notification
from rubysound.social.serializers.notifications import NotificationPageSerializer
from tests.factories import CommentFactory, NotificationFactory, UserFactory, favorites_of
from tests.social.test_public_playlist import assert_declared_shape

pytestmark = pytest.mark.django_db

URL = "/api/notifications/"
READ_URL = "/api/notifications/read/"


def notification_for(user, minutes_ago: int = 0, read: bool = False, **fields) -> Notification:
    now = timezone.now()
    return NotificationFactory(
        recipient=user,
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
        **fields,
    )


# --- The list ---------------------------------------------------------------------------------


def test_newest_first_with_the_unread_count(auth_client, user):
    older = notification_for(user, minutes_ago=10, read=True)
    newer = notification_for(user, minutes_ago=1)
    notification_for(UserFactory())  # someone else's
    response = auth_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["unread_count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]
    assert_declared_shape(NotificationPageSerializer(), body)


def test_items_are_the_websocket_payload(auth_client, user):
    actor = UserFactory(username="commenter")
    comment = CommentFactory(playlist=favorites_of(user), author=actor, text="Nice one")
    notification = notification_for(
        user, actor=actor, type=Notification.Type.PLAYLIST_COMMENT, comment=comment
    )
    [item] = auth_client.get(URL).json()["results"]
    assert item["id"] == notification.pk
    assert item["type"] == "playlist_comment"
    assert item["actor_username"] == "commenter"
    assert item["actor"]["username"] == "commenter"
    assert item["playlist"]["id"] == favorites_of(user).pk
    assert item["playlist"]["owner_username"] == user.username
    assert item["comment"] == {"id": comment.pk, "parent_id": None, "text": "Nice one"}
    assert item["read_at"] is None
    assert item["created_at"].endswith("Z")


@pytest.mark.parametrize("flag", ["true", "1", "True"])
def test_unread_only(auth_client, user, flag):
    notification_for(user, read=True)
    unread = notification_for(user)
    body = auth_client.get(URL, {"unread": flag}).json()
    assert [item["id"] for item in body["results"]] == [unread.pk]
    assert body["count"] == 1
    assert body["unread_count"] == 1


@pytest.mark.parametrize("flag", ["false", "0", ""])
def test_unread_false_lists_all(auth_client, user, flag):
    notification_for(user, read=True)
    notification_for(user)
    assert auth_client.get(URL, {"unread": flag}).json()["count"] == 2


def test_a_bad_unread_flag_is_400(auth_client):
    response = auth_client.get(URL, {"unread": "maybe"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"unread": ["Use unread=true or unread=false."]}


def test_paginated_and_bounded(auth_client, user):
    for minutes in range(5):
        notification_for(user, minutes_ago=minutes)
    page = auth_client.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2
    assert page["count"] == 5
    assert page["unread_count"] == 5
    assert "page=2" in page["next"]
    assert auth_client.get(URL, {"page": 4, "page_size": 2}).status_code == 404
    assert len(auth_client.get(URL, {"page_size": 1000}).json()["results"]) == 5


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(READ_URL, {}, format="json").status_code == 401


def test_never_cached(auth_client):
    assert "no-cache" in auth_client.get(URL)["Cache-Control"]
    assert "private" in auth_client.get(URL)["Cache-Control"]


@pytest.mark.parametrize("count", [20, 1000])
def test_list_queries_do_not_grow_with_the_page(
    auth_client, user, count, django_assert_max_num_queries
):
    comment = CommentFactory(playlist=favorites_of(user))
    for _ in range(count):
        notification_for(user, type=Notification.Type.PLAYLIST_COMMENT, comment=comment)
    # Token user, count, page (actor, playlist and owner, comment joined), unread count.
    with django_assert_max_num_queries(4):
        assert auth_client.get(URL).status_code == 200
    with django_assert_max_num_queries(3):
        assert auth_client.get(URL, {"unread": "true"}).status_code == 200


# --- Marking read -------------------------------------------------------------------------------


def test_mark_some_read_by_id(auth_client, user):
    first, second, third = (notification_for(user) for _ in range(3))
    response = auth_client.post(READ_URL, {"ids": [first.pk, third.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread_count": 1}
    assert set(Notification.objects.filter(read_at__isnull=True)) == {second}


@pytest.mark.parametrize("body", [{}, {"all": True}])
def test_mark_all_read(auth_client, user, body):
    for _ in range(3):
        notification_for(user)
    notification_for(user, read=True)
    response = auth_client.post(READ_URL, body, format="json")
    assert response.json() == {"marked": 3, "unread_count": 0}


def test_an_empty_body_marks_all(auth_client, user):
    notification_for(user)
    response = auth_client.post(READ_URL)
    assert response.json() == {"marked": 1, "unread_count": 0}


def test_other_peoples_ids_are_ignored_without_a_trace(auth_client, user):
    theirs = notification_for(UserFactory())
    mine = notification_for(user)
    response = auth_client.post(READ_URL, {"ids": [theirs.pk, mine.pk, 987654]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread_count": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Asking only for someone else's looks exactly like asking for a missing one.
    only_theirs = auth_client.post(READ_URL, {"ids": [theirs.pk]}, format="json").json()
    missing = auth_client.post(READ_URL, {"ids": [987654]}, format="json").json()
    assert only_theirs == missing == {"marked": 0, "unread_count": 0}


def test_marking_again_marks_nothing_and_keeps_the_first_time(auth_client, user):
    notification = notification_for(user)
    auth_client.post(READ_URL, {"ids": [notification.pk]}, format="json")
    notification.refresh_from_db()
    first_read_at = notification.read_at
    response = auth_client.post(READ_URL, {"ids": [notification.pk]}, format="json")
    assert response.json() == {"marked": 0, "unread_count": 0}
    notification.refresh_from_db()
    assert notification.read_at == first_read_at


@pytest.mark.parametrize(
    "body",
    [
        {"ids": "1,2"},
        {"ids": [1, "x"]},
        {"ids": [0]},
        {"ids": [True]},
        {"ids": None},
        {"ids": [1], "all": True},
        {"all": False},
        {"all": "sure"},
        {"id": [1]},
        [1, 2],
        {"ids": list(range(1, 502))},
        # Beyond a BigAutoField: SQLite cannot bind it (once a 500, found by test_schema_fuzz).
        {"ids": [2**64]},
    ],
)
def test_bad_bodies_are_400_with_the_error_shape(auth_client, user, body):
    notification_for(user)
    response = auth_client.post(READ_URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert {"detail", "code"} <= set(response.json())
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_malformed_json_is_400(auth_client):
    response = auth_client.post(READ_URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_mark_read_queries_are_bounded(auth_client, user, django_assert_max_num_queries):
    notifications = [notification_for(user) for _ in range(10)]
    ids = [n.pk for n in notifications]
    with django_assert_max_num_queries(7):
        assert auth_client.post(READ_URL, {"ids": ids}, format="json").status_code == 200
    with django_assert_max_num_queries(6):
        assert auth_client.post(READ_URL, {}, format="json").status_code == 200


# --- Other open pages hear of it ---------------------------------------------------------------


def test_the_users_sockets_are_told_which_ids_were_read(
    user, pushes, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_authenticate(user)
    first, second = notification_for(user), notification_for(user)
    theirs = notification_for(UserFactory())
    pushes.listen(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(READ_URL, {"ids": [first.pk, theirs.pk]}, format="json")
    assert pushes.received(user) == [
        {"type": "notifications_read", "ids": [first.pk], "unread_count": 1}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(READ_URL, {"all": True}, format="json")
    assert pushes.received(user) == [{"type": "notifications_read", "all": True, "unread_count": 0}]
    second.refresh_from_db()
    assert second.read_at is not None
    # Nothing left to mark: nothing to tell.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(READ_URL, {}, format="json")
    assert pushes.received(user) == []
