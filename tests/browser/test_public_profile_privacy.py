"""A user whose profile others cannot open, commenting on a public profile page: shown as
"a listener" (in the page's language), without a link to their 404 profile."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_public_profile_live import (
    comment_with_text,
    own_action,
    own_part,
    profile,
    wait_until_live,
)
from tests.factories import CommentFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db(transaction=True)

ANY_VALUE = re.compile(".*")


def test_a_hidden_commenter_is_a_listener_without_a_link_live_and_on_load(open_page):
    owner = UserFactory(username="erin")
    shy = UserFactory(username="quiet_quinn", is_public_favorites=False)
    fan = UserFactory(username="frank")
    playlist = favorites_of(owner)
    root = CommentFactory(playlist=playlist, author=shy, text="Heard it first")
    answer = CommentFactory(
        playlist=playlist, author=fan, parent=root, reply_to_user=shy, text="Same!"
    )

    fan_page = open_page(profile("erin"), as_user=fan)
    shy_page = open_page(profile("erin"), as_user=shy)
    russian_page = open_page(
        profile("erin"), prepare=lambda page: page.set_extra_http_headers({"Accept-Language": "ru"})
    )
    for page in (fan_page, shy_page):
        wait_until_live(page)
    expect(russian_page.locator("[data-public-profile]")).to_have_attribute(
        "data-comments-loaded", "true"
    )

    loaded = comment_with_text(fan_page, "Heard it first")
    expect(own_part(loaded, "author")).to_have_text("a listener")
    expect(own_part(loaded, "author-link")).not_to_have_attribute("href", ANY_VALUE)
    reply = fan_page.locator(f"#comment-{answer.pk}")
    expect(own_part(reply, "author")).to_have_text("frank")
    expect(own_part(reply, "reply-to")).to_be_visible()
    expect(own_part(reply, "reply-to-name")).to_have_text("a listener")
    expect(fan_page.locator("[data-comment-list]")).not_to_contain_text("quiet_quinn")
    expect(own_part(comment_with_text(russian_page, "Heard it first"), "author")).to_have_text(
        "слушатель"
    )

    # Live: a new comment of theirs arrives the same way, and the reply form names no one.
    shy_page.get_by_label("Write a comment").fill("Also this one")
    shy_page.get_by_role("button", name="Post comment").click()
    pushed = comment_with_text(fan_page, "Also this one")
    expect(own_part(pushed, "author")).to_have_text("a listener")
    expect(own_part(pushed, "author-link")).not_to_have_attribute("href", ANY_VALUE)
    own_action(pushed, "reply").click()
    expect(fan_page.locator('.reply-form [data-part="target"]')).to_have_text("a listener")
    expect(fan_page.locator("[data-public-profile]")).not_to_contain_text("quiet_quinn")
