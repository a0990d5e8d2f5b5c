"""The player's "Up next" panel, repeat and shuffle, with real audio (issue 6).

The same small library and pages as tests/browser/test_player.py: page A lists its four
tracks longest first, the ~2 s one last. Every check goes through the bar's buttons and the
keyboard, and waits for the <audio> element to actually play the expected track.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import library as shared

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_A = "/test-player/a/"
PHONE = {"width": 360, "height": 740}

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page


def bar(page: Page):
    return page.locator("#player")


def play_button(page: Page, track):
    return page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}")


def queue_items(page: Page):
    """The tracks' own buttons (each row also has a remove button)."""
    return (
        bar(page)
        .get_by_role("region", name="Up next")
        .get_by_role("listitem")
        .locator("[data-queue-index]")
    )


def wait_until_playing_track(page: Page, track) -> None:
    page.wait_for_function(
        "(id) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused"
        " && a.currentTime > 0.2; }",
        arg=track.pk,
    )


def queue_order(page: Page) -> list[int]:
    """The panel's tracks, as indexes of page A's list, in the order they play."""
    return [
        int(value)
        for value in queue_items(page).evaluate_all(
            "items => items.map(item => item.dataset.queueIndex)"
        )
    ]


def test_up_next_lists_the_queue_and_jumps_by_keyboard(open_player_page, library):
    page = open_player_page(PAGE_A)
    play_button(page, library[0]).click()
    wait_until_playing_track(page, library[0])

    toggle = bar(page).get_by_role("button", name="Up next")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    panel = bar(page).get_by_role("region", name="Up next")
    expect(panel).to_be_visible()
    items = queue_items(page)
    expect(items).to_have_count(4)
    for item, track in zip(items.all(), library, strict=True):
        expect(item).to_contain_text(track.title)
        expect(item).to_contain_text(track.artist.name)
    expect(items.nth(0)).to_have_attribute("aria-current", "true")
    expect(items.nth(0)).to_be_focused()  # the panel opens on the playing track

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(items.nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    wait_until_playing_track(page, library[2])
    expect(bar(page).locator("[data-title]")).to_have_text(library[2].title)
    expect(items.nth(2)).to_have_attribute("aria-current", "true")
    expect(items.nth(0)).not_to_have_attribute("aria-current", "true")
    expect(items.nth(2)).to_be_focused()  # the list was redrawn under the keyboard

    # A click on a track plays it too.
    items.nth(1).click()
    wait_until_playing_track(page, library[1])

    # Escape closes the panel and gives the focus back to its button.
    items.nth(1).focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    assert not page.evaluate("document.querySelector('#player audio').paused")


def test_repeat_all_wraps_around_and_repeat_one_plays_the_track_again(open_player_page, library):
    short = library[-1]  # ~2 s, the last of the list
    page = open_player_page(PAGE_A)
    play_button(page, library[0]).click()  # the bar shows up with a track
    wait_until_playing_track(page, library[0])
    repeat = bar(page).get_by_role("button", name="Repeat")
    expect(repeat).to_have_attribute("aria-pressed", "false")
    expect(repeat).to_have_accessible_description("Repeat is off.")

    repeat.click()
    expect(repeat).to_have_attribute("aria-pressed", "true")
    expect(repeat).to_have_accessible_description("Repeating the whole list.")
    # The last track of the list, then round to the first.
    play_button(page, short).click()
    wait_until_playing_track(page, short)
    wait_until_playing_track(page, library[0])

    repeat.click()
    expect(repeat).to_have_accessible_description("Repeating this track.")
    expect(repeat).to_have_attribute("aria-pressed", "true")
    page.evaluate(
        """() => {
            window.__ends = 0;
            document.querySelector('#player audio')
              .addEventListener('ended', () => { window.__ends += 1; });
        }"""
    )
    play_button(page, short).click()
    wait_until_playing_track(page, short)
    # It ended, and plays again from the start: the same track, not the next one.
    page.wait_for_function("window.__ends >= 1")
    wait_until_playing_track(page, short)
    # "Next" still moves on with repeat one: past the end of the list, round to the start.
    bar(page).get_by_role("button", name="Next track").click()
    wait_until_playing_track(page, library[0])

    # The choice holds after a reload.
    page.reload()
    expect(bar(page)).to_have_attribute("data-ready", "true")
    expect(repeat).to_have_accessible_description("Repeating this track.")
    repeat.click()
    expect(repeat).to_have_attribute("aria-pressed", "false")
    expect(repeat).to_have_accessible_description("Repeat is off.")


def test_shuffle_plays_every_track_once_in_the_order_up_next_shows(open_player_page, library):
    page = open_player_page(PAGE_A)
    play_button(page, library[2]).click()  # the bar shows up with a track
    wait_until_playing_track(page, library[2])
    shuffle = bar(page).get_by_role("button", name="Shuffle")
    expect(shuffle).to_have_attribute("aria-pressed", "false")
    shuffle.click()
    expect(shuffle).to_have_attribute("aria-pressed", "true")

    play_button(page, library[1]).click()
    wait_until_playing_track(page, library[1])
    bar(page).get_by_role("button", name="Up next").click()
    order = queue_order(page)
    # The chosen track first, then every other one once.
    assert order[0] == 1
    assert sorted(order) == [0, 1, 2, 3]
    expect(queue_items(page).nth(0)).to_have_attribute("aria-current", "true")

    next_button = bar(page).get_by_role("button", name="Next track")
    for position in (1, 2, 3):
        next_button.click()
        wait_until_playing_track(page, library[order[position]])
        expect(queue_items(page).nth(position)).to_have_attribute("aria-current", "true")
    # The end of the shuffled list (repeat is off): nothing after it.
    expect(next_button).to_have_attribute("aria-disabled", "true")
    # "Previous" goes back through the same order (early in the track).
    page.evaluate("document.querySelector('#player audio').currentTime = 0")
    bar(page).get_by_role("button", name="Previous track").click()
    wait_until_playing_track(page, library[order[2]])

    # Shuffle off: the list's own order again, from where it is.
    shuffle.click()
    expect(shuffle).to_have_attribute("aria-pressed", "false")
    assert queue_order(page) == [0, 1, 2, 3]
    current = order[2]
    if current < 3:
        next_button.click()
        wait_until_playing_track(page, library[current + 1])

    # Shuffle on holds after a reload (localStorage).
    shuffle.click()
    page.reload()
    expect(bar(page)).to_have_attribute("data-ready", "true")
    expect(shuffle).to_have_attribute("aria-pressed", "true")


def test_queue_and_modes_fit_a_phone(open_player_page, library):
    # The phone's compact bar expands into the "now playing" view, where the modes and the
    # queue are (tests/browser/test_phone_layout.py covers the view itself).
    page = open_player_page(PAGE_A, viewport=PHONE)
    page.get_by_role("button", name="Play all").click()
    wait_until_playing_track(page, library[0])
    for name in ("Pause", "Next track"):
        expect(bar(page).get_by_role("button", name=name, exact=True)).to_be_visible()
    bar(page).get_by_role("button", name="Expand the player").click()
    for name in ("Shuffle", "Repeat", "Previous track", "Pause", "Next track"):
        expect(bar(page).get_by_role("button", name=name, exact=True)).to_be_visible()
    panel = bar(page).get_by_role("region", name="Up next")
    expect(panel).to_be_visible()
    expect(queue_items(page)).to_have_count(4)
    box = panel.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # A track of the queue plays from there.
    queue_items(page).nth(1).click()
    wait_until_playing_track(page, library[1])
    # Collapsed, the bar leaves most of the screen to the page.
    bar(page).get_by_role("button", name="Collapse the player").click()
    expect(panel).to_be_hidden()
    bar(page).evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    bar_box = bar(page).bounding_box()
    assert bar_box["height"] < PHONE["height"] / 3


def test_a_click_on_the_page_outside_the_player_closes_the_panel(open_player_page, library):
    page = open_player_page(PAGE_A)
    page.get_by_role("button", name="Play all").click()
    wait_until_playing_track(page, library[0])
    panel = bar(page).get_by_role("region", name="Up next")
    bar(page).get_by_role("button", name="Up next").click()
    expect(panel).to_be_visible()

    page.get_by_role("heading", name="Page A").click()

    expect(panel).to_be_hidden()
