"""One date/time formatter and one duration formatter for the whole app (static/js/display.js
and the ``duration`` template filter), in a real browser."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from rubysound.web.templatetags.web_tags import duration
from tests.browser import library as shared
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page

SECONDS = [0, 0.4, 5.5, 59.6, 59.99, 60, 201.6, 3599.7, 3725.5]


def notification_time(page: Page) -> str:
    expect(page.locator("[data-component=notification-list]")).to_have_attribute(
        "data-ready", "true"
    )
    return page.locator(".notification-time").first.inner_text()


def format_in_page(page: Page, expression: str, argument):
    return page.evaluate(
        f"async (value) => {{ const display = await import('/static/js/display.js');"
        f" return {expression}; }}",
        argument,
    )


@pytest.mark.parametrize(
    ("language", "looks_like"),
    [("en", re.compile(r"^Dec 6, 2026")), ("ru", re.compile(r"^6 дек\. 2026"))],
)
def test_a_notification_time_reads_the_same_on_a_full_load_and_after_navigation(
    open_page, language, looks_like
):
    reader = UserFactory()
    created = datetime.datetime(2026, 12, 6, 8, 56, tzinfo=datetime.UTC)
    notification = NotificationFactory(recipient=reader)
    type(notification).objects.filter(pk=notification.pk).update(created_at=created)

    page = open_page("/settings/notifications/", as_user=reader)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
    page.reload()
    on_full_load = notification_time(page)

    # Away and back by boosted links (not to the home page: the server caches its charts,
    # and the home page tests that follow need their own).
    page.locator(".main-nav-playlists").click()
    expect(page.locator(".notification-time")).to_have_count(0)
    page.locator(".notifications-link").click()
    after_navigation = notification_time(page)

    assert on_full_load == after_navigation
    assert after_navigation == format_in_page(
        page, "display.formatDateTime(value)", created.isoformat()
    )
    assert looks_like.search(after_navigation), after_navigation


def test_the_server_and_the_scripts_round_durations_alike(open_page):
    page = open_page("/login/")

    in_page = format_in_page(page, "value.map(display.formatDuration)", SECONDS)

    assert in_page == [duration(seconds) for seconds in SECONDS]


def test_a_track_row_and_the_player_show_the_same_length(open_player_page, library):
    # Lengths where rounding to the nearest second and down differ: the bug this guards.
    assert any(track.duration % 1 >= 0.5 for track in library)
    page = open_player_page("/test-player/a/")
    for track in library:
        row = page.locator(f'#test-tracks [data-track-id="{track.pk}"]')
        in_list = row.locator(".track-duration").inner_text().split()[-1]
        row.get_by_role("button", name=f"Play {track.title}").click()
        page.wait_for_function(
            "(id) => { const a = document.querySelector('#player audio');"
            " return a.currentSrc.endsWith(`/api/tracks/${id}/stream`)"
            " && Number.isFinite(a.duration); }",
            arg=track.pk,
        )
        expect(page.locator("#player [data-duration]")).to_have_text(in_list)
