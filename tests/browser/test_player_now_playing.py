"""The web player tells the server when a play starts: the listener's "now playing", which
their public profile and Subsonic apps show, before any listen is counted."""

import pytest
from playwright.sync_api import expect

from rubysound.catalog import selectors as catalog_selectors
from rubysound.catalog.models import Listen
from tests.browser import library as shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page

PAGE_A = "/test-player/a/"


def test_a_started_play_is_now_playing_before_it_counts(open_player_page, library):
    listener = UserFactory()
    first = library[0]
    page = open_player_page(PAGE_A, as_user=listener)
    with page.expect_response(
        lambda response: (
            response.url.endswith("/api/listens/now-playing/") and response.request.method == "POST"
        )
    ) as answer:
        page.locator("#test-tracks").get_by_role("button", name=f"Play {first.title}").click()
    assert answer.value.status == 204
    playing = catalog_selectors.now_playing_of(listener)
    assert playing.track_id == first.pk
    assert playing.source == Listen.Source.PLAYER
    assert not Listen.objects.filter(user=listener, track=first).exists()  # not heard yet
    expect(page.locator("#player [data-title]")).to_have_text(first.title)
