"""Search in a real browser: the top bar's autocomplete, the search page's load more and
controls, and the catalog pages on a phone (issue 6)."""

import contextlib
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AlbumFactory, ArtistFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def search_box(page: Page):
    return page.get_by_role("combobox", name="Search music")


def suggestions(page: Page):
    return page.get_by_role("listbox", name="Suggestions").get_by_role("option")


def mark_player(page: Page) -> None:
    """Tags the player element: the tag survives only if navigation left it in place."""
    page.locator("#player").evaluate("element => { element.dataset.keptAlive = 'yes'; }")


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.fixture
def bands(db):
    nightwish = ArtistFactory(name="Nightwish", bio="Symphonic metal from Finland.")
    album = AlbumFactory(title="Oceanborn", artist=nightwish, year=1998)
    TrackFactory(title="Stargazers", album=album, track_number=1)
    TrackFactory(title="Gethsemane", album=album, track_number=2)
    ghost = ArtistFactory(name="Night Ghost")
    TrackFactory(title="Night Drive", album__artist=ghost, album__title="Haunt")
    ArtistFactory(name="Nirvana")
    return {"nightwish": nightwish, "ghost": ghost, "album": album}


def test_autocomplete_by_keyboard_leads_to_the_artist_page(open_page, site_url, bands):
    page = open_page("/")
    mark_player(page)
    box = search_box(page)
    box.click()
    box.press_sequentially("nigh", delay=30)

    expect(box).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox", name="Suggestions")
    artists = listbox.get_by_role("group", name="Artists").get_by_role("option")
    tracks = listbox.get_by_role("group", name="Tracks").get_by_role("option")
    options = suggestions(page)
    # Two artists (name prefixes in order), the three tracks by them or named so, then
    # "Search for “nigh”".
    expect(artists).to_have_count(2)
    expect(artists.nth(0)).to_contain_text("Night Ghost")
    expect(artists.nth(1)).to_contain_text("Nightwish")
    expect(tracks).to_have_count(3)
    expect(tracks.filter(has_text="Night Drive")).to_have_count(1)
    expect(options).to_have_count(6)
    expect(options.nth(5)).to_have_text("Search for “nigh”")
    expect(page.locator("[data-search-status]")).to_contain_text(
        "Suggestions: 2 artists, 3 tracks."
    )
    expect(box).to_be_focused()

    box.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-0")
    for _ in range(5):  # across the groups, down to "Search for"
        box.press("ArrowDown")
    expect(options.nth(5)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-all")
    box.press("ArrowDown")  # wraps around to the first
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")  # and back to the last
    box.press("ArrowUp")
    expect(options.nth(4)).to_have_attribute("aria-selected", "true")
    for _ in range(3):  # up through the tracks to the second artist
        box.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-1")
    box.press("Enter")

    expect(page).to_have_url(f"{site_url}/artists/{bands['nightwish'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nightwish")
    expect(page.get_by_text("Symphonic metal from Finland.")).to_be_visible()
    expect(page.get_by_role("button", name="Play Stargazers")).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "false")
    # Only #main was swapped: the player bar is the same element.
    expect(page.locator("#player")).to_have_attribute("data-kept-alive", "yes")

    # From the artist to the album, by its card.
    page.get_by_role("link", name=re.compile("Oceanborn")).last.click()
    expect(page).to_have_url(f"{site_url}/albums/{bands['album'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oceanborn")
    expect(
        page.get_by_role("list", name="Tracks of Oceanborn").locator(".track-row")
    ).to_have_count(2)


def test_escape_closes_and_enter_without_a_choice_searches(open_page, site_url, bands):
    page = open_page("/")
    box = search_box(page)
    box.fill("night")
    expect(suggestions(page)).to_have_count(6)  # two artists, three tracks, "Search for"
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_hidden()
    expect(box).to_have_value("night")

    box.press("Enter")
    expect(page).to_have_url(f"{site_url}/music_api/index/?q=night")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “night”")
    results = page.get_by_role("list", name="Matching tracks")
    expect(results.locator(".track-row")).to_have_count(3)
    expect(page.get_by_role("link", name=re.compile("Night Ghost")).first).to_be_visible()

    # On the results page the list opens above the page's own controls, not under them.
    box.fill("nigh")
    last = suggestions(page).last
    expect(last).to_be_visible()
    on_top = last.evaluate(
        """option => {
            const box = option.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + 8, box.y + box.height / 2);
            return option.contains(hit);
        }"""
    )
    assert on_top, "the suggestions are covered by the page"


