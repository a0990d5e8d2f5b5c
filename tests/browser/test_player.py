"""The persistent player bar in a real browser, with real audio from a generated library.

A server of this module's own serves the site plus two plain track-list pages
(``tests/browser/player_pages.py``) over a small demo library (``tests/browser/library.py``):
three tracks of 20-25 s and one of about 2 s (short enough that half of it counts as a
listen within the test). Every
check goes through the page's buttons, the keyboard and the real stream, waveform and
listens routes.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from rubysound.catalog.models import Listen, Track
from tests.browser import library as shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_A = "/test-player/a/"
PAGE_B = "/test-player/b/"
PHONE = {"width": 360, "height": 740}

# The small real library and its server (tests/browser/library.py).
player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page


def audio_state(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const audio = document.querySelector('#player audio');
            return {paused: audio.paused, time: audio.currentTime, src: audio.currentSrc,
                    muted: audio.muted, duration: audio.duration};
        }"""
    )


def wait_for_time_past(page: Page, seconds: float) -> None:
    page.wait_for_function(
        "(t) => { const a = document.querySelector('#player audio');"
        " return !a.paused && a.currentTime > t; }",
        arg=seconds,
    )


def wait_until_playing_track(page: Page, track: Track) -> None:
    page.wait_for_function(
        "(id) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused"
        " && a.currentTime > 0.2; }",
        arg=track.pk,
    )


def player(page: Page):
    return page.locator("#player")


def play_button(page: Page, track: Track):
    return page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}")


