"""Two people, start to finish, in real browsers (issue 6): a newcomer signs up, searches
with the navbar box, plays a track, adds it to Favorites with its heart and renames them; a
second person opens the newcomer's public page, likes the playlist and comments, and the
newcomer's open page follows live.

Runs at a desktop and at a 360x740 phone viewport, on a server that sees a small real
library (tests/browser/library.py) so playback streams real audio. Every request any page
makes is recorded: nothing may leave the server's origin. Script and console errors fail.
"""

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, BrowserContext, Page, expect

from rubysound.social.models import Playlist, PlaylistItem
from tests.browser import library as shared
from tests.browser.conftest import record_errors, sign_in
from tests.browser.test_public_profile_live import (
    comment_with_text,
    like_button,
    likes_count,
    post_comment,
    wait_until_live,
)
from tests.factories import UserFactory, favorites_of

pytestmark = pytest.mark.django_db(transaction=True)

# The small real library and its server (tests/browser/library.py).
player_library = shared.player_library
player_site = shared.player_site
library = shared.library

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
PASSWORD = "a-quiet-violet-melody"


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


class Browsers:
    """One browser context per person on the library's server; records every request."""

    def __init__(self, browser: Browser, site: str):
        self.browser = browser
        self.site = site
        self.origin = urlsplit(site).netloc
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        # Chromium reports each refused API call (4xx) itself; a test of refusals allows that.
        self.refusals_expected = False

    def open(self, path: str, viewport: dict, as_user=None) -> Page:
        context = self.browser.new_context(base_url=self.site, viewport=viewport)
        self.contexts.append(context)
        if as_user is not None:
            sign_in(context, as_user, self.site)
        context.on("request", lambda request: self.urls.append(request.url))
        page = context.new_page()
        page.on("websocket", lambda socket: self.urls.append(socket.url))
        record_errors(
            page,
            self.errors,
            lambda: page.url,
            # Chromium reports each refused API call (4xx) itself; a test of refusals allows it.
            ignore=lambda text: self.refusals_expected and "Failed to load resource" in text,
        )
        page.goto(path)
        return page

    def foreign_requests(self) -> list[str]:
        """Requests whose origin is not the server's (data: and blob: never leave the page)."""
        foreign = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob"):
                continue
            if parts.scheme not in ("http", "https", "ws", "wss") or parts.netloc != self.origin:
                foreign.append(url)
        return foreign

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Browser, player_site) -> Iterator[Browsers]:
    browsers = Browsers(browser, player_site)
    yield browsers
    browsers.close()
    assert not browsers.errors, "errors in the pages:\n" + "\n".join(browsers.errors)
    assert browsers.urls, "no request was recorded"
    assert not browsers.foreign_requests(), "requests left the origin:\n" + "\n".join(
        browsers.foreign_requests()
    )


@pytest.fixture
def site_url_of(player_site) -> Callable[[str], str]:
    return lambda path: f"{player_site}{path}"


