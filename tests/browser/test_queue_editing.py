"""The player's "Up next" as a real queue (issue 15, item 4): drag to reorder, remove, clear,
save as a playlist, "Play next" / "Add to queue" buttons, and, signed in, the queue kept on
the server: it survives a reload and appears in a second browser signed in as the same user.

The same small library and page as tests/browser/test_player_queue.py (page A lists its
four tracks longest first). Server state is read from the shared test database.
"""

import pytest
from playwright.sync_api import Page, expect

from rubysound.catalog import selectors
from rubysound.social.models import Playlist
from tests.browser import library as shared
from tests.browser.conftest import sign_in
from tests.factories import UserFactory
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_A = "/test-player/a/"
PAGE_B = "/test-player/b/"
PHONE = {"width": 360, "height": 740}

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page


def bar(page: Page):
    return page.locator("#player")


def panel(page: Page):
    return bar(page).get_by_role("region", name="Up next")


def open_panel(page: Page):
    expand = bar(page).get_by_role("button", name="Expand the player")
    if expand.is_visible():
        # A phone shows the queue in the full-screen now-playing view, with no toggle of its own.
        expand.click()
        expect(panel(page)).to_be_visible()
        return panel(page)
    toggle = bar(page).get_by_role("button", name="Up next")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(panel(page)).to_be_visible()
    return panel(page)


def queue_titles(page: Page) -> list[str]:
    return panel(page).locator(".player-queue-name").all_text_contents()


def expect_queue(page: Page, tracks) -> None:
    expect(panel(page).locator(".player-queue-name")).to_have_text([t.title for t in tracks])


def play(page: Page, track) -> None:
    page.locator("#test-tracks").get_by_role("button", name=f"Play {track.title}").click()
    page.wait_for_function(
        "(id) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused; }",
        arg=track.pk,
    )


def pause(page: Page) -> None:
    bar(page).get_by_role("button", name="Pause").click()
    page.wait_for_function("() => document.querySelector('#player audio').paused")


def server_queue_is(user, tracks, current=None):
    """Waits until the server holds exactly ``tracks`` (and ``current`` as the current one)."""

    def saved():
        queue = selectors.get_play_queue(user)
        ids = [t.pk for t in queue.tracks]
        if ids != [t.pk for t in tracks]:
            return None
        if current is not None and queue.current_track != current:
            return None
        return queue

    return wait_until(saved, message=f"server queue never became {[t.title for t in tracks]}")


def drag(page: Page, moved, onto) -> None:
    rows = panel(page).get_by_role("listitem")
    source = rows.filter(has_text=moved.title).locator(".player-queue-handle")
    target = rows.filter(has_text=onto.title)
    source.drag_to(target)


def test_drag_reorders_the_queue_and_the_server_keeps_it(open_player_page, library):
    listener = UserFactory()
    page = open_player_page(PAGE_A, as_user=listener)
    first, second, third, short = library
    play(page, first)
    open_panel(page)
    expect_queue(page, library)

    drag(page, short, second)  # the last one dragged up, over the second
    expect_queue(page, [first, short, second, third])
    # The playing track is still the current one, and still plays.
    expect(panel(page).locator('[aria-current="true"]')).to_contain_text(first.title)
    expect(panel(page).get_by_role("status")).to_contain_text(f"{short.title} moved to place 2")
    server_queue_is(listener, [first, short, second, third], current=first)

    # Next follows the new order.
    bar(page).get_by_role("button", name="Next track").click()
    page.wait_for_function(
        "(id) => document.querySelector('#player audio').currentSrc"
        ".endsWith(`/api/tracks/${id}/stream`)",
        arg=short.pk,
    )


def test_alt_arrows_move_the_focused_track(open_player_page, library):
    page = open_player_page(PAGE_A)
    first, second, third, short = library
    play(page, first)
    open_panel(page)
    items = panel(page).locator("[data-queue-index]")
    items.nth(1).focus()
    page.keyboard.press("Alt+ArrowDown")
    expect_queue(page, [first, third, second, short])
    expect(items.nth(2)).to_be_focused()
    expect(items.nth(2)).to_contain_text(second.title)


def test_remove_and_clear(open_player_page, library):
    listener = UserFactory()
    page = open_player_page(PAGE_A, as_user=listener)
    first, second, third, short = library
    play(page, first)
    open_panel(page)

    panel(page).get_by_role("button", name=f"Remove {third.title} from the queue").click()
    expect_queue(page, [first, second, short])
    expect(panel(page).get_by_role("status")).to_contain_text(f"{third.title} removed")
    server_queue_is(listener, [first, second, short])

    # Removing the playing track plays the next one.
    panel(page).get_by_role("button", name=f"Remove {first.title} from the queue").click()
    expect_queue(page, [second, short])
    page.wait_for_function(
        "(id) => { const a = document.querySelector('#player audio');"
        " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`) && !a.paused; }",
        arg=second.pk,
    )
    expect(bar(page).locator("[data-title]")).to_have_text(second.title)

    # Clear empties "Up next" but keeps the track playing.
    panel(page).get_by_role("button", name="Clear").click()
    expect_queue(page, [second])
    expect(panel(page).get_by_role("button", name="Clear")).to_be_disabled()
    server_queue_is(listener, [second], current=second)
    assert not page.evaluate("document.querySelector('#player audio').paused")


