"""Track suggestions in the top bar's search box, with real audio (issue 6).

The small library of tests/browser/library.py on its own server: a track chosen among the
suggestions by keyboard plays in the persistent player without leaving the page; a track
without audio leads to its album page, and the player keeps playing meanwhile.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from rubysound.catalog.models import Track
from tests.browser import library as shared
from tests.browser.conftest import record_errors
from tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_A = "/test-player/a/"

player_library = shared.player_library
player_site = shared.player_site
library = shared.library


@pytest.fixture
def page(browser: Browser, player_site, library) -> Iterator[Page]:
    """Page A of the player pages (its list: the library), the player and search box ready."""
    context = browser.new_context(base_url=player_site)
    errors: list[str] = []
    page = context.new_page()
    record_errors(page, errors, "page A")
    page.goto(PAGE_A)
    expect(page.locator("#player")).to_have_attribute("data-ready", "true")
    expect(page.locator('[data-component="search-box"]')).to_be_visible()
    yield page
    context.close()
    assert not errors, "errors in the page:\n" + "\n".join(errors)


def search_box(page: Page):
    return page.get_by_role("combobox", name="Search music")


def track_options(page: Page):
    listbox = page.get_by_role("listbox", name="Suggestions")
    return listbox.get_by_role("group", name="Tracks").get_by_role("option")


def choose_by_keyboard(page: Page, option) -> None:
    """↓ until ``option`` is the active descendant, then Enter (focus stays in the box)."""
    box = search_box(page)
    target = option.get_attribute("id")
    for _ in range(page.get_by_role("option").count() + 1):
        box.press("ArrowDown")
        if box.get_attribute("aria-activedescendant") == target:
            break
    expect(box).to_have_attribute("aria-activedescendant", target)
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    box.press("Enter")


def wait_until_playing_track(page: Page, track: Track) -> None:
    page.wait_for_function(
        "(id) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused"
        " && a.currentTime > 0.2; }",
        arg=track.pk,
    )


def test_a_suggested_track_plays_in_the_player_without_leaving_the_page(page, library):
    wanted = library[1]
    box = search_box(page)
    box.click()
    box.press_sequentially(wanted.title, delay=20)
    option = track_options(page).filter(has_text=wanted.title)
    expect(option).to_have_count(1)
    expect(option).to_contain_text(wanted.artist.name)

    choose_by_keyboard(page, option)
    wait_until_playing_track(page, wanted)
    expect(page.locator("#player [data-title]")).to_have_text(wanted.title)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("[data-search-status]")).to_have_text(
        "Suggestions: 1 track. Use the up and down arrows to choose."
    )
    assert page.url.endswith(PAGE_A)  # played, not followed
    expect(page.get_by_role("heading", level=1)).to_have_text("Page A")
    # The page's own row for that track shows it playing.
    expect(
        page.locator("#test-tracks").get_by_role("button", name=f"Play {wanted.title}")
    ).to_have_attribute("aria-pressed", "true")


def test_a_suggested_track_without_audio_opens_its_album(page, library, player_site):
    silent_album = AlbumFactory(title="Quiet Harbour")
    TrackFactory(
        title="Zephyr Without Sound",
        album=silent_album,
        source=Track.Source.REMOTE,
        preview_url="",
        library_root="",
        path="",
    )
    playing = library[0]
    page.locator("#test-tracks").get_by_role("button", name=f"Play {playing.title}").click()
    wait_until_playing_track(page, playing)
    page.evaluate("window.__playerAudio = document.querySelector('#player audio')")

    box = search_box(page)
    box.click()
    box.press_sequentially("zephyr", delay=20)
    option = track_options(page).filter(has_text="Zephyr Without Sound")
    expect(option).to_have_count(1)
    choose_by_keyboard(page, option)

    expect(page).to_have_url(f"{player_site}/albums/{silent_album.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet Harbour")
    # Boosted navigation: the same <audio>, still playing the track it played.
    assert page.evaluate("window.__playerAudio === document.querySelector('#player audio')")
    wait_until_playing_track(page, playing)
