"""Accessibility of every page with axe-core, in both themes, at a desktop and a phone size.

axe-core comes from npm (package.json's devDependencies, installed into node_modules/) and is
injected into each page once it has loaded and its components have mounted; the rule sets
are WCAG 2.0/2.1 A and AA plus axe's best practices. A violation of impact "serious" or
"critical" fails the test, listed readably (rule, help, the elements). Colour contrast is
checked in both themes because the theme is chosen before the first paint (the stored
choice in ``localStorage``, as the theme toggle leaves it).

The data is real: a small generated library scanned into the test database (playable
tracks, covers), two listeners with favorites, listens (so the charts have entries), a
comment with a reply and a like. One page is checked with the player bar open, playing, its
"Up next" panel open, and the search box's suggestions open.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from playwright.sync_api import Browser, Page, expect

from rubysound.accounts import services as account_services
from rubysound.catalog import services as catalog_services
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.models import Album, Artist, Track
from rubysound.demo.library import generate_demo_library
from tests import servers
from tests.browser.conftest import TEST_PASSWORD_HASHERS
from tests.factories import (
    CommentFactory,
    CommentLikeFactory,
    ListenFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
THEMES = ("light", "dark")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(scope="module")
def a11y_library(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("a11y-library")
    generate_demo_library(
        root,
        seed=3,
        artists=2,
        albums_per_artist=1,
        tracks_per_album=3,
        min_seconds=4,
        max_seconds=6,
    )
    return [root.resolve()]


@pytest.fixture(scope="module")
def a11y_media(tmp_path_factory) -> Path:
    """One media folder for the module: the scanner (here) writes covers the server reads."""
    return tmp_path_factory.mktemp("a11y-media")


@pytest.fixture(scope="module")
def a11y_site(django_db_setup, django_db_blocker, a11y_library, a11y_media) -> Iterator[str]:
    """A server of this module's own: the real site, with the library to stream from."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=TEST_PASSWORD_HASHERS,
            LIBRARY_DIRS=a11y_library,
            MEDIA_ROOT=a11y_media,
            COVER_CACHE_DIR=a11y_media / "covers" / "resized",
        ),
        servers.serve() as base_url,
    ):
        yield base_url


@pytest.fixture
def world(a11y_library, a11y_media, settings) -> dict:
    """The library scanned, two listeners with favorites, listens, comments and likes."""
    settings.LIBRARY_DIRS = a11y_library
    settings.MEDIA_ROOT = a11y_media
    settings.COVER_CACHE_DIR = a11y_media / "covers" / "resized"
    summary = scan_library()
    assert not summary.failed, summary.failed
    tracks = list(Track.objects.order_by("artist__name", "album__title", "track_number", "pk"))
    alice = UserFactory(
        username="alice", bio="Synth pop and late-night radio.", is_public_listening=True
    )
    # The Apps settings list them, each with its Revoke disclosure.
    account_services.create_app_password(alice, "Phone – Symfonium")
    account_services.create_api_key(alice, "Desktop – Feishin")
    # Their Scrobbling part shows a link's state and its Unlink disclosure.
    catalog_services.link_lastfm(alice, "a-session-key", "alice-on-lastfm")
    bob = UserFactory(username="bob")
    for user, picks in ((alice, tracks[:4]), (bob, tracks[2:])):
        for track in picks:
            PlaylistItemFactory(playlist=favorites_of(user), track=track)
        for track in tracks:
            ListenFactory(user=user, track=track)
    PlaylistLikeFactory(playlist=favorites_of(alice), user=bob)
    comment = CommentFactory(playlist=favorites_of(alice), author=bob, text="Lovely picks!")
    CommentFactory(
        playlist=favorites_of(alice), author=alice, parent=comment, text="Thank you, Bob."
    )
    CommentLikeFactory(comment=comment, user=alice)
    # The server keeps its own cache; this process's charts cache must not hold stale ids.
    cache.clear()
    return {
        "alice": alice,
        "bob": bob,
        "track": tracks[0],
        "artist": Artist.objects.order_by("name").first(),
        "album": Album.objects.order_by("title").first(),
    }