def test_save_as_playlist(open_player_page, library):
    listener = UserFactory()
    page = open_player_page(PAGE_A, as_user=listener, viewport=PHONE)
    first, second, third, short = library
    play(page, second)
    open_panel(page)
    drag(page, short, first)
    expect_queue(page, [short, first, second, third])

    save = panel(page).get_by_role("button", name="Save as playlist")
    save.click()
    expect(save).to_have_attribute("aria-expanded", "true")
    name = panel(page).get_by_label("Playlist name")
    expect(name).to_be_focused()
    expect(name).not_to_have_value("")
    name.fill("Evening queue")
    playlist_writes = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and "/api/playlists/" in request.url
            and playlist_writes.append(request.url)
        ),
    )
    panel(page).get_by_role("button", name="Save", exact=True).click()

    status = panel(page).get_by_role("status")
    expect(status).to_contain_text("Saved as “Evening queue”.")
    # The playlist and its four tracks in one request, not one per track.
    assert playlist_writes == [f"{shared_url(page)}/api/playlists/"]
    playlist = Playlist.objects.get(owner=listener, title="Evening queue")
    titles = [item.track.title for item in playlist.items.order_by("position")]
    assert titles == [short.title, first.title, second.title, third.title]
    status.get_by_role("link", name="Open the playlist").click()
    expect(page).to_have_url(f"{shared_url(page)}/playlists/{playlist.pk}/")
    expect(page.get_by_role("heading", name="Evening queue")).to_be_visible()


def shared_url(page: Page) -> str:
    return page.evaluate("window.location.origin")


def test_anonymous_listeners_are_not_offered_saving(open_player_page, library):
    page = open_player_page(PAGE_A)
    play(page, library[0])
    open_panel(page)
    expect(panel(page).get_by_role("button", name="Clear")).to_be_visible()
    expect(panel(page).get_by_role("button", name="Save as playlist")).to_have_count(0)


def test_play_next_and_add_to_queue_buttons_on_rows(open_player_page, library):
    page = open_player_page(PAGE_A)
    first, second, third, short = library
    # The track-row menus are another change; the player listens for their buttons.
    page.evaluate(
        """() => document.querySelectorAll('#test-tracks [data-track]').forEach((row) => {
             for (const [where, label] of [['next', 'Play next'], ['add', 'Add to queue']]) {
               const button = document.createElement('button');
               button.type = 'button';
               button.dataset.queue = where;
               button.textContent = `${label}: ${JSON.parse(row.dataset.track).name}`;
               row.append(button);
             }
           })"""
    )
    # Nothing playing: "Add to queue" loads the track, paused, and shows the bar.
    page.get_by_role("button", name=f"Add to queue: {third.title}").click()
    expect(bar(page).locator("[data-title]")).to_have_text(third.title)
    assert page.evaluate("document.querySelector('#player audio').paused")
    page.get_by_role("button", name=f"Add to queue: {first.title}").click()
    page.get_by_role("button", name=f"Play next: {short.title}").click()
    open_panel(page)
    expect_queue(page, [third, short, first])
    expect(bar(page).locator("[data-announce]")).to_have_text(f"Playing next: {short.title}.")

    # The exported functions do the same for other scripts.
    page.evaluate(
        """async (track) => {
             const player = await import('/static/js/components/player.js');
             player.playNext([track]);
           }""",
        {
            "id": second.pk,
            "name": second.title,
            "artist": second.artist.name,
            "url": f"/api/tracks/{second.pk}/stream",
        },
    )
    expect_queue(page, [third, second, short, first])


def test_the_queue_survives_a_reload_and_appears_in_a_second_browser(open_player_page, library):
    listener = UserFactory()
    page = open_player_page(PAGE_A, as_user=listener)
    first, second, third, short = library
    play(page, second)
    open_panel(page)
    panel(page).get_by_role("button", name=f"Remove {first.title} from the queue").click()
    drag(page, short, second)
    expect_queue(page, [short, second, third])
    page.wait_for_function("() => document.querySelector('#player audio').currentTime > 1")
    pause(page)
    saved = server_queue_is(listener, [short, second, third], current=second)
    wait_until(lambda: selectors.get_play_queue(listener).position_ms >= 1000)

    page.reload()
    expect(bar(page)).to_be_visible()
    expect(bar(page).locator("[data-title]")).to_have_text(second.title)
    open_panel(page)
    expect_queue(page, [short, second, third])

    # Another browser, the same listener: the queue the server keeps, paused where it was.
    other = open_player_page(PAGE_B, as_user=listener)
    expect(bar(other)).to_be_visible()
    expect(bar(other).locator("[data-title]")).to_have_text(second.title)
    other.wait_for_function(
        "() => document.querySelector('#player audio').currentTime >= 1",
    )
    assert other.evaluate("document.querySelector('#player audio').paused")
    open_panel(other)
    expect_queue(other, [short, second, third])
    expect(panel(other).locator('[aria-current="true"]')).to_contain_text(second.title)

    # A change there reaches the server; the first browser shows it when it comes back.
    panel(other).get_by_role("button", name=f"Remove {third.title} from the queue").click()
    server_queue_is(listener, [short, second])
    assert selectors.get_play_queue(listener).version > saved.version
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect_queue(page, [short, second])


def test_a_queue_played_before_signing_in_goes_on_and_is_kept(open_player_page, library):
    second = library[1]
    page = open_player_page(PAGE_A)
    play(page, second)
    pause(page)
    listener = UserFactory()
    # Signing in is a full page load: the tab's queue is restored, then kept on the server.
    sign_in(page.context, listener, page.evaluate("window.location.origin"))
    page.reload()
    expect(bar(page)).to_be_visible()
    expect(bar(page).locator("[data-title]")).to_have_text(second.title)
    server_queue_is(listener, library, current=second)
    open_panel(page)
    expect_queue(page, library)
