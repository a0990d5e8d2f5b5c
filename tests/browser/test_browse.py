"""Browsing the library in a real browser: the artists' A–Z, the album grid's filters and
infinite scroll, and axe on every browse page in both themes, desktop and phone."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from rubysound.catalog.selectors import BROWSE_PAGE_SIZE
from tests.browser.test_accessibility import VIEWPORTS, describe, run_axe, settle
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    ListenFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def library(db):
    jazz, rock = GenreFactory(name="Jazz", slug="jazz"), GenreFactory(name="Rock", slug="rock")
    miles = ArtistFactory(name="Miles Davis")
    blue = AlbumFactory(title="Kind of Blue", artist=miles, year=1959)
    bitches = AlbumFactory(title="Bitches Brew", artist=miles, year=1970)
    so_what = TrackFactory(title="So What", album=blue, genres=[jazz])
    TrackFactory(title="Pharaoh's Dance", album=bitches, genres=[jazz])
    arzte = ArtistFactory(name="Ärzte")
    TrackFactory(title="Schrei nach Liebe", album=AlbumFactory(title="Die Bestie", artist=arzte))
    abba = ArtistFactory(name="ABBA")
    TrackFactory(title="Waterloo", album=AlbumFactory(title="Waterloo", artist=abba, year=1974))
    beck = ArtistFactory(name="Beck")
    loser = TrackFactory(
        title="Loser", album=AlbumFactory(title="Mellow Gold", artist=beck, year=1994)
    )
    loser.genres.set([rock])
    ListenFactory(track=so_what)
    return {"miles": miles, "blue": blue, "arzte": arzte, "abba": abba, "beck": beck}


def cards(page: Page, list_id: str):
    return page.locator(f"#{list_id} > li:not(.browse-more)")


def test_browse_artists_by_letter(open_page, library):
    page = open_page("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Artists").click()
    expect(page).to_have_title(re.compile(r"^Artists · "))
    index = page.get_by_role("navigation", name="Artists by first letter")
    index.get_by_role("link", name="A", exact=True).click()

    expect(page).to_have_url(re.compile(r"/artists/\?letter=a$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Artists: A")
    # "Ärzte" files under A, next to ABBA; Beck does not.
    expect(cards(page, "browse-artists")).to_have_count(2)
    expect(cards(page, "browse-artists")).to_contain_text(["ABBA", "Ärzte"])
    expect(index.get_by_role("link", name="A", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    page.get_by_role("link", name=re.compile("^Ärzte")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ärzte")


def test_filter_albums_by_genre_and_decade_then_open_one(open_page, library):
    page = open_page("/albums/")
    expect(cards(page, "browse-albums")).to_have_count(5)
    page.get_by_label("Genre").select_option(label="Jazz")
    page.get_by_label("Decade").select_option(label="1950s")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"genre=jazz"))
    expect(page).to_have_url(re.compile(r"decade=1950"))
    expect(cards(page, "browse-albums")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Albums · Jazz · 1950s")
    page.get_by_role("link", name=re.compile("^Kind of Blue")).click()
    expect(page).to_have_url(re.compile(rf"/albums/{library['blue'].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kind of Blue")


def test_infinite_scroll_loads_the_next_page(open_page, db):
    artist = ArtistFactory(name="Prolific")
    for n in range(BROWSE_PAGE_SIZE + 5):
        AlbumFactory(title=f"Volume {n:03}", artist=artist)
    page = open_page("/albums/?sort=title")
    grid = cards(page, "browse-albums")
    expect(grid).to_have_count(BROWSE_PAGE_SIZE)
    expect(grid.first).to_contain_text("Volume 000")

    page.locator("[data-browse-more]").scroll_into_view_if_needed()

    expect(grid).to_have_count(BROWSE_PAGE_SIZE + 5)
    expect(grid.last).to_contain_text(f"Volume {BROWSE_PAGE_SIZE + 4:03}")
    expect(page.locator("[data-browse-more]")).to_have_count(0)
    # The address stays the shareable first page; the rows came in place.
    expect(page).to_have_url(re.compile(r"/albums/\?sort=title$"))


def test_next_page_link_works_without_scrolling_into_view(open_page, db):
    for _ in range(BROWSE_PAGE_SIZE + 1):
        TrackFactory()
    page = open_page("/tracks/?sort=-added")
    more = page.locator("[data-browse-more] a")
    expect(more).to_have_attribute("href", "?sort=-added&page=2")


BROWSE_PAGES = ["/artists/", "/albums/", "/genres/", "/genres/jazz/", "/tracks/"]


@pytest.mark.parametrize("path", BROWSE_PAGES)
def test_browse_pages_have_no_serious_accessibility_violations(
    browser: Browser, site_url, library, path
):
    report = []
    for theme in ("light", "dark"):
        for size, viewport in VIEWPORTS.items():
            context = browser.new_context(
                base_url=site_url, viewport=viewport, color_scheme=theme, bypass_csp=True
            )
            try:
                context.add_init_script(f"localStorage.setItem('rubysound-theme', '{theme}')")
                page = context.new_page()
                page.goto(path)
                expect(page.locator("html")).to_have_attribute("data-theme", theme)
                settle(page)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    report.append(f"{path} ({theme}, {size}): scrolls sideways by {overflow}px")
                serious = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
                if serious:
                    report.append(f"{path} ({theme}, {size}):\n{describe(serious)}")
            finally:
                context.close()
    assert not report, "\n".join(report)
