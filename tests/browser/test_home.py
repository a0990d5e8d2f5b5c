"""The home page in a real browser, and the installable app's service worker and offline page."""

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.factories import (
    GenreFactory,
    ListenFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def charts_data():
    rock = GenreFactory(name="Rock", slug="rock")
    jazz = GenreFactory(name="Jazz", slug="jazz")
    for n in range(10):
        track = TrackFactory(
            title=f"Rock Song {n}", album__artist__name=f"Rock Band {n}", genres=[rock]
        )
        ListenFactory(track=track)
    smoke = TrackFactory(
        title="Blue Smoke", album__artist__name="Quiet Trio With A Long Name", genres=[jazz]
    )
    ListenFactory(track=smoke)
    ListenFactory(track=smoke)
    fan = UserFactory(username="rubyfan")
    PlaylistItemFactory(playlist=favorites_of(fan), track=smoke)
    PlaylistLikeFactory(playlist=favorites_of(fan))


@pytest.fixture
def fresh(site_url):
    """``prepare`` for open_page: a cookie of its own keeps the browser away from the edge
    cache, where another test's home page may still be kept for its 60 seconds (the page
    stays anonymous, and the same for everyone); optionally a viewport."""

    def _prepare(viewport=None):
        def prepare(page: Page) -> None:
            page.context.add_cookies(
                [{"name": "w5-test", "value": uuid.uuid4().hex, "url": site_url}]
            )
            if viewport:
                page.set_viewport_size(viewport)

        return prepare

    return _prepare


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_lays_out_without_horizontal_scroll(open_page, fresh, charts_data, viewport):
    page = open_page("/", prepare=fresh(viewport))

    expect(page.get_by_role("heading", name="Your music, shared.")).to_be_visible()
    expect(page.locator(".home-artist")).to_have_count(11)
    expect(page.get_by_role("button", name="Play Blue Smoke")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("rubyfan"))).to_be_visible()
    assert no_horizontal_overflow(page)


def test_genre_chips_swap_the_charts_in_place(open_page, fresh, charts_data):
    page = open_page("/", prepare=fresh(PHONE))
    expect(page.locator(".home-carousel-controls")).to_be_visible()  # components mounted
    page.evaluate("document.getElementById('player').dataset.marker = 'kept'")

    page.get_by_role("link", name="Jazz").click()

    expect(page).to_have_url(re.compile(r"/\?genre=jazz$"))
    expect(page.get_by_role("heading", name=re.compile("Top artists in Jazz"))).to_be_visible()
    expect(page.locator(".home-artist")).to_have_count(1)
    expect(page.get_by_role("link", name="Jazz")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Play Blue Smoke")).to_be_visible()
    expect(page.get_by_role("button", name="Play Rock Song 0")).to_have_count(0)
    # Only the genre region was swapped: the player bar and the hero are the same elements.
    assert page.evaluate("document.getElementById('player').dataset.marker") == "kept"
    # Focus stays on the chip that was chosen (keyboard users keep their place).
    expect(page.locator("#genre-chip-jazz")).to_be_focused()
    assert no_horizontal_overflow(page)

    page.get_by_role("link", name="All genres").click()
    expect(page.locator(".home-artist")).to_have_count(11)


def test_carousel_buttons_page_through_the_artists(open_page, fresh, charts_data):
    page = open_page("/", prepare=fresh(PHONE))
    track = page.locator(".home-carousel-track")
    previous = page.get_by_role("button", name="Previous artists")
    following = page.get_by_role("button", name="Next artists")
    expect(previous).to_be_disabled()
    expect(following).to_be_enabled()

    following.click()

    page.wait_for_function(
        "document.querySelector('.home-carousel-track').scrollLeft > 100", polling="raf"
    )
    expect(previous).to_be_enabled()
    assert track.evaluate("el => el.scrollLeft") > 100


def test_dark_and_light_themes_both_render_the_home_page(open_page, fresh, charts_data):
    page = open_page("/", prepare=fresh())
    toggle = page.locator('[data-component="theme-toggle"]')
    expect(toggle).to_have_attribute("aria-label", re.compile(r"Switch to (dark|light) theme"))
    before = page.evaluate("document.documentElement.dataset.theme")

    toggle.click()

    expect(page.locator("html")).not_to_have_attribute("data-theme", before)
    chip = page.locator("#genre-chip-all")
    background = chip.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("", "rgba(0, 0, 0, 0)")


def test_the_worker_registers_and_the_offline_page_shows_without_a_server(open_page, fresh):
    page = open_page("/", prepare=fresh())
    # Installed, activated and in control of this page.
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
    )
    cached = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const cache = await caches.open(names.find((n) => n.startsWith("rubysound-static-")));
          return (await cache.keys()).map((request) => new URL(request.url).pathname);
        }"""
    )
    assert "/offline/" in cached
    assert "/static/css/app.css" in cached
    assert "/" not in cached  # pages are never kept

    page.context.set_offline(True)
    page.goto("/signup/")

    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.locator("[data-offline-page]:visible")).to_have_count(1)
    # Styled from the cache: the stylesheet came from the worker, not the network.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.context.set_offline(False)
    page.get_by_role("link", name="Try again").click()
    expect(page).to_have_url(re.compile(r"/signup/$"))
    expect(page.get_by_role("heading", name="You are offline")).to_have_count(0)
    expect(page.locator("#main form")).to_be_visible()


def test_an_htmx_navigation_offline_keeps_the_page_and_offers_a_retry(
    browser, site_url, charts_data
):
    # Its own context: going offline makes the browser and htmx log the failed request.
    context = browser.new_context(base_url=site_url)
    page = context.new_page()
    page.goto("/")
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
    )
    page.evaluate("document.getElementById('player').dataset.marker = 'kept'")
    page.context.set_offline(True)

    page.get_by_role("link", name="Jazz").click()

    # Only a full load gets the offline page; a boosted fetch keeps the page and the player.
    alert = page.get_by_role("alert").filter(has_text="check your connection")
    expect(alert).to_be_visible()
    expect(page.get_by_role("heading", name="You are offline")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your music, shared.")).to_be_visible()
    assert page.evaluate("document.getElementById('player').dataset.marker") == "kept"

    page.context.set_offline(False)
    alert.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("heading", name=re.compile("Top artists in Jazz"))).to_be_visible()
    context.close()


def test_anonymous_home_is_answered_by_the_edge_cache(site_url, charts_data):
    path = f"/?probe={uuid.uuid4().hex}"
    with httpx.Client(base_url=site_url) as client:
        first = client.get(path)
        second = client.get(path)
        with_cookie = client.get(path, headers={"Cookie": "sessionid=nobody"})

    assert first.status_code == second.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=60"
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert "x-cache" not in with_cookie.headers  # personal requests always reach Django
