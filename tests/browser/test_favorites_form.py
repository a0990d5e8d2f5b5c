"""The Favorites heart in a browser without JavaScript (a plain form), and with it (no
reload) (issue 6)."""

import pytest
from playwright.sync_api import Browser, expect

from rubysound.social.models import PlaylistItem
from tests.browser.conftest import record_errors, sign_in
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def album(db):
    album = AlbumFactory(title="Ruby Nights")
    TrackFactory(title="First Light", album=album, track_number=1)
    TrackFactory(title="Second Wind", album=album, track_number=2)
    return album


def favorite_titles(user) -> list[str]:
    items = PlaylistItem.objects.filter(playlist__owner=user, playlist__is_favorites=True)
    return sorted(items.values_list("track__title", flat=True))


def test_the_heart_works_as_a_form_without_javascript(browser: Browser, site_url, album):
    user = UserFactory()
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    try:
        sign_in(context, user, site_url)
        page = context.new_page()
        page.goto(f"/albums/{album.pk}/")
        add = page.get_by_role("button", name="Add First Light to Favorites")
        expect(add).to_have_attribute("aria-pressed", "false")

        with page.expect_navigation():
            add.click()
        # Back on the same page (a 303 after the POST), saying what happened.
        assert page.url == f"{site_url}/albums/{album.pk}/"
        expect(page.get_by_text("First Light is now in your Favorites.")).to_be_visible()
        remove = page.get_by_role("button", name="Remove First Light from Favorites")
        expect(remove).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("button", name="Add Second Wind to Favorites")).to_be_visible()
        assert favorite_titles(user) == ["First Light"]

        with page.expect_navigation():
            remove.click()
        expect(page.get_by_text("First Light was removed from your Favorites.")).to_be_visible()
        expect(page.get_by_role("button", name="Add First Light to Favorites")).to_be_visible()
        assert favorite_titles(user) == []
    finally:
        context.close()


def test_with_javascript_the_heart_changes_without_a_page_load(browser: Browser, site_url, album):
    user = UserFactory()
    context = browser.new_context(base_url=site_url)
    errors: list[str] = []
    try:
        sign_in(context, user, site_url)
        page = context.new_page()
        record_errors(page, errors, "album page")
        posts: list[str] = []
        page.on(
            "request",
            lambda request: posts.append(request.url) if request.method == "POST" else None,
        )
        page.goto(f"/albums/{album.pk}/")
        expect(page.locator('[data-component="favorites"]')).to_have_attribute("data-ready", "true")
        page.evaluate("window.__samePage = true")

        page.get_by_role("button", name="Add Second Wind to Favorites").click()
        remove = page.get_by_role("button", name="Remove Second Wind from Favorites")
        expect(remove).to_have_attribute("aria-pressed", "true")
        expect(page.locator('[data-component="favorites"]')).to_have_text(
            "Second Wind is now in your Favorites."
        )
        assert page.evaluate("window.__samePage === true")
        assert favorite_titles(user) == ["Second Wind"]
        # Through the API, never the form's own address.
        assert any(url.endswith("/api/playlists/me/tracks/") for url in posts)
        assert not any(url.endswith("/favorites/") for url in posts)
        # The form follows the heart: without scripts it would now remove the track.
        action = remove.locator("xpath=..").locator('input[name="action"]')
        expect(action).to_have_value("remove")
    finally:
        context.close()
    assert not errors, "\n".join(errors)