def test_suggestions_follow_the_latest_text_only(open_page, bands):
    """Typing faster than the pause asks once; a newer text cancels the older request, and
    an answer arriving late for an older text is never shown."""
    seen: list[str] = []
    held = []

    def prepare(page: Page) -> None:
        page.on(
            "request",
            lambda request: (
                seen.append(request.url) if "/music_api/search/artists/" in request.url else None
            ),
        )
        # The answer for "slow" is held back until the test lets it go.
        page.route("**/music_api/search/artists/?q=slow", lambda route: held.append(route))

    page = open_page("/", prepare=prepare)
    box = search_box(page)
    box.press_sequentially("nirv")  # faster than the debounce: not one request per key
    expect(suggestions(page).last).to_have_text("Search for “nirv”")
    expect(suggestions(page).first).to_have_text(re.compile("Nirvana"))
    assert len(seen) < 4, seen

    with page.expect_request(lambda request: "q=slow" in request.url):
        box.fill("slow")
    box.fill("nightw")
    expect(suggestions(page).last).to_have_text("Search for “nightw”")
    expect(suggestions(page).first).to_contain_text("Nightwish")
    for route in held:  # the stale answer finally arrives (if the request still exists)
        with contextlib.suppress(Exception):  # the page already cancelled it
            route.fulfill(
                status=200,
                content_type="application/json",
                body='{"results":[{"id":1,"name":"Stale Answer","listeners":0}],"meta":{}}',
            )
    # Two frames for a wrong answer to show up, were it going to.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    expect(suggestions(page).first).to_contain_text("Nightwish")
    expect(page.get_by_text("Stale Answer")).to_have_count(0)

    box.fill("zzzz")
    expect(suggestions(page)).to_have_count(1)  # only "Search for “zzzz”"
    expect(page.locator("[data-search-status]")).to_have_text(
        "Nothing matches. Press Enter to search."
    )


def test_load_more_appends_the_next_rows(open_page, site_url):
    echo = ArtistFactory(name="Echo Chamber")
    for n in range(25):
        TrackFactory(title=f"Echo {n:02d}", album__artist=echo)
    page = open_page("/music_api/index/?q=echo")
    mark_player(page)
    rows = page.get_by_role("list", name="Matching tracks").locator(".track-row")
    expect(rows).to_have_count(20)
    more = page.get_by_role("link", name="Load more")
    more.focus()
    more.press("Enter")

    expect(rows).to_have_count(25)
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    expect(page).to_have_url(f"{site_url}/music_api/index/?q=echo")  # the page stayed
    # Keyboard focus moved to the first new row instead of getting lost.
    expect(rows.nth(20).get_by_role("button", name="Play ")).to_be_focused()
    ids = rows.evaluate_all("rows => rows.map(row => row.dataset.trackId)")
    assert len(set(ids)) == 25
    expect(page.locator("#player")).to_have_attribute("data-kept-alive", "yes")


def test_sort_and_artist_filter_apply_on_change(open_page, site_url, bands):
    popular = TrackFactory(title="Nightfall", album__artist=bands["ghost"])
    for _ in range(2):
        ListenFactory(track=popular)
    # Each test searches words of its own: the server keeps results for a minute.
    page = open_page("/music_api/index/?q=nig")
    results = page.get_by_role("list", name="Matching tracks").locator(".track-row")
    expect(results).to_have_count(4)

    page.get_by_label("Sort by").select_option("popularity")
    expect(page).to_have_url(re.compile(r"sort=popularity"))
    expect(results.first).to_contain_text("Nightfall")

    page.get_by_label("Artist", exact=True).select_option(label="Night Ghost (2)")
    expect(page).to_have_url(re.compile(rf"artist={bands['ghost'].pk}"))
    expect(results).to_have_count(2)
    expect(page.get_by_text("Only tracks by Night Ghost.")).to_be_visible()

    page.get_by_role("link", name="Show all artists").first.click()
    expect(results).to_have_count(4)
    page.get_by_label("Group by artist").check()
    expect(page).to_have_url(re.compile(r"group=artist"))
    expect(page.locator(".track-group-head")).to_have_count(2)


@pytest.mark.parametrize("kind", ["search", "artist", "album", "empty search", "signed in"])
def test_phone_layout_has_no_sideways_scroll(open_page, bands, kind):
    ArtistFactory(name="An Artist With A Really Quite Extraordinarily Long Name For A Phone Screen")
    path = {
        "search": "/music_api/index/?q=ni",
        "artist": f"/artists/{bands['nightwish'].pk}/",
        "album": f"/albums/{bands['album'].pk}/",
        "empty search": "/music_api/index/?q=" + "verylongwordwithoutspaces" * 4,
        "signed in": "/music_api/index/?q=nigh&sort=popularity&group=artist",
    }[kind]
    user = UserFactory(username="a_rather_long_username_here") if kind == "signed in" else None
    page = open_page(path, as_user=user, prepare=lambda p: p.set_viewport_size(PHONE))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The phone's search box waits behind its button in the one-row top bar.
    page.locator(".search-toggle").click()
    expect(search_box(page)).to_be_visible()
    assert_no_horizontal_overflow(page)
    if kind == "search":
        search_box(page).fill("an artist")
        expect(suggestions(page).first).to_be_visible()
        assert_no_horizontal_overflow(page)
