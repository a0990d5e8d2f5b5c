"""A genre page's Play all and Shuffle in a real browser, with real audio (the small
generated library of tests/browser/library.py, scanned: its tracks carry genre tags)."""

import pytest
from playwright.sync_api import expect

from rubysound.catalog.models import Genre
from tests.browser import library as shared

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page

PLAYING = (
    "() => { const a = document.querySelector('#player audio');"
    " return a.currentSrc.includes('/api/tracks/') && !a.paused && a.currentTime > 0.2; }"
)


def genre_page(test: str) -> str:
    """The page of a genre of the scanned library. Anonymous pages are public: the server's
    edge cache keeps one for a minute, and each test scans the library afresh (new track
    ids), so each test asks for an address of its own."""
    genre = Genre.objects.filter(tracks__isnull=False).order_by("name").first()
    assert genre is not None, "the generated library has no genre tags"
    return f"/genres/{genre.slug}/?test={test}"


def test_play_all_plays_the_genre_from_its_top_track(open_player_page, library):
    page = open_player_page(genre_page("play-all"))
    first = page.locator("#genre-tracks [data-track-id]").first.get_attribute("data-track-id")

    page.get_by_role("button", name="Play all").click()

    page.wait_for_function(PLAYING)
    src = page.evaluate("document.querySelector('#player audio').currentSrc")
    assert src.endswith(f"/api/tracks/{first}/stream")
    shuffle = page.locator("#player").get_by_role("button", name="Shuffle")
    expect(shuffle).to_have_attribute("aria-pressed", "false")


def test_shuffle_turns_shuffle_on_and_plays_the_genre(open_player_page, library):
    page = open_player_page(genre_page("shuffle"))
    ids = page.locator("#genre-tracks [data-track-id]").evaluate_all(
        "rows => rows.map((row) => row.dataset.trackId)"
    )

    page.locator("#main").get_by_role("button", name="Shuffle").click()

    page.wait_for_function(PLAYING)
    src = page.evaluate("document.querySelector('#player audio').currentSrc")
    assert any(src.endswith(f"/api/tracks/{pk}/stream") for pk in ids)
    shuffle = page.locator("#player").get_by_role("button", name="Shuffle")
    expect(shuffle).to_have_attribute("aria-pressed", "true")
