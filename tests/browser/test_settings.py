"""Settings as a person uses them (issue 15): one section per page with a side navigation
that becomes a row of tabs on a phone, forms that save and come back to their section, both
themes, no sideways scrolling."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECTIONS = {
    "Account": "account",
    "Privacy": "privacy",
    "Apps and services": "apps",
    "Notifications": "notifications",
    "Profile": "profile",
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_section_is_reached_from_the_navigation(open_page, viewport, theme):
    user = UserFactory(username="Zoya")
    page = open_page("/", as_user=user)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.emulate_media(color_scheme=theme)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Zoya").click()
    expect(page).to_have_url(re.compile(r"/settings/profile/$"))

    nav = page.get_by_role("navigation", name="Settings sections")
    for label, slug in SECTIONS.items():
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(re.compile(f"/settings/{slug}/$"))
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.get_by_role("heading", level=2).first).to_be_visible()
        _no_sideways_scroll(page)

    box = nav.bounding_box()
    content = page.locator(".settings-content").bounding_box()
    if viewport == "phone":
        # Tabs above the section, not a column squeezing it.
        assert box["y"] + box["height"] <= content["y"] + 1
        assert box["height"] < 110
        # Every tab in sight: none cut off at the edge.
        for label in SECTIONS:
            tab = nav.get_by_role("link", name=label, exact=True).bounding_box()
            assert tab["x"] >= 0
            assert tab["x"] + tab["width"] <= VIEWPORTS["phone"]["width"]
    else:
        assert box["x"] + box["width"] <= content["x"] + 1


def test_privacy_switch_saves_and_the_public_page_follows(open_page):
    user = UserFactory(username="Zoya")
    page = open_page("/settings/privacy/", as_user=user)
    switch = page.get_by_label("Public profile")
    expect(switch).to_be_checked()
    switch.uncheck()
    page.get_by_role("button", name="Save privacy settings").click()

    expect(page.locator(".messages")).to_contain_text("Privacy settings saved.")
    expect(page.get_by_label("Public profile")).not_to_be_checked()
    expect(page.get_by_role("link", name="See your page (only you can)")).to_be_visible()
    user.refresh_from_db()
    assert user.is_public_favorites is False


def test_apps_section_shows_how_to_connect_before_anything_is(open_page):
    page = open_page("/settings/apps/", as_user=UserFactory())
    apps = page.locator("#apps")
    expect(apps.get_by_role("heading", name="Apps and services")).to_be_visible()
    expect(apps.get_by_role("heading", name="Connect an app")).to_be_visible()
    expect(apps).to_contain_text("No app passwords yet.")


def test_the_profile_form_has_no_dashes_and_styled_file_pickers(open_page):
    page = open_page("/settings/profile/", as_user=UserFactory())
    expect(page.get_by_label("Country")).to_have_value("")
    expect(page.get_by_label("Country").locator("option").first).to_have_text("Not specified")
    picker = page.get_by_label("Avatar")
    # The picker's button is drawn by our stylesheet: rounded like the site's buttons.
    radius = picker.evaluate(
        "el => getComputedStyle(el, '::file-selector-button').borderTopLeftRadius"
    )
    assert radius not in ("0px", "")