def audio_time(page: Page) -> float:
    return page.evaluate("document.querySelector('#player audio').currentTime")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_two_people_from_signup_to_live_comments(
    people: Browsers, library, viewport: str, site_url_of: Callable[[str], str]
):
    size = VIEWPORTS[viewport]
    phone = viewport == "phone"
    # A 20-25 s track: it plays on while the newcomer looks around. Another one per viewport:
    # the server caches search answers for a while, and each test scans the library afresh
    # (new ids), so the same words would find the previous test's tracks.
    track = library[list(VIEWPORTS).index(viewport)]
    username = f"newcomer{viewport}"

    # --- Sign up through the real form: the new account lands on its profile.
    page = people.open("/signup/", size)
    if phone:
        assert_no_horizontal_overflow(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Let anyone see my favorites").check()
    page.get_by_role("button", name="Create account").click()
    # A newcomer lands on the home page, greeted as one (issue 15), not on a raw form.
    expect(page).to_have_url(site_url_of("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome to RubySound, {username}!")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(username)

    # --- Search with the navbar box (Enter submits the words typed).
    expect(page.locator("#player")).to_have_attribute("data-ready", "true")
    box = page.get_by_role("combobox", name="Search music")
    if phone:  # the phone's search box is behind its button in the one-row top bar
        page.locator(".search-toggle").click()
    box.click()
    box.press_sequentially(track.title, delay=20)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/music_api/index/\?q="))
    play = page.get_by_role("button", name=f"Play {track.title}", exact=True).first
    expect(play).to_be_visible()
    if phone:
        assert_no_horizontal_overflow(page)

    # --- Play it: the audio element's clock moves.
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => document.querySelector('#player audio').currentTime > 0.5")
    assert audio_time(page) > 0.5

    # --- Add it to Favorites with its heart.
    expect(page.locator("[data-component=favorites]")).to_have_attribute("data-ready", "true")
    heart = page.get_by_role("button", name=f"Add {track.title} to Favorites", exact=True).first
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    remove = page.get_by_role("button", name=f"Remove {track.title} from Favorites", exact=True)
    expect(remove.first).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").filter(has_text="is now in your Favorites")).to_have_text(
        f"{track.title} is now in your Favorites."
    )
    favorites = Playlist.objects.get(owner__username=username, is_favorites=True)
    assert list(favorites.items.values_list("track_id", flat=True)) == [track.pk]

    # --- My playlists: the track is there; rename Favorites. Playback goes on meanwhile.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My playlists").click()
    expect(page.get_by_role("heading", name="Favorites")).to_be_visible()
    rows = page.locator("#playlist-track-list > li.track-row")
    expect(rows).to_have_count(1)
    expect(rows.locator(".track-title")).to_have_text(track.title)
    expect(
        rows.get_by_role("button", name=f"Remove {track.title} from Favorites")
    ).to_have_attribute("aria-pressed", "true")
    page.get_by_text("Edit details").click()
    edit = page.locator("form.playlist-edit-form")
    edit.get_by_label("Title").fill("Road trip")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Road trip")).to_be_visible()
    if phone:
        assert_no_horizontal_overflow(page)
    assert not page.evaluate("document.querySelector('#player audio').paused")

    # --- The newcomer keeps their public page open.
    page.goto(f"/u/{username}/")
    wait_until_live(page)
    wait_until_live(page, "notifications")
    expect(page.get_by_role("heading", name="Road trip")).to_be_visible()
    expect(likes_count(page)).to_have_text("0")
    if phone:
        assert_no_horizontal_overflow(page)

    # --- A second person, signed in in a browser of their own, likes and comments.
    fan = UserFactory(username=f"fan{viewport}")
    fan_page = people.open(f"/u/{username}/", size, as_user=fan)
    wait_until_live(fan_page)
    like_button(fan_page).click()
    expect(like_button(fan_page)).to_have_attribute("aria-pressed", "true")
    expect(likes_count(fan_page)).to_have_text("1")
    post_comment(fan_page, "Great road trip music!")
    expect(comment_with_text(fan_page, "Great road trip music!")).to_have_count(1)
    if phone:
        assert_no_horizontal_overflow(fan_page)

    # --- The newcomer's open page follows without a reload.
    expect(likes_count(page)).to_have_text("1")
    expect(comment_with_text(page, "Great road trip music!")).to_have_count(1)
    badge = page.locator("[data-unread-count]")
    expect(badge).to_be_visible()
    expect(badge).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(
        page.get_by_role("link", name=re.compile(r"^Notifications, unread: \d+$"))
    ).to_be_visible()
    if phone:
        assert_no_horizontal_overflow(page)
    assert get_user_model().objects.filter(username=username).exists()


def test_hearts_say_what_happened_in_words(people: Browsers, library):
    """Another tab changed Favorites meanwhile, a track left the catalog, the network failed:
    each heart ends up right and the status line says so."""
    people.refusals_expected = True
    user = UserFactory()
    first, second, third = library[:3]  # the album's three long tracks
    PlaylistItem.objects.create(playlist=favorites_of(user), track=first, position=0)
    page = people.open(f"/albums/{first.album_id}/", VIEWPORTS["desktop"], as_user=user)
    status = page.locator("[data-component=favorites]")
    expect(status).to_have_attribute("data-ready", "true")

    def heart(track, action="Add"):
        where = "to" if action == "Add" else "from"
        return page.get_by_role("button", name=f"{action} {track.title} {where} Favorites")

    # Server-rendered state: the first is in Favorites. Taking it out says so.
    expect(heart(first, "Remove")).to_have_attribute("aria-pressed", "true")
    heart(first, "Remove").click()
    expect(status).to_have_text(f"{first.title} was removed from your Favorites.")
    expect(heart(first)).to_have_attribute("aria-pressed", "false")

    # Added meanwhile in another tab (409): the heart shows it is there.
    PlaylistItem.objects.create(playlist=favorites_of(user), track=second, position=0)
    heart(second).click()
    expect(status).to_have_text(f"{second.title} was already in your Favorites.")
    expect(heart(second, "Remove")).to_have_attribute("aria-pressed", "true")

    # Gone from the catalog (404): said in words, as an error; the heart stays as it was.
    third_title = third.title
    third.delete()
    heart(third).click()
    expect(status).to_have_text("This track is no longer in the catalog.")
    expect(status).to_have_class(re.compile(r"\bis-error\b"))
    expect(page.get_by_role("button", name=f"Add {third_title} to Favorites")).to_have_attribute(
        "aria-pressed", "false"
    )

    # The network fails.
    page.route("**/api/playlists/me/tracks/", lambda route: route.abort())
    heart(first).click()
    expect(status).to_have_text("Could not reach RubySound: check your connection and try again.")
    expect(heart(first)).to_have_attribute("aria-pressed", "false")
    assert list(favorites_of(user).items.values_list("track_id", flat=True)) == [second.pk]
