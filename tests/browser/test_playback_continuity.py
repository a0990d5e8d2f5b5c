"""Changing the language and signing out are full page loads; the music goes on where it was
(static/js/player/resume.js), while an ordinary reload brings the bar back paused."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser import library as shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page

PAGE_A = "/test-player/a/"


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    call_command("compile_translations", verbosity=0)


def play_past(page: Page, track, seconds: float) -> None:
    page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}").click()
    page.wait_for_function(
        "(t) => { const a = document.querySelector('#player audio');"
        " return !a.paused && a.currentTime > t; }",
        arg=seconds,
    )


def wait_until_playing_on(page: Page, track, after: float) -> None:
    """The same track plays again, from where it was (not from the start)."""
    page.wait_for_function(
        "([id, after]) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused"
        " && a.currentTime >= after; }",
        arg=[track.pk, after],
    )


def test_switching_the_language_keeps_the_music_playing(open_player_page, library):
    track = library[0]
    page = open_player_page(PAGE_A)
    play_past(page, track, 1.0)

    page.get_by_label("Language", exact=True).select_option("ru")
    page.get_by_role("button", name="Change language").click()

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    wait_until_playing_on(page, track, 1.0)
    expect(page.locator("#player .player-title")).to_have_text(track.title)


def test_signing_out_keeps_the_public_track_playing(open_player_page, library):
    track = library[0]
    page = open_player_page(PAGE_A, as_user=UserFactory())
    play_past(page, track, 1.0)

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator(".topbar").get_by_role("link", name="Sign in")).to_be_visible()
    wait_until_playing_on(page, track, 1.0)


def test_a_plain_reload_brings_the_bar_back_paused(open_player_page, library):
    track = library[0]
    page = open_player_page(PAGE_A)
    play_past(page, track, 1.0)

    page.reload()

    expect(page.locator("#player .player-title")).to_have_text(track.title)
    expect(page.locator("#player").get_by_role("button", name=re.compile("^Play$"))).to_be_visible()
    assert page.evaluate("document.querySelector('#player audio').paused")
