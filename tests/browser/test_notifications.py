"""Live notifications and presence, in two browsers on a real server (issue 6).

Alice keeps a page open; Bob does things in his own browser; Alice's page follows without
a reload: her unread badge and notifications list, and Bob's presence on his profile.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def badge(page: Page):
    return page.locator('header [data-component="notifications"]')


def badge_count(page: Page):
    return badge(page).locator("[data-unread-count]")


def notifications(page: Page):
    return page.locator("[data-notification-list] > li.notification")


def wait_until_ready(page: Page, component: str) -> None:
    """The component has mounted: its controls have their handlers (they are rendered
    disabled until then, so a click cannot land before)."""
    expect(page.locator(f'[data-component="{component}"]')).to_have_attribute("data-ready", "true")


def assert_no_horizontal_scroll(page: Page) -> None:
    # Waits (up to the timeout) for the layout to settle rather than reading it once.
    page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_like_reaches_the_badge_and_the_list_and_mark_all_read_clears_them(open_page):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    alice_page = open_page("/settings/notifications/", as_user=alice)
    list_root = alice_page.locator('[data-component="notification-list"]')
    expect(badge(alice_page)).to_have_attribute("data-live", "open")
    expect(list_root).to_have_attribute("data-loaded", "true")
    expect(badge_count(alice_page)).to_be_hidden()
    expect(alice_page.get_by_text("No notifications yet.")).to_be_visible()
    expect(alice_page.get_by_role("button", name="Mark all read")).to_be_hidden()

    bob_page = open_page("/u/alice/", as_user=bob)
    wait_until_ready(bob_page, "public-profile")
    bob_page.locator("[data-like-button]").click()
    expect(bob_page.locator("[data-like-button]")).to_have_attribute("aria-pressed", "true")

    expect(badge_count(alice_page)).to_have_text("1")
    expect(badge(alice_page)).to_have_accessible_name("Notifications, unread: 1")
    expect(notifications(alice_page)).to_have_count(1)
    item = notifications(alice_page).first
    expect(item).to_have_text(re.compile(r"bob liked your playlist Favorites"))
    expect(item).to_have_class(re.compile(r"\bis-unread\b"))
    expect(item.get_by_role("link", name="bob")).to_have_attribute("href", re.compile(r"/u/bob/$"))
    expect(alice_page.get_by_text("No notifications yet.")).to_be_hidden()

    # Bob changes his mind: the unread notification goes away again.
    bob_page.locator("[data-like-button]").click()
    expect(notifications(alice_page)).to_have_count(0)
    expect(badge_count(alice_page)).to_be_hidden()

    bob_page.locator("[data-like-button]").click()
    expect(badge_count(alice_page)).to_have_text("1")
    expect(notifications(alice_page)).to_have_count(1)

    alice_page.get_by_role("button", name="Mark all read").click()

    expect(badge_count(alice_page)).to_be_hidden()
    expect(badge(alice_page)).to_have_accessible_name("Notifications")
    expect(notifications(alice_page).first).not_to_have_class(re.compile(r"\bis-unread\b"))
    expect(alice_page.get_by_role("button", name="Mark all read")).to_be_hidden()
    # What the page shows is what the server stored.
    alice_page.reload()
    expect(badge_count(alice_page)).to_be_hidden()
    expect(notifications(alice_page)).to_have_count(1)


def test_reading_in_one_tab_clears_the_badge_in_another(open_page, browser, site_url):
    alice = UserFactory(username="amira")
    NotificationFactory.create_batch(2, recipient=alice)
    elsewhere = open_page("/", as_user=alice)
    expect(badge_count(elsewhere)).to_have_text("2")
    expect(badge(elsewhere)).to_have_attribute("data-live", "open")

    # A second tab of the same browser (same session).
    profile_tab = elsewhere.context.new_page()
    profile_tab.goto("/settings/notifications/")
    expect(notifications(profile_tab)).to_have_count(2)
    wait_until_ready(profile_tab, "notification-list")
    profile_tab.get_by_role("button", name="Mark all read").click()

    expect(badge_count(elsewhere)).to_be_hidden()
    expect(badge_count(profile_tab)).to_be_hidden()


def test_the_badge_survives_navigation_without_a_second_socket(open_page):
    alice = UserFactory(username="anouk")
    bob = UserFactory(username="boris")
    sockets = []

    def count_sockets(page: Page) -> None:
        page.on(
            "websocket",
            lambda ws: sockets.append(ws) if "/ws/notifications/" in ws.url else None,
        )

    page = open_page("/", as_user=alice, prepare=count_sockets)
    expect(badge(page)).to_have_attribute("data-live", "open")
    # Boosted navigation: the top bar stays, #main changes.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="anouk").click()
    expect(page.locator("h1")).to_have_text("Settings")
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))

    bob_page = open_page("/u/anouk/", as_user=bob)
    wait_until_ready(bob_page, "public-profile")
    bob_page.locator("[data-like-button]").click()

    expect(badge_count(page)).to_have_text("1")
    assert len(sockets) == 1


def test_presence_shows_online_while_the_user_has_a_page_open(open_page):
    alice = UserFactory(username="ada")
    bob = UserFactory(username="bram")
    alice_page = open_page("/u/bram/", as_user=alice)
    presence = alice_page.locator('[data-component="presence-badge"]')
    expect(presence).to_have_attribute("data-live", "open")
    expect(presence).to_be_hidden()  # never seen: nothing to say

    bob_page = open_page("/", as_user=bob)

    expect(presence).to_be_visible()
    expect(presence).to_have_text(re.compile(r"Online"))
    expect(presence).to_have_attribute("data-online", "true")

    bob_page.close()

    expect(presence).to_have_attribute("data-online", "false")
    expect(presence).to_have_text(re.compile(r"Last seen (now|\d+ seconds? ago)"))


def test_profile_with_notifications_fits_a_phone(open_page, browser, site_url):
    alice = UserFactory(username="a-long-name-for-a-small-phone")
    NotificationFactory.create_batch(3, recipient=alice)
    page = open_page("/settings/notifications/", as_user=alice)
    page.set_viewport_size(PHONE)
    expect(notifications(page)).to_have_count(3)
    expect(badge_count(page)).to_be_visible()
    assert_no_horizontal_scroll(page)


def test_load_more_appends_older_ones_and_live_ones_never_repeat(open_page):
    alice = UserFactory(username="aurelia")
    bob = UserFactory(username="bastian")
    older = NotificationFactory.create_batch(25, recipient=alice)
    alice_page = open_page("/settings/notifications/", as_user=alice)
    list_root = alice_page.locator('[data-component="notification-list"]')
    wait_until_ready(alice_page, "notification-list")
    expect(list_root).to_have_attribute("data-loaded", "true")
    expect(notifications(alice_page)).to_have_count(20)
    load_more = alice_page.get_by_role("button", name="Load more")
    expect(load_more).to_be_visible()

    # A live one arrives first: the server's list moves down by one under the page.
    bob_page = open_page("/u/aurelia/", as_user=bob)
    wait_until_ready(bob_page, "public-profile")
    bob_page.locator("[data-like-button]").click()
    expect(notifications(alice_page)).to_have_count(21)
    expect(notifications(alice_page).first).to_contain_text("bastian liked your playlist")

    load_more.click()
    expect(notifications(alice_page)).to_have_count(26)
    expect(load_more).to_be_hidden()  # no next page
    expect(alice_page.locator("[data-notifications-status]")).to_have_text(
        "5 more notifications loaded."
    )
    ids = notifications(alice_page).evaluate_all(
        "items => items.map(item => Number(item.dataset.notificationId))"
    )
    assert len(set(ids)) == len(ids) == 26
    # Newest first, the oldest of all last.
    assert ids[-1] == older[0].pk
    assert set(ids) >= {n.pk for n in older}
    # The focus, on the button that went away, moved to the first row it brought.
    expect(notifications(alice_page).nth(21)).to_be_focused()

    # Another live one still goes on top, once.
    bob_page.locator("[data-like-button]").click()  # unlike: the live one goes away
    expect(notifications(alice_page)).to_have_count(25)
    bob_page.locator("[data-like-button]").click()
    expect(notifications(alice_page)).to_have_count(26)
    ids = notifications(alice_page).evaluate_all(
        "items => items.map(item => Number(item.dataset.notificationId))"
    )
    assert len(set(ids)) == 26


def test_load_more_is_not_offered_when_everything_is_shown(open_page):
    alice = UserFactory(username="alma")
    NotificationFactory.create_batch(20, recipient=alice)
    page = open_page("/settings/notifications/", as_user=alice)
    wait_until_ready(page, "notification-list")
    expect(page.locator('[data-component="notification-list"]')).to_have_attribute(
        "data-loaded", "true"
    )
    expect(notifications(page)).to_have_count(20)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
