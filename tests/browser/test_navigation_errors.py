"""A boosted navigation that fails keeps the page and the player, and offers a retry
(static/js/navigation-errors.js); only a full load gets the service worker's offline page."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser import library as shared
from tests.browser.conftest import record_errors

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library

PAGE_A = "/test-player/a/"
PAGE_B = "/test-player/b/"


def expected_noise(text: str) -> bool:
    """What a failed request writes to the console by itself: the browser's note of the failed
    load and htmx's own log of the error event we handle."""
    return (
        "Failed to load resource" in text
        or text.startswith("htmx:")
        or text.startswith("Response Status Error Code")
    )


@pytest.fixture
def open_tolerant_page(browser: Browser, player_site) -> Iterator[Callable[[str], Page]]:
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def _open(path: str) -> Page:
        context = browser.new_context(base_url=player_site)
        contexts.append(context)
        page = context.new_page()
        record_errors(page, errors, path, ignore=expected_noise)
        page.goto(path)
        expect(page.locator("#player")).to_have_attribute("data-ready", "true")
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, "errors in the pages:\n" + "\n".join(errors)


def start_playing(page: Page, track) -> None:
    page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}").click()
    page.wait_for_function(
        "() => { const a = document.querySelector('#player audio');"
        " return !a.paused && a.currentTime > 0.2; }"
    )
    page.evaluate("document.querySelector('#player audio').dataset.marker = 'same'")


def still_playing_the_same_audio(page: Page) -> bool:
    return page.evaluate(
        "() => { const a = document.querySelector('#player audio');"
        " return a.dataset.marker === 'same' && !a.paused; }"
    )


def server_down(route: Route) -> None:
    route.abort("connectionrefused")


def proxy_502(route: Route) -> None:
    route.fulfill(status=502, content_type="text/html", body="<html><h1>502 Bad Gateway</h1>")


@pytest.mark.parametrize("failure", [server_down, proxy_502], ids=["refused", "502"])
def test_a_failed_navigation_keeps_the_page_and_the_player_and_retries(
    open_tolerant_page, library, failure
):
    page = open_tolerant_page(PAGE_A)
    start_playing(page, library[0])
    page.route(re.compile(r".*/test-player/b/$"), failure)

    page.get_by_role("link", name="Go to page B").click()

    alert = page.locator("[data-navigation-error]")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(page.get_by_role("heading", name="Page A")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/test-player/a/$"))
    expect(page.locator("#player")).to_be_visible()
    assert still_playing_the_same_audio(page)

    page.unroute(re.compile(r".*/test-player/b/$"))
    alert.get_by_role("button", name="Retry").click()

    expect(page.get_by_role("heading", name="Page B")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/test-player/b/$"))
    expect(alert).to_be_hidden()
    assert still_playing_the_same_audio(page)