# name -> (path from the world, who is signed in)
PAGES: dict[str, tuple[Callable[[dict], str], str | None]] = {
    "home": (lambda w: "/", None),
    "search": (lambda w: f"/music_api/index/?q={w['track'].title.split()[0]}", None),
    "search-no-results": (lambda w: "/music_api/index/?q=zzzzqqq", None),
    "artist": (lambda w: f"/artists/{w['artist'].pk}/", None),
    "album": (lambda w: f"/albums/{w['album'].pk}/", None),
    "login": (lambda w: "/login/", None),
    "signup": (lambda w: "/signup/", None),
    "playlists": (lambda w: "/playlists/", "alice"),
    "profile": (lambda w: "/settings/profile/", "alice"),
    "settings-account": (lambda w: "/settings/account/", "alice"),
    "settings-privacy": (lambda w: "/settings/privacy/", "alice"),
    "settings-apps": (lambda w: "/settings/apps/", "alice"),
    "settings-notifications": (lambda w: "/settings/notifications/", "alice"),
    # Listens, top lists, the heat map, the import form.
    "history": (lambda w: "/history/?window=all", "alice"),
    "password-reset": (lambda w: "/password-reset/", None),
    "public-profile": (lambda w: "/u/alice/", None),
    "public-profile-signed-in": (lambda w: "/u/alice/", "bob"),
    # Played on the album page, checked there and again after a boosted move to the artist.
    "player-open": (lambda w: f"/albums/{w['album'].pk}/", "bob"),
    "offline": (lambda w: "/offline/", None),
    "add-to-playlist": (lambda w: f"/tracks/{w['track'].pk}/add-to-playlist/", "bob"),
    # A track's menu open, checked, then its playlist picker.
    "track-menu-open": (lambda w: f"/albums/{w['album'].pk}/", "bob"),
}


def run_axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """(ruleSets) => axe.run(document, {runOnly: {type: "tag", values: ruleSets}})
            .then((result) => result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => ({
                    target: n.target.join(" "), summary: n.failureSummary,
                })),
            })))""",
        RULE_SETS,
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["targets"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"      {node['target']}  -- {summary[:300]}")
        if len(violation["targets"]) > 8:
            lines.append(f"      ... and {len(violation['targets']) - 8} more")
    return "\n".join(lines)


def settle(page: Page) -> None:
    """The page loaded and its components mounted (the ones that say so)."""
    page.wait_for_load_state("load")
    for element in page.locator("#main [data-component][data-ready]").all():
        expect(element).to_have_attribute("data-ready", "true")
    # Let scripts finish drawing the first state (lists fetched over the API, say).
    page.wait_for_load_state("networkidle")


def finish_animations(element) -> None:
    """Waits for an element's entrance animation: colours are checked as they end up, not
    half faded in."""
    element.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")


