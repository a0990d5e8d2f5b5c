"""Browser tests: Debian's Chromium, driven by Playwright, against real uvicorn servers.

Playwright downloads no browser here: it drives ``/usr/bin/chromium`` (``make test`` installs
it with apt-get when missing; ``CHROMIUM_PATH`` points elsewhere). One browser and one server
serve every test of this package; each test gets fresh browser contexts (one per person, so
cookies never mix) and its own data, which ``django_db(transaction=True)`` makes visible to
the server and removes afterwards.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.host_network import host_network
from tests.servers import serve

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Two shared CPU cores and a server doing the work of several browsers: give live updates
# room before calling them missing (expect() returns as soon as the page is right).
EXPECT_TIMEOUT_MS = 10_000
# What the factories hash passwords with (tests/conftest.py), so the server can check them
# when a test signs in through the real form.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _steady_host_network() -> Iterator[None]:
    """Waits while the pod test (on another worker) changes the host's network, which would
    abort this test's page loads with net::ERR_NETWORK_CHANGED (see tests/host_network.py)."""
    with host_network(changes_it=False):
        yield


@pytest.fixture(scope="package")
def site_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One uvicorn server on the test database for the whole package."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS),
        serve() as base_url,
    ):
        yield base_url


@pytest.fixture(scope="package")
def browser(site_url) -> Iterator[Browser]:
    """Headless Chromium for the package.

    Playwright's sync API keeps its event loop registered as running on this thread between
    calls, which Django's async-safety check takes for ORM use inside a coroutine. Nothing
    here is: the tests and their database clean-up run plain synchronous code. So the check
    is off in this process while the browser lives. The server is started first (see the
    signature) so it never inherits the switch: its own checks stay on.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: `make test` installs Debian's chromium, or set CHROMIUM_PATH"
        )
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield browser
            browser.close()


def sign_in(context: BrowserContext, user, site_url: str) -> None:
    """Gives a browser context the session cookie of ``user`` (the server shares the DB)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}])


def record_errors(page: Page, errors: list[str], label, ignore=lambda text: False) -> None:
    """Appends the page's script errors and console errors (unless ``ignore``d) to ``errors``.

    ``label`` is the page's name in the report: a string, or a callable read when it happens.
    """

    def name() -> str:
        return label() if callable(label) else label

    page.on("pageerror", lambda error: errors.append(f"{name()}: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{name()}: console: {message.text}")
            if message.type == "error" and not ignore(message.text)
            else None
        ),
    )


@pytest.fixture
def open_page(browser, site_url) -> Iterator[Callable[..., Page]]:
    """``open_page(path, as_user=None, prepare=None)``: a page in a browser of its own.

    ``as_user`` signs the browser in with a session made for that user (the server shares
    the database and the secret key); None stays anonymous. ``prepare(page)`` runs before
    the page loads ``path`` (to route its traffic, say). A script error or a console error
    on any page fails the test.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def _open(path: str, as_user=None, prepare: Callable[[Page], None] | None = None) -> Page:
        context = browser.new_context(base_url=site_url)
        contexts.append(context)
        if as_user is not None:
            sign_in(context, as_user, site_url)
        page = context.new_page()
        record_errors(page, errors, path)
        if prepare is not None:
            prepare(page)
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, "errors in the pages:\n" + "\n".join(errors)
