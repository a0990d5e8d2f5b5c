"""The page shell in a real browser: the sticky top bar above the content, the player bar's
markup before anything plays."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.factories import GenreFactory, ListenFactory, TrackFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def home_with_charts():
    rock = GenreFactory(name="Rock", slug="rock")
    for n in range(8):
        track = TrackFactory(title=f"Song {n}", album__artist__name=f"Band {n}", genres=[rock])
        ListenFactory(track=track)


def private_cookie(site_url):
    """A cookie of its own keeps the browser away from the edge cache's anonymous pages."""

    def prepare(page: Page) -> None:
        cookie = {"name": "shell-test", "value": uuid.uuid4().hex, "url": site_url}
        page.context.add_cookies([cookie])

    return prepare


def top_bar_owns_its_area(page: Page, under: str) -> list[str]:
    """Scrolls ``under`` half beneath the sticky top bar; returns the points of the bar's middle
    line where something else is on top (what a click there would hit)."""
    return page.evaluate(
        """(selector) => {
            const bar = document.querySelector('.topbar');
            const target = document.querySelector(selector);
            const barBox = bar.getBoundingClientRect();
            window.scrollBy(0, target.getBoundingClientRect().top - barBox.top - barBox.height / 2);
            const y = bar.getBoundingClientRect().top + bar.getBoundingClientRect().height / 2;
            const covered = [];
            for (let x = 5; x < window.innerWidth; x += 20) {
                const hit = document.elementFromPoint(x, y);
                if (hit && !hit.closest('.topbar')) covered.push(`${x}: ${hit.className}`);
            }
            return covered;
        }""",
        under,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("under", [".home-carousel", ".genre-chips"])
def test_the_carousel_and_genre_chips_scroll_beneath_the_top_bar(
    open_page, site_url, home_with_charts, viewport, under
):
    page = open_page("/", prepare=private_cookie(site_url))
    page.set_viewport_size(viewport)
    expect(page.locator(".home-carousel-controls")).to_be_visible()
    # The cards fade in: wait until they are where they stay.
    page.wait_for_function(
        "[...document.querySelectorAll('.home-artist')].every("
        "el => getComputedStyle(el).opacity === '1')"
    )

    assert top_bar_owns_its_area(page, under) == []


def test_the_hidden_player_cover_asks_for_nothing(open_page):
    image_requests: list[str] = []

    def prepare(page: Page) -> None:
        page.on(
            "request",
            lambda request: (
                image_requests.append(request.url) if request.resource_type == "image" else None
            ),
        )

    page = open_page("/login/", prepare=prepare)
    cover = page.locator("#player [data-cover]")

    expect(cover).to_have_count(1)
    assert cover.get_attribute("src") is None
    page.wait_for_load_state("load")
    assert page.url not in image_requests
