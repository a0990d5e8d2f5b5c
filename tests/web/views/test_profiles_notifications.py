"""Notifications as the server renders them: the top bar's unread badge on every page and
the list on /settings/notifications/ (their live behaviour is tested in
tests/browser/test_notifications.py).
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.social.models import Notification
from tests.factories import CommentFactory, NotificationFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db

BADGE = re.compile(
    r'<a href="/settings/notifications/"[^>]*data-component="notifications".*?</a>', re.S
)
CONFIG = re.compile(
    r'<script id="notifications-config" type="application/json">(.*?)</script>', re.S
)


def badge(response) -> str:
    match = BADGE.search(response.content.decode())
    assert match, "the top bar has the notifications link"
    return match.group(0)


def items(response) -> list[str]:
    return re.findall(
        r'<li class="notification[^"]*" data-notification-id="\d+".*?</li>',
        response.content.decode(),
        re.S,
    )


def test_anonymous_pages_have_no_badge_and_no_count_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/login/")
    assertNotContains(response, 'data-component="notifications"')


def test_badge_shows_the_unread_count_on_every_page(logged_in_client, user):
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory(recipient=user, read_at=timezone.now())
    NotificationFactory()  # someone else's

    for path in ("/", "/settings/profile/", f"/u/{user.username}/"):
        link = badge(logged_in_client.get(path))
        assert 'aria-label="Notifications, unread: 3"' in link
        assert re.search(r"<span class=\"unread-badge\" data-unread-count>3</span>", link)


def test_badge_is_empty_and_hidden_without_unread_notifications(logged_in_client, user):
    NotificationFactory(recipient=user, read_at=timezone.now())

    link = badge(logged_in_client.get("/"))

    assert 'aria-label="Notifications"' in link
    assert "data-unread-count hidden" in link


def test_the_count_is_one_query_per_page(logged_in_client, user):
    NotificationFactory.create_batch(2, recipient=user)
    with CaptureQueriesContext(connection) as context:
        logged_in_client.get("/")
    counts = [q["sql"] for q in context.captured_queries if "social_notification" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()


def test_profile_lists_the_latest_notifications_in_words(logged_in_client, user):
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    favorites = favorites_of(user)
    comment = CommentFactory(playlist=favorites, author=carol, text="Great <b>mix</b>")
    NotificationFactory(recipient=user, actor=bob, read_at=timezone.now())
    NotificationFactory(
        recipient=user,
        actor=carol,
        type=Notification.Type.PLAYLIST_COMMENT,
        comment=comment,
    )

    response = logged_in_client.get("/settings/notifications/")

    listed = items(response)
    assert len(listed) == 2
    newest, oldest = listed
    assert "is-unread" in newest
    assert "is-unread" not in oldest
    assert '<a href="/u/carol/">carol</a> commented on your playlist' in newest
    assert f'href="/u/{user.username}/#comment-{comment.pk}"' in newest
    assert "Great &lt;b&gt;mix&lt;/b&gt;" in newest
    assert '<a href="/u/bob/">bob</a> liked your playlist' in oldest
    assert f'<a href="/u/{user.username}/">Favorites</a>' in oldest
    assertContains(response, "Mark all read")
    config = json.loads(CONFIG.search(response.content.decode()).group(1))
    assert config["pageSize"] == 20
    assert (
        config["text"]["sentences"]["playlist_like"] == "%(actor)s liked your playlist %(playlist)s"
    )


def test_an_unlinked_scrobbling_service_reads_as_a_sentence_without_an_actor(
    logged_in_client, user
):
    NotificationFactory(
        recipient=user, actor=None, playlist=None, type=Notification.Type.LASTFM_UNLINKED
    )

    response = logged_in_client.get("/settings/notifications/")

    (item,) = items(response)
    assert "Last.fm refused your session" in item
    assert "Link Last.fm again in Settings." in item
    assert "Someone" not in item


def test_profile_shows_at_most_twenty_without_a_query_each(
    logged_in_client, user, django_assert_max_num_queries
):
    NotificationFactory.create_batch(25, recipient=user)

    with django_assert_max_num_queries(6):
        response = logged_in_client.get("/settings/notifications/")

    assert len(items(response)) == 20


def test_profile_without_notifications_says_so(logged_in_client):
    response = logged_in_client.get("/settings/notifications/")

    assert items(response) == []
    assertContains(response, "No notifications yet.")
    assertContains(response, "data-mark-all-read hidden")


def test_privacy_section_explains_privacy_and_links_to_the_public_page(logged_in_client, user):
    response = logged_in_client.get("/settings/privacy/")

    assertContains(response, "Public profile")
    assertContains(response, "Anyone can see your Favorites and profile page")
    assertContains(response, f'<a href="/u/{user.username}/">See your public page</a>', html=True)