def play_first_track(page: Page) -> None:
    expect(page.locator("#player")).to_have_attribute("data-ready", "true")
    page.locator("#main").get_by_role("button", name="Play ").first.click()
    expect(page.locator("#player")).to_be_visible()
    page.wait_for_function(
        "() => { const a = document.querySelector('#player audio');"
        " return a && !a.paused && a.currentTime > 0.2; }"
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(name, browser: Browser, a11y_site, world):
    path_of, signed_in = PAGES[name]
    path = path_of(world)
    session = None
    if signed_in:
        client = Client()
        client.force_login(world[signed_in])
        session = client.cookies[settings.SESSION_COOKIE_NAME].value

    errors: list[str] = []
    report: list[str] = []
    for theme in THEMES:
        for size, viewport in VIEWPORTS.items():
            context = browser.new_context(
                base_url=a11y_site,
                viewport=viewport,
                color_scheme=theme,
                # axe is injected as an inline script: should the site send a CSP without
                # 'unsafe-inline' (none is sent today), axe still runs.
                bypass_csp=True,
            )
            try:
                if session:
                    context.add_cookies(
                        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": a11y_site}]
                    )
                context.add_init_script(f"localStorage.setItem('rubysound-theme', '{theme}')")
                page = context.new_page()
                where = f"{name} {theme} {size}"
                page.on("pageerror", lambda error, where=where: errors.append(f"{where}: {error}"))
                page.on(
                    "response",
                    lambda response, where=where: (
                        errors.append(f"{where}: {response.status} {response.url}")
                        if response.status >= 400
                        else None
                    ),
                )
                page.on(
                    "console",
                    lambda message, where=where: (
                        errors.append(f"{where}: console: {message.text}")
                        if message.type == "error"
                        else None
                    ),
                )
                page.goto(path)
                expect(page.locator("html")).to_have_attribute("data-theme", theme)
                settle(page)
                layout = page.evaluate(
                    "() => ({scrollY, overflow: document.documentElement.scrollWidth > innerWidth})"
                )
                if layout["scrollY"]:
                    # An autofocused field far down the page: it opens scrolled past the top.
                    report.append(
                        f"{path} ({theme}, {size}): opens scrolled to {layout['scrollY']}"
                    )
                if layout["overflow"]:
                    report.append(f"{path} ({theme}, {size}): scrolls sideways")
                found = []
                if name == "player-open":
                    play_first_track(page)
                    found += run_axe(page)
                    if viewport["width"] < 700:
                        # The phone's full-screen "now playing" view, its queue included.
                        player = page.locator("#player")
                        player.get_by_role("button", name="Expand the player").click()
                        expect(player.locator("[data-queue]")).to_be_visible()
                        finish_animations(player)
                        found += run_axe(page)
                        page.keyboard.press("Escape")
                        expect(player.locator("[data-queue]")).to_be_hidden()
                    else:
                        # The "Up next" panel, open over the page.
                        page.locator("#player").get_by_role("button", name="Up next").click()
                        expect(page.locator("#player [data-queue]")).to_be_visible()
                        finish_animations(page.locator("#player [data-queue]"))
                        found += run_axe(page)
                        page.keyboard.press("Escape")
                        expect(page.locator("#player [data-queue]")).to_be_hidden()
                    # Not Home: the server's cached charts may name another test's rows.
                    page.locator(".catalog-by a").click()
                    expect(page.locator("#main h1")).to_have_text(world["album"].artist.name)
                    expect(page.locator("#player")).to_be_visible()
                    settle(page)
                    # The search box's suggestions (artists and tracks groups), open.
                    box = page.get_by_role("combobox", name="Search music")
                    if viewport["width"] < 700:  # the phone's search is behind a button
                        page.locator(".search-toggle").click()
                    box.fill(world["album"].artist.name[:3])
                    expect(box).to_have_attribute("aria-expanded", "true")
                    expect(page.get_by_role("group", name="Tracks")).to_be_visible()
                    box.press("ArrowDown")
                    finish_animations(page.get_by_role("listbox", name="Suggestions"))
                if name == "track-menu-open":
                    page.locator("#main [data-track-menu-button]").first.click()
                    expect(page.get_by_role("menu")).to_be_visible()
                    found += run_axe(page)
                    page.get_by_role("menuitem", name="Add to playlist…").click()
                    expect(
                        page.get_by_role("dialog").locator("[data-picker-item]").first
                    ).to_be_focused()
                found += run_axe(page)
                # The lesser ones are shown (pytest -s) but do not fail the test.
                for v in found:
                    print(f"{name} {theme} {size}: [{v['impact']}] {v['id']} x{len(v['targets'])}")
                violations = [v for v in found if v["impact"] in FAILING_IMPACTS]
                if violations:
                    report.append(f"{path} ({theme} theme, {size} {viewport}):")
                    report.append(describe(violations))
            finally:
                context.close()
    assert not report, "accessibility violations:\n" + "\n".join(report)
    assert not errors, "errors in the pages:\n" + "\n".join(errors)
