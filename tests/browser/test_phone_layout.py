"""The phone (390 x 844): a one-row top bar with the search behind a button, a compact player
bar that expands into a full-screen "now playing" view and back, and at least two thirds of
the screen left to the page while playing. The desktop keeps its layout."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import library as shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page

PAGE_A = "/test-player/a/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def start_playing(page: Page, track) -> None:
    page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}").click()
    page.wait_for_function(
        "() => { const a = document.querySelector('#player audio');"
        " return !a.paused && a.currentTime > 0.2; }"
    )


def is_playing(page: Page) -> bool:
    return page.evaluate("!document.querySelector('#player audio').paused")


def test_the_phone_gives_two_thirds_of_the_screen_to_the_page_while_playing(
    open_player_page, library
):
    page = open_player_page(PAGE_A, as_user=UserFactory(), viewport=PHONE)
    start_playing(page, library[0])
    # Let the bar's rise animation end before measuring it.
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running' || "
        "!document.getElementById('player').contains(a.effect.target))"
    )

    header, bar = box(page, "header.topbar"), box(page, "#player")
    content = PHONE["height"] - header["height"] - bar["height"]

    assert content >= PHONE["height"] * 2 / 3, (header, bar)
    # One row: every visible part of the bar sits on the same line.
    tops = page.evaluate(
        """() => [...document.querySelectorAll('.topbar > *, .topbar nav > *')]
            .filter(el => el.getClientRects().length
                && getComputedStyle(el).position !== 'absolute')
            .map(el => {
                const box = el.getBoundingClientRect();
                return Math.round(box.top + box.height / 2);
            })"""
    )
    assert max(tops) - min(tops) <= 4, tops
    # The compact bar: cover, title, play/pause and next; no waveform.
    player = page.locator("#player")
    expect(player.get_by_role("button", name="Pause")).to_be_visible()
    expect(player.get_by_role("button", name="Next track")).to_be_visible()
    expect(player.locator(".player-title")).to_be_visible()
    expect(player.get_by_role("slider", name="Seek")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_phone_search_opens_behind_its_button(open_player_page, library):
    page = open_player_page(PAGE_A, viewport=PHONE)
    search = page.get_by_role("combobox", name="Search music")
    toggle = page.locator(".search-toggle")
    expect(search).to_be_hidden()

    toggle.click()

    expect(search).to_be_visible()
    expect(search).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".brand")).to_be_hidden()
    search_box = box(page, ".search-box")
    assert search_box["width"] > PHONE["width"] * 0.6

    page.keyboard.press("Escape")

    expect(search).to_be_hidden()
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()
    expect(page.locator(".brand")).to_be_visible()


def test_the_compact_bar_expands_into_now_playing_and_back(open_player_page, library):
    page = open_player_page(PAGE_A, viewport=PHONE)
    start_playing(page, library[0])
    player = page.locator("#player")

    player.get_by_role("button", name="Expand the player").click()

    expect(player).to_have_class(re.compile(r"\bis-expanded\b"))
    page.wait_for_function(
        "() => { const r = document.getElementById('player').getBoundingClientRect();"
        " return r.top <= 0.5 && r.height >= window.innerHeight - 1; }"
    )
    cover = box(page, "#player [data-cover]")
    assert cover["width"] >= 250
    expect(player.get_by_role("slider", name="Seek")).to_be_visible()
    expect(player.get_by_role("button", name="Previous track")).to_be_visible()
    expect(player.get_by_role("button", name="Shuffle")).to_be_visible()
    queue = player.locator("[data-queue-list] [data-queue-index]")
    expect(queue).to_have_count(len(library))
    expect(queue.first).to_be_visible()
    expect(player.get_by_role("button", name="Collapse the player")).to_be_focused()
    # The page behind cannot be reached while the view is open.
    assert page.evaluate("document.getElementById('main').inert")
    assert is_playing(page)

    page.keyboard.press("Escape")

    expect(player).not_to_have_class(re.compile(r"\bis-expanded\b"))
    expect(player.get_by_role("button", name="Expand the player")).to_be_focused()
    expect(player.get_by_role("slider", name="Seek")).to_be_hidden()
    assert box(page, "#player")["height"] < 100
    assert not page.evaluate("document.getElementById('main').inert")
    assert is_playing(page)


def test_the_desktop_keeps_its_bar_and_search_box(open_player_page, library):
    page = open_player_page(PAGE_A, viewport=DESKTOP)
    start_playing(page, library[0])
    player = page.locator("#player")

    expect(page.get_by_role("combobox", name="Search music")).to_be_visible()
    expect(page.locator(".search-toggle")).to_be_hidden()
    expect(player.get_by_role("button", name="Expand the player")).to_be_hidden()
    expect(player.get_by_role("slider", name="Seek")).to_be_visible()
    expect(player.get_by_role("button", name="Previous track")).to_be_visible()
    assert box(page, "header.topbar")["height"] < 80


def test_an_anonymous_visitor_gets_one_row_on_a_small_phone(open_player_page, library):
    """Signed out, the row holds the brand, Library, search, theme and Sign in (catalog.css let
    it wrap into a second row of account links); the sign-in page offers to create one."""
    page = open_player_page(PAGE_A, viewport={"width": 360, "height": 740})
    header = box(page, "header.topbar")
    sign_in = page.locator(".topbar").get_by_role("link", name="Sign in")
    expect(sign_in).to_be_visible()
    expect(page.locator(".topbar").get_by_role("link", name="Create account")).to_be_hidden()
    assert header["height"] < 64, header
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_listener_gets_one_row_on_a_small_phone(open_player_page, library):
    page = open_player_page(PAGE_A, as_user=UserFactory(), viewport={"width": 360, "height": 740})
    expect(page.locator(".topbar").get_by_role("button", name="Sign out")).to_be_visible()
    assert box(page, "header.topbar")["height"] < 64
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
