"""Play all, Shuffle and the player's own track menu, with real audio: an album page of the
small generated library (tests/browser/library.py) played from its list controls, then the
playing track added to a new playlist from the player bar."""

import pytest
from playwright.sync_api import Page, expect

from rubysound.social.models import Playlist
from tests.browser import library as shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

player_library = shared.player_library
player_site = shared.player_site
library = shared.library
open_player_page = shared.open_player_page


def playing_id(page: Page) -> int:
    page.wait_for_function(
        "() => { const a = document.querySelector('#player audio');"
        " return a.currentSrc && !a.paused && a.currentTime > 0.2; }"
    )
    src = page.evaluate("document.querySelector('#player audio').currentSrc")
    return int(src.rstrip("/").split("/")[-2])


def test_play_all_then_add_the_playing_track_from_the_player(open_player_page, library):
    user = UserFactory()
    album = library[0].album
    in_order = list(album.tracks.order_by("disc_number", "track_number", "pk"))
    page = open_player_page(f"/albums/{album.pk}/", as_user=user)

    page.get_by_role("button", name="Play all").click()
    assert playing_id(page) == in_order[0].pk

    player = page.locator("#player")
    player.get_by_role("button", name="More for the playing track").click()
    menu = player.get_by_role("menu")
    expect(menu.get_by_role("menuitem")).to_have_text(
        ["Add to playlist…", "Go to album", "Go to artist"]
    )
    menu.get_by_role("menuitem", name="Add to playlist…").click()
    dialog = player.get_by_role("dialog", name="Add to playlist")
    dialog.get_by_label("New playlist").fill("Now playing")
    dialog.get_by_role("button", name="Create and add").click()
    expect(page.locator("[data-track-menu-status]")).to_contain_text(
        f"Added “{in_order[0].title}” to “Now playing”."
    )
    playlist = Playlist.objects.get(owner=user, title="Now playing")
    assert list(playlist.items.values_list("track_id", flat=True)) == [in_order[0].pk]

    # Go to artist leads there, and the music goes on.
    player.get_by_role("button", name="More for the playing track").click()
    player.get_by_role("menuitem", name="Go to artist").click()
    expect(page.get_by_role("heading", level=1, name=album.artist.name)).to_be_visible()
    assert playing_id(page) == in_order[0].pk


def test_shuffle_turns_shuffle_on_and_plays_from_the_list(open_player_page, library):
    album = library[0].album
    ids = set(album.tracks.values_list("pk", flat=True))
    page = open_player_page(f"/albums/{album.pk}/")

    page.get_by_role("button", name="Shuffle", exact=True).first.click()

    assert playing_id(page) in ids
    expect(page.locator('#player [data-action="shuffle"]')).to_have_attribute(
        "aria-pressed", "true"
    )
