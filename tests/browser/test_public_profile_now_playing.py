"""The public profile's "listening to" line, in a real browser: readable in both themes at
phone and desktop widths, and it appears by itself while the page is open (htmx asks again)."""

import pytest
from playwright.sync_api import Browser, expect

from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from tests.browser.test_accessibility import VIEWPORTS, describe, run_axe, settle
from tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FAILING_IMPACTS = {"serious", "critical"}


def test_the_line_reads_well_in_both_themes_and_widths(browser: Browser, site_url, tmp_path):
    owner = UserFactory(username="lina", is_public_listening=True)
    long_title = "A Remarkably Long Song Title That Goes On And On Without Stopping"
    track = TrackFactory(title=long_title, artist=ArtistFactory(name="The Long Names Orchestra"))
    catalog_services.set_now_playing(owner, track, source=Listen.Source.LISTENBRAINZ)
    report = []
    for theme in ("light", "dark"):
        for size, viewport in VIEWPORTS.items():
            context = browser.new_context(
                base_url=site_url, viewport=viewport, color_scheme=theme, bypass_csp=True
            )
            try:
                context.add_init_script(f"localStorage.setItem('rubysound-theme', '{theme}')")
                page = context.new_page()
                page.goto("/u/lina/")
                expect(page.locator("html")).to_have_attribute("data-theme", theme)
                line = page.locator("[data-listening-now]")
                expect(line).to_be_visible()
                expect(line).to_contain_text(long_title)
                settle(page)
                page.screenshot(path=str(tmp_path / f"{theme}-{size}.png"))
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    report.append(f"{theme}, {size}: scrolls sideways by {overflow}px")
                serious = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
                if serious:
                    report.append(f"{theme}, {size}:\n{describe(serious)}")
            finally:
                context.close()
    assert not report, "\n".join(report)


def test_the_line_appears_while_the_page_is_open(open_page):
    owner = UserFactory(username="mara", is_public_listening=True)
    track = TrackFactory(title="Night Drive")
    page = open_page("/u/mara/", prepare=lambda page: page.clock.install())
    line = page.locator("[data-listening-now]")
    expect(line).to_be_attached()
    expect(line).to_be_hidden()
    catalog_services.set_now_playing(owner, track, source=Listen.Source.SUBSONIC)
    page.clock.fast_forward("00:31")  # the page asks again every 30 s
    expect(page.locator("[data-listening-now]")).to_contain_text("Night Drive")
    expect(page.locator("[data-listening-now]")).to_be_visible()
