"""The admin and the API reference as RubySound (issue 15): our name, colours and icon in
the admin; neither it nor ReDoc asks for /favicon.ico or loads anything from another origin
(ReDoc's sidebar logo came from cdn.redoc.ly)."""

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(page: Page, site_url: str) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def _foreign(urls: list[str], site_url: str) -> list[str]:
    origin = urlsplit(site_url).netloc
    return [
        url
        for url in urls
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != origin
    ]


def test_admin_is_rubysound_and_names_its_own_icon(browser, site_url):
    admin = UserFactory(is_staff=True, is_superuser=True)
    context = browser.new_context(base_url=site_url)
    try:
        sign_in(context, admin, site_url)
        page = context.new_page()
        requested = _watch(page, site_url)
        page.goto("/admin/")
        expect(page.locator("#site-name")).to_have_text("RubySound administration")
        expect(page).to_have_title("Library, listeners and operations | RubySound admin")
        header_bg = page.locator("#header").evaluate("el => getComputedStyle(el).backgroundColor")
        assert header_bg in {"rgb(125, 12, 44)", "rgb(27, 20, 24)"}  # our light or dark ruby
        page.wait_for_load_state("networkidle")
        assert not any(urlsplit(url).path == "/favicon.ico" for url in requested)
        assert _foreign(requested, site_url) == []
    finally:
        context.close()


def test_redoc_loads_nothing_from_another_origin(browser, site_url):
    context = browser.new_context(base_url=site_url)
    try:
        page = context.new_page()
        requested = _watch(page, site_url)
        page.goto("/api/redoc/")
        sidebar_link = page.get_by_role("link", name="API docs by Redocly")
        expect(sidebar_link).to_be_visible(timeout=20_000)
        page.wait_for_load_state("networkidle")
        assert _foreign(requested, site_url) == []
        assert not any(urlsplit(url).path == "/favicon.ico" for url in requested)
        # The sidebar's logo is ours now, not the CDN's.
        expect(sidebar_link.locator("img")).to_have_attribute("src", "/static/img/logo.svg")
    finally:
        context.close()


def test_favicon_ico_is_answered_with_our_icon(site_url):
    response = httpx.get(f"{site_url}/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.url.path.endswith("/icon-192.png")
