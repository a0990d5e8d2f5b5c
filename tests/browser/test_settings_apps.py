"""The Apps settings in a browser: a person creates an app password, a Subsonic app signs in
with it against the live server, and once revoked the app is refused (error 40)."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def ping(site_url: str, username: str, password: str) -> dict:
    """A Subsonic app's first call, with the password as typed into it."""
    response = httpx.get(
        f"{site_url}/rest/ping",
        params={"u": username, "p": password, "v": "1.16.1", "c": "browser-test", "f": "json"},
    )
    assert response.status_code == 200
    return response.json()["subsonic-response"]


def test_an_app_password_made_in_the_page_signs_an_app_in_until_revoked(open_page, site_url):
    user = UserFactory(username="mika")
    page = open_page("/settings/apps/", as_user=user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)

    expect(page.get_by_label("Server address")).to_have_value(site_url)
    passwords = page.locator("#apps-app_password")
    passwords.get_by_label("Name").fill("Phone – Symfonium")
    with page.expect_navigation():
        passwords.get_by_role("button", name="Create app password").click()

    created = page.locator("[data-apps-created]")
    expect(created).to_contain_text("shown only this once")
    secret = page.locator("#apps-new-secret").input_value()
    assert secret
    created.get_by_role("button", name="Copy").click()
    expect(created.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret

    answer = ping(site_url, "mika", secret)
    assert answer["status"] == "ok"

    # The list shows it, the secret does not come back.
    page.goto("/settings/apps/")
    item = page.locator("[data-apps-list=app_password] li", has_text="Phone – Symfonium")
    expect(item).to_contain_text("last used")
    expect(page.locator("#apps-new-secret")).to_have_count(0)

    item.locator("summary", has_text="Revoke").click()
    with page.expect_navigation():
        item.get_by_role("button", name="Yes, revoke").click()
    expect(page.get_by_role("status").filter(has_text="Revoked")).to_be_visible()
    expect(page.locator("[data-apps-empty=app_password]")).to_be_visible()

    refused = ping(site_url, "mika", secret)
    assert refused["status"] == "failed"
    assert refused["error"]["code"] == 40


def test_the_apps_page_fits_a_phone(browser, site_url):

    user = UserFactory()
    context = browser.new_context(
        base_url=site_url, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    try:
        sign_in(context, user, site_url)
        page = context.new_page()
        page.goto("/settings/apps/")
        keys = page.locator("#apps-api_key")
        keys.get_by_label("Name").fill("A rather long name for a desktop app, to wrap")
        with page.expect_navigation():
            keys.get_by_role("button", name="Create API key").click()
        # Without scripts the secret is still there to select, with no Copy button.
        expect(page.locator("#apps-new-secret")).to_be_visible()
        expect(page.get_by_role("button", name="Copy")).to_have_count(0)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not overflow
    finally:
        context.close()