def test_play_seek_next_and_keyboard(open_player_page, library):
    first, second = library[0], library[1]
    requests: list[tuple[str, str, int]] = []
    page = open_player_page(PAGE_A)
    page.on(
        "response",
        lambda response: requests.append((response.request.method, response.url, response.status)),
    )
    expect(player(page)).to_be_hidden()

    play_button(page, first).click()
    bar = player(page)
    expect(bar).to_be_visible()
    expect(bar.locator("[data-title]")).to_have_text(first.title)
    expect(bar.locator("[data-artist]")).to_have_text(first.artist.name)
    wait_for_time_past(page, 0.5)  # real audio, really playing
    expect(play_button(page, first)).to_have_attribute("aria-pressed", "true")
    expect(bar.get_by_role("button", name="Pause")).to_be_visible()
    # The waveform's peaks came from the server and the canvas is drawn.
    waveform = f"/api/tracks/{first.pk}/waveform"
    assert any(url.endswith(waveform) and status == 200 for _, url, status in requests)

    # A click at three quarters of the waveform seeks there; the stream answers ranges.
    seek = bar.get_by_role("slider", name="Seek")
    box = seek.bounding_box()
    seek.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    page.wait_for_function(
        "(t) => document.querySelector('#player audio').currentTime > t", arg=first.duration * 0.6
    )
    stream = f"/api/tracks/{first.pk}/stream"
    assert any(url.endswith(stream) and status == 206 for _, url, status in requests)
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:1\d of 0:2\d$"))

    # Next plays the next row of the list.
    bar.get_by_role("button", name="Next track").click()
    expect(bar.locator("[data-title]")).to_have_text(second.title)
    wait_until_playing_track(page, second)
    expect(play_button(page, second)).to_have_attribute("aria-pressed", "true")
    expect(play_button(page, first)).to_have_attribute("aria-pressed", "false")

    # Keyboard shortcuts, with the focus on the page rather than on a control.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#player audio').paused")
    expect(bar.get_by_role("button", name="Play", exact=True)).to_be_visible()
    page.keyboard.press("Space")
    page.wait_for_function("!document.querySelector('#player audio').paused")
    page.keyboard.press("m")
    assert audio_state(page)["muted"] is True
    expect(bar.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("m")
    assert audio_state(page)["muted"] is False
    before = audio_state(page)["time"]
    page.keyboard.press("ArrowRight")
    assert audio_state(page)["time"] >= before + 4
    page.keyboard.press("Shift+ArrowRight")
    wait_until_playing_track(page, library[2])
    page.keyboard.press("Shift+ArrowLeft")  # early in the track: back to the previous one
    wait_until_playing_track(page, second)

    # An anonymous listener reports no listens.
    assert not any("/api/listens/" in url for _, url, _ in requests)


def test_playback_survives_navigation(open_player_page, library):
    first = library[0]
    page = open_player_page(PAGE_A)
    play_button(page, first).click()
    wait_for_time_past(page, 0.3)
    page.evaluate("window.__playerAudio = document.querySelector('#player audio')")

    page.get_by_role("link", name="Go to page B").click()
    expect(page.get_by_role("heading", name="Page B")).to_be_visible()
    assert page.url.endswith(PAGE_B)
    # The same <audio> element, still playing and moving on.
    assert page.evaluate("window.__playerAudio === document.querySelector('#player audio')")
    now = audio_state(page)["time"]
    wait_for_time_past(page, now + 0.5)
    expect(player(page).locator("[data-title]")).to_have_text(first.title)

    # Back to page A (fetched again): its row shows the playing track.
    page.get_by_role("link", name="Back to page A").click()
    expect(play_button(page, first)).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__playerAudio === document.querySelector('#player audio')")
    assert not audio_state(page)["paused"]

    # A full page load (signing in or out does one) shows the bar again, paused in place.
    before = audio_state(page)["time"]
    page.reload()
    expect(player(page)).to_have_attribute("data-ready", "true")
    bar = player(page)
    expect(bar).to_be_visible()
    expect(bar.locator("[data-title]")).to_have_text(first.title)
    expect(bar.get_by_role("button", name="Play", exact=True)).to_be_visible()
    page.wait_for_function(
        "(t) => document.querySelector('#player audio').currentTime >= t", arg=before
    )
    assert audio_state(page)["paused"]
    expect(play_button(page, first)).to_have_attribute("aria-pressed", "false")
    bar.get_by_role("button", name="Play", exact=True).click()
    wait_for_time_past(page, before + 0.3)


def test_listen_reported_after_half_of_a_short_track(open_player_page, library):
    listener = UserFactory()
    short = library[-1]
    assert short.duration < 3
    page = open_player_page(PAGE_A, as_user=listener)
    with page.expect_response(
        lambda response: (
            response.url.endswith("/api/listens/") and response.request.method == "POST"
        )
    ) as answer:
        play_button(page, short).click()
    assert answer.value.status == 201
    body = answer.value.request.post_data_json
    assert body["track_id"] == short.pk
    assert body["played_seconds"] >= short.duration / 2
    listen = Listen.objects.get(user=listener)
    assert listen.track_id == short.pk
    assert listen.source == Listen.Source.PLAYER
    # The short track is the last of the list: the player stops at its end and says so.
    page.wait_for_function("document.querySelector('#player audio').ended")
    expect(player(page).get_by_role("button", name="Play", exact=True)).to_be_visible()
    assert Listen.objects.filter(user=listener).count() == 1


def test_play_all_and_phone_layout(open_player_page, library):
    page = open_player_page(PAGE_A, viewport=PHONE)
    page.get_by_role("button", name="Play all").click()
    wait_until_playing_track(page, library[0])
    bar = player(page)
    # The phone's compact bar: play/pause and next; the rest in the expanded view
    # (tests/browser/test_phone_layout.py).
    for name in ("Pause", "Next track"):
        expect(bar.get_by_role("button", name=name, exact=True)).to_be_visible()
    bar.get_by_role("button", name="Expand the player").click()
    expect(bar.get_by_role("button", name="Previous track", exact=True)).to_be_visible()
    expect(bar.get_by_role("slider", name="Seek")).to_be_visible()
    bar.get_by_role("button", name="Collapse the player").click()
    # The compact bar rises back into place: measure it where it ends up.
    bar.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # The bar does not cover the end of the page: the body makes room for it.
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1
    assert box["height"] < PHONE["height"] / 3
    # Light theme too.
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
