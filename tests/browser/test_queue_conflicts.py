"""Two browsers signed in as the same listener editing the queue the server keeps: a browser
that did not see the other's change cannot overwrite it (the server answers 412), it shows
the newer queue and says so; when the other browser only moved on in the same tracks (a
pause saves the position), the edit is saved over it.

The browsers here are opened by hand: the server's 412 is logged by Chromium as a console
error, which the shared page fixture counts as a failure.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from rubysound.catalog import selectors
from tests.browser import library as shared
from tests.browser.conftest import sign_in
from tests.browser.test_queue_editing import (
    PAGE_A,
    bar,
    expect_queue,
    open_panel,
    panel,
    pause,
    play,
    server_queue_is,
)
from tests.factories import UserFactory
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library


@pytest.fixture
def two_browsers(browser: Browser, player_site) -> Iterator[tuple]:
    listener = UserFactory()
    contexts = [browser.new_context(base_url=player_site) for _ in range(2)]
    pages = []
    for context in contexts:
        sign_in(context, listener, player_site)
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"script error: {error}"))
        pages.append(page)
    yield listener, pages
    for context in contexts:
        context.close()


def open_a(page: Page) -> None:
    page.goto(PAGE_A)
    expect(page.locator("#player")).to_have_attribute("data-ready", "true")


def test_a_stale_browser_shows_the_newer_queue_instead_of_overwriting_it(two_browsers, library):
    listener, (first_browser, second_browser) = two_browsers
    first, second, third, short = library
    open_a(first_browser)
    play(first_browser, first)
    pause(first_browser)
    server_queue_is(listener, library, current=first)

    open_a(second_browser)
    expect(bar(second_browser).locator("[data-title]")).to_have_text(first.title)
    open_panel(second_browser)
    expect_queue(second_browser, library)

    # The first browser removes a track; the second has not looked since.
    open_panel(first_browser)
    remove = f"Remove {third.title} from the queue"
    panel(first_browser).get_by_role("button", name=remove).click()
    server_queue_is(listener, [first, second, short])

    # The second browser's own edit is refused by the server; it shows the newer queue.
    remove = f"Remove {second.title} from the queue"
    panel(second_browser).get_by_role("button", name=remove).click()
    expect(panel(second_browser).locator("[data-queue-status]")).to_have_text(
        "Your queue was changed on another device; this is the newest one."
    )
    expect_queue(second_browser, [first, second, short])
    queue = selectors.get_play_queue(listener)
    assert [t.pk for t in queue.tracks] == [first.pk, second.pk, short.pk]


def test_an_edit_over_a_newer_position_of_the_same_tracks_is_saved(two_browsers, library):
    listener, (first_browser, second_browser) = two_browsers
    first, second, third, short = library
    open_a(first_browser)
    play(first_browser, first)
    pause(first_browser)
    server_queue_is(listener, library, current=first)
    open_a(second_browser)
    open_panel(second_browser)
    expect_queue(second_browser, library)
    version = selectors.get_play_queue(listener).version

    # The first browser moves on in the same queue: a new version, the same tracks.
    first_browser.locator("#player").get_by_role("button", name="Next track").click()
    pause(first_browser)
    wait_until(lambda: selectors.get_play_queue(listener).version > version)

    remove = f"Remove {short.title} from the queue"
    panel(second_browser).get_by_role("button", name=remove).click()
    server_queue_is(listener, [first, second, third])
    expect_queue(second_browser, [first, second, third])
    expect(panel(second_browser).locator("[data-queue-status]")).not_to_contain_text("another")
