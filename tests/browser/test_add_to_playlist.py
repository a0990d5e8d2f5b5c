"""Adding tracks to playlists in a real browser: a track's menu on the search, album and
artist pages (creating a playlist on the spot), "Add all" of an album, the playlist page's own
search, the menu by keyboard alone, a phone's width, and the same without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from rubysound.social.models import Playlist
from tests.browser.conftest import sign_in
from tests.factories import AlbumFactory, ArtistFactory, PlaylistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def neon(db):
    """The album "Neon Rooms" by Vela, three tracks in order."""
    artist = ArtistFactory(name="Vela")
    album = AlbumFactory(title="Neon Rooms", artist=artist, year=2021)
    for number, title in enumerate(["Glass", "Chrome", "Static"], start=1):
        TrackFactory(title=title, album=album, artist=artist, track_number=number, duration=200)
    return album


def titles_in(playlist: Playlist) -> list[str]:
    return list(playlist.items.order_by("position").values_list("track__title", flat=True))


def row(page: Page, title: str):
    return page.locator("li.track-row").filter(has=page.locator(".track-title", has_text=title))


def open_menu(page: Page, title: str):
    page.get_by_role("button", name=f"More for {title}").first.click()
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def status(page: Page):
    return page.locator("[data-track-menu-status]")


def wait_for_menus(page: Page) -> None:
    expect(page.locator("[data-component='track-menu'][data-ready='true']")).to_be_attached()


def test_a_playlist_made_and_filled_from_search_album_and_artist_pages(open_page, neon):
    user = UserFactory(username="curator")
    page = open_page("/music_api/index/?q=glass", as_user=user)
    wait_for_menus(page)

    # Search: a new playlist, made inside the menu.
    menu = open_menu(page, "Glass")
    menu.get_by_role("menuitem", name="Add to playlist…").click()
    picker = page.get_by_role("dialog", name="Add to playlist")
    picker.get_by_role("button", name="Create and add").click()  # no title yet
    expect(status(page)).to_contain_text("Give the playlist a title.")
    expect(picker).to_be_visible()  # still open, to fix it
    picker.get_by_label("New playlist").fill("Road trip")
    picker.get_by_role("button", name="Create and add").click()
    expect(status(page)).to_contain_text("Added “Glass” to “Road trip”.")
    expect(picker).to_be_hidden()
    expect(page.get_by_role("button", name="More for Glass").first).to_be_focused()
    playlist = Playlist.objects.get(owner=user, title="Road trip")
    assert titles_in(playlist) == ["Glass"]

    # Album page: the playlist is one of the choices now.
    page.goto(f"/albums/{neon.pk}/")
    wait_for_menus(page)
    open_menu(page, "Chrome").get_by_role("menuitem", name="Add to playlist…").click()
    page.get_by_role("dialog").get_by_role("button", name="Road trip").click()
    expect(status(page)).to_contain_text("Added “Chrome” to “Road trip”.")

    # Artist page, top tracks.
    page.goto(f"/artists/{neon.artist_id}/")
    wait_for_menus(page)
    open_menu(page, "Static").get_by_role("menuitem", name="Add to playlist…").click()
    page.get_by_role("dialog").get_by_role("button", name="Road trip").click()
    expect(status(page)).to_contain_text("Added “Static” to “Road trip”.")

    # The same track again: the picker says so and nothing doubles.
    open_menu(page, "Static").get_by_role("menuitem", name="Add to playlist…").click()
    page.get_by_role("dialog").get_by_role("button", name="Road trip").click()
    expect(status(page)).to_contain_text("“Static” is already in “Road trip”.")
    assert titles_in(playlist) == ["Glass", "Chrome", "Static"]

    # Go to album / artist lead there.
    open_menu(page, "Static").get_by_role("menuitem", name="Go to album").click()
    expect(page.get_by_role("heading", level=1, name="Neon Rooms")).to_be_visible()


def test_add_all_of_an_album_in_order(open_page, neon):
    user = UserFactory()
    playlist = PlaylistFactory(owner=user, title="Evening", visibility=Playlist.Visibility.PRIVATE)
    playlist.items.create(track=TrackFactory(title="First"), position=0)
    page = open_page(f"/albums/{neon.pk}/", as_user=user)
    wait_for_menus(page)

    page.get_by_role("button", name="Add all to a playlist…").click()
    page.get_by_role("dialog").get_by_role("button", name="Evening").click()

    expect(status(page)).to_contain_text("Added 3 tracks to “Evening”.")
    assert titles_in(playlist) == ["First", "Glass", "Chrome", "Static"]


def test_the_playlist_page_adds_found_tracks_in_place(open_page, neon):
    user = UserFactory()
    playlist = PlaylistFactory(owner=user, title="Evening", visibility=Playlist.Visibility.PRIVATE)
    page = open_page(f"/playlists/{playlist.pk}/", as_user=user)
    expect(page.get_by_text("find tracks to add with “Add tracks” above")).to_be_visible()

    search = page.get_by_role("searchbox", name="Find tracks to add")
    search.fill("neon")
    search.press("Enter")
    page.evaluate("window.keptAlive = 'yes'")  # gone if the document were loaded again
    page.get_by_role("button", name="Add Chrome to this playlist").click()

    tracks = page.locator("#playlist-track-list .track-title")
    expect(tracks).to_have_text(["Chrome"])
    expect(page.get_by_text("Added “Chrome” to “Evening”.")).to_be_visible()
    expect(page.get_by_text("In this playlist")).to_have_count(1)
    # The focus moved on to another result's Add button, ready for the next one.
    focused = page.locator(".playlist-search-result button:focus")
    expect(focused).to_have_count(1)
    next_title = focused.get_attribute("aria-label").removeprefix("Add ").split(" to this")[0]
    page.keyboard.press("Enter")
    expect(tracks).to_have_text(["Chrome", next_title])
    assert page.evaluate("window.keptAlive") == "yes"
    assert titles_in(playlist) == ["Chrome", next_title]


def test_the_menu_by_keyboard(open_page, neon):
    user = UserFactory()
    PlaylistFactory(owner=user, title="Evening")
    page = open_page(f"/albums/{neon.pk}/", as_user=user)
    wait_for_menus(page)
    button = page.get_by_role("button", name="More for Chrome")

    button.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name="Play next")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Add to queue")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Go to artist")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Space")
    expect(menu.get_by_role("menuitem", name="Play next")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Add to playlist…")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Favorites")).to_be_focused()  # always first
    page.keyboard.press("ArrowDown")
    expect(dialog.get_by_role("button", name="Evening")).to_be_focused()
    page.keyboard.press("Enter")
    expect(status(page)).to_contain_text("Added “Chrome” to “Evening”.")
    expect(button).to_be_focused()


def test_the_menu_fits_a_phone(open_page, neon):
    user = UserFactory()
    page = open_page(f"/albums/{neon.pk}/", as_user=user)
    page.set_viewport_size(PHONE)
    wait_for_menus(page)

    menu = open_menu(page, "Static")
    box = menu.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_menu_is_readable_in_both_themes(open_page, neon, theme):
    page = open_page(
        f"/albums/{neon.pk}/",
        as_user=UserFactory(),
        prepare=lambda p: p.add_init_script(f"localStorage.setItem('rubysound-theme', '{theme}')"),
    )
    wait_for_menus(page)
    menu = open_menu(page, "Glass")
    colors = menu.get_by_role("menuitem", name="Play next").evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el.parentElement).backgroundColor]"
    )
    assert colors[0] != colors[1]


def test_without_javascript_a_page_of_forms_adds_the_track(browser, site_url, neon):
    user = UserFactory()
    playlist = PlaylistFactory(owner=user, title="Evening")
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    try:
        sign_in(context, user, site_url)
        page = context.new_page()
        page.goto(f"/albums/{neon.pk}/")
        expect(page.get_by_role("button", name="More for Chrome")).to_be_hidden()

        row(page, "Chrome").get_by_role("link", name="Add to playlist").click()
        expect(page.get_by_role("heading", name="Add “Chrome” to a playlist")).to_be_visible()
        page.get_by_role("button", name="Evening").click()

        expect(page).to_have_url(f"{site_url}/albums/{neon.pk}/")
        expect(page.get_by_text("Added “Chrome” to “Evening”.")).to_be_visible()
        assert titles_in(playlist) == ["Chrome"]

        # "Add all" is a form too: the same page, for the whole album.
        page.get_by_role("button", name="Add all to a playlist…").click()
        expect(page.get_by_role("heading", name="Add 3 tracks to a playlist")).to_be_visible()
        page.get_by_label("New playlist").fill("Whole album")
        page.get_by_role("button", name="Create and add").click()
        expect(page.get_by_text("Added 3 tracks to “Whole album”.")).to_be_visible()
        whole = Playlist.objects.get(owner=user, title="Whole album")
        assert titles_in(whole) == ["Glass", "Chrome", "Static"]
    finally:
        context.close()
