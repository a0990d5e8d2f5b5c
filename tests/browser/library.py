"""A small real library for browser tests that play audio, and a server that sees it.

``player_library`` generates it once per module (three tracks of 20-25 s and one of about
2 s, short enough that half of it counts as a listen within a test); ``player_site`` is a
uvicorn server on the test database whose ``LIBRARY_DIRS`` point there, serving the site
plus the two plain track-list pages of ``tests/browser/player_pages.py``; ``library`` scans
it into the test's database; ``open_player_page`` opens one of its pages in a fresh browser
context. A test module uses them by naming them at module level::

    from tests.browser import library as shared

    player_library = shared.player_library
    player_site = shared.player_site
    library = shared.library
    open_player_page = shared.open_player_page
"""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.models import Track
from rubysound.demo.library import generate_demo_library
from tests import servers
from tests.browser.conftest import TEST_PASSWORD_HASHERS, record_errors, sign_in


@pytest.fixture(scope="module")
def player_library(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("player-library")
    long_root, short_root = root / "long", root / "short"
    generate_demo_library(
        long_root,
        seed=11,
        artists=1,
        albums_per_artist=1,
        tracks_per_album=3,
        min_seconds=20,
        max_seconds=25,
    )
    generate_demo_library(
        short_root,
        seed=5,
        artists=1,
        albums_per_artist=1,
        tracks_per_album=1,
        min_seconds=2,
        max_seconds=2.5,
    )
    return [long_root.resolve(), short_root.resolve()]


@pytest.fixture(scope="module")
def player_site(django_db_setup, django_db_blocker, player_library) -> Iterator[str]:
    """A server on the test database with the player pages and the library."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=TEST_PASSWORD_HASHERS,
            LIBRARY_DIRS=player_library,
            ROOT_URLCONF="tests.browser.player_pages",
        ),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(servers, "SHARED_SETTINGS", (*servers.SHARED_SETTINGS, "ROOT_URLCONF"))
        with servers.serve() as base_url:
            yield base_url


@pytest.fixture
def library(player_library, settings) -> list[Track]:
    """The library scanned into this test's database; tracks as page A lists them."""
    settings.LIBRARY_DIRS = player_library
    summary = scan_library()
    assert not summary.failed, summary.failed
    tracks = list(Track.objects.order_by("-duration", "title"))
    assert len(tracks) == 4
    return tracks


@pytest.fixture
def open_player_page(browser: Browser, player_site) -> Iterator[Callable[..., Page]]:
    """Like the package's ``open_page``, on the player server; console errors fail."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    in_flight: set = set()

    def _open(path: str, as_user=None, viewport=None) -> Page:
        options = {"base_url": player_site}
        if viewport:
            options["viewport"] = viewport
        context = browser.new_context(**options)
        contexts.append(context)
        if as_user is not None:
            sign_in(context, as_user, player_site)
        page = context.new_page()
        record_errors(page, errors, path)
        page.on("request", lambda request: in_flight.add(request))
        page.on("requestfinished", lambda request: in_flight.discard(request))
        page.on("requestfailed", lambda request: in_flight.discard(request))
        page.goto(path)
        # The player module loads after the page: a click before it listens does nothing.
        expect(page.locator("#player")).to_have_attribute("data-ready", "true")
        return page

    yield _open
    busy = bool(in_flight)  # before closing: a closed page fails what it had in flight
    for context in contexts:
        context.close()
    if busy:
        # The player reports plays and saves the queue in the background: a request the
        # server is still answering holds locks that the database flush after the test
        # would deadlock with (PostgreSQL).
        time.sleep(2)
    assert not errors, "errors in the pages:\n" + "\n".join(errors)
