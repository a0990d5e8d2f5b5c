"""Search results, artist and album pages as the server renders them (their scripts are
tested in a real browser in tests/browser/test_search.py)."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.web.views import catalog as catalog_pages
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    ListenFactory,
    TrackFactory,
    UserFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

SEARCH = "/music_api/index/"
ROW = re.compile(r'<li class="track-row[^"]*" data-track-id="(\d+)"')


def row_ids(response) -> list[int]:
    return [int(pk) for pk in ROW.findall(response.content.decode())]


@pytest.fixture
def catalog(db):
    """Two artists sharing the word "night", with albums and tracks, and some listens."""
    nightwish = ArtistFactory(name="Nightwish", bio="Symphonic metal from Finland.\n\nSince 1996.")
    oceanborn = AlbumFactory(title="Oceanborn", artist=nightwish, year=1998)
    once = AlbumFactory(title="Once", artist=nightwish, year=2004)
    tracks = {
        "stargazers": TrackFactory(
            title="Stargazers", album=oceanborn, track_number=1, duration=288
        ),
        "sacrament": TrackFactory(
            title="Sacrament of Wilderness", album=oceanborn, track_number=2, duration=252.4
        ),
        "nemo": TrackFactory(title="Nemo", album=once, track_number=1, duration=276),
    }
    ghost = ArtistFactory(name="Night Ghost")
    haunt = AlbumFactory(title="Haunt", artist=ghost, year=None)
    tracks["night-drive"] = TrackFactory(title="Night Drive", album=haunt, duration=200)
    tracks["night-call"] = TrackFactory(title="Night Call", album=haunt, duration=190)
    # Nemo is the most played; Night Call has one listener.
    for _ in range(3):
        ListenFactory(track=tracks["nemo"])
    ListenFactory(track=tracks["night-call"])
    return {"nightwish": nightwish, "ghost": ghost, "oceanborn": oceanborn, "once": once, **tracks}


# --- search --------------------------------------------------------------------------------


def test_empty_query_invites_a_search(client):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assertContains(response, "Type an artist, a song or an album")
    assertNotContains(response, 'id="search-results"')


def test_no_result_says_so_in_words(client, catalog):
    response = client.get(SEARCH, {"q": "zzzqqq"})
    assert response.status_code == 200
    assertContains(response, "Nothing matches “zzzqqq”.")
    assertContains(response, "Check the spelling")


def test_search_shows_tracks_and_artists(client, catalog):
    response = client.get(SEARCH, {"q": "night"})
    assert response.status_code == 200
    body = response.content.decode()
    # Matching artists link to their pages.
    assertContains(response, f'href="/artists/{catalog["nightwish"].pk}/"')
    assertContains(response, f'href="/artists/{catalog["ghost"].pk}/"')
    ids = row_ids(response)
    assert set(ids) == {
        catalog[name].pk
        for name in ("stargazers", "sacrament", "nemo", "night-drive", "night-call")
    }
    # Rows are the shared track rows the player reads, with accessible play buttons.
    assertContains(response, 'aria-label="Play Night Drive"')
    assert "data-tracklist" in body
    # The query fills the top bar's box and the page's own.
    assertContains(response, 'value="night"', count=2)
    assertContains(response, "<title>“night”: search · RubySound.fm</title>", html=False)


def test_sort_by_popularity(client, catalog):
    response = client.get(SEARCH, {"q": "night", "sort": "popularity"})
    ids = row_ids(response)
    assert ids[:2] == [catalog["nemo"].pk, catalog["night-call"].pk]
    assertContains(response, '<option value="popularity" selected>', html=False)


def test_filter_by_artist(client, catalog):
    ghost = catalog["ghost"]
    response = client.get(SEARCH, {"q": "night", "artist": ghost.pk})
    assert set(row_ids(response)) == {catalog["night-drive"].pk, catalog["night-call"].pk}
    assertContains(response, "Only tracks by Night Ghost.")
    # The artist choices: every artist among the results, with their counts.
    assertContains(
        response, f'<option value="{ghost.pk}" selected>Night Ghost (2)</option>', html=True
    )
    assertContains(response, "Nightwish (3)")
    assertContains(response, 'href="?q=night" data-clear-artist')


def test_filter_by_an_artist_without_matches(client, catalog):
    other = ArtistFactory(name="Somebody Else")
    response = client.get(SEARCH, {"q": "night", "artist": other.pk})
    assert row_ids(response) == []
    assertContains(response, "None of the matching tracks are by this artist.")


def test_group_by_artist(client, catalog):
    response = client.get(SEARCH, {"q": "night", "group": "artist", "sort": "popularity"})
    ids = row_ids(response)
    wish = {catalog[n].pk for n in ("stargazers", "sacrament", "nemo")}
    # Nemo (most played) brings its artist first; each artist's tracks together.
    assert set(ids[:3]) == wish
    assert ids[0] == catalog["nemo"].pk
    body = response.content.decode()
    assert body.count('class="track-group-head"') == 2
    assert body.index(">Nightwish</a></h3>") < body.index(">Night Ghost</a></h3>")


def test_load_more_pages_and_plain_next_link(client, monkeypatch):
    monkeypatch.setattr(catalog_pages, "SEARCH_PAGE_SIZE", 2)
    artist = ArtistFactory(name="Echo")
    tracks = [TrackFactory(title=f"Echo {n}", album__artist=artist) for n in range(5)]
    first = client.get(SEARCH, {"q": "echo"})
    assert len(row_ids(first)) == 2
    # One link: a plain next page without JavaScript, appended in place by htmx.
    link = re.search(
        r'<a class="button button-ghost" href="([^"]+)" data-load-more\s+hx-get="([^"]+)"',
        first.content.decode(),
    )
    assert link
    assert link.group(1) == link.group(2) == "?q=echo&amp;page=2"
    assertContains(first, 'hx-select="#search-results > li"')
    assertContains(first, 'hx-target="closest li"')
    assertContains(first, 'hx-swap="outerHTML"')

    second = client.get(SEARCH, {"q": "echo", "page": 2})
    third = client.get(SEARCH, {"q": "echo", "page": 3})
    seen = row_ids(first) + row_ids(second) + row_ids(third)
    assert sorted(seen) == sorted(t.pk for t in tracks)
    assertContains(third, "Back to the first results")
    assertNotContains(third, "data-load-more")
    assertContains(second, 'start="3"')
    # Past the end: a page for people, not an error.
    beyond = client.get(SEARCH, {"q": "echo", "page": 9})
    assert beyond.status_code == 200
    assertContains(beyond, "There are no more results.")


def test_bad_parameters_fall_back_to_defaults(client, catalog):
    response = client.get(
        SEARCH, {"q": "night", "page": "x", "sort": "loudest", "artist": "abc", "group": "?"}
    )
    assert response.status_code == 200
    assert len(row_ids(response)) == 5


def test_user_text_is_escaped(client, catalog):
    response = client.get(SEARCH, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


# Tracks, artists and albums: each search a few index queries (more on PostgreSQL), whatever
# the size of the library.
FIRST_SEARCH_QUERIES = 28


def test_search_query_count_is_bounded(client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(FIRST_SEARCH_QUERIES):
        client.get(SEARCH, {"q": "night"})
    # The same search again within a minute: served from the cache.
    with django_assert_max_num_queries(0):
        client.get(SEARCH, {"q": "night", "sort": "popularity", "group": "artist"})


# --- caching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["search", "artist", "album"])
def test_anonymous_pages_are_public_for_a_minute(client, catalog, path):
    url = {
        "search": f"{SEARCH}?q=night",
        "artist": f"/artists/{catalog['nightwish'].pk}/",
        "album": f"/albums/{catalog['oceanborn'].pk}/",
    }[path]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response["Vary"]
    assert not response.cookies


@pytest.mark.parametrize("path", ["search", "artist", "album"])
def test_pages_for_a_signed_in_user_are_private(client, catalog, path):
    client.force_login(UserFactory(username="listener"))
    url = {
        "search": f"{SEARCH}?q=night",
        "artist": f"/artists/{catalog['nightwish'].pk}/",
        "album": f"/albums/{catalog['oceanborn'].pk}/",
    }[path]
    response = client.get(url)
    assert response.status_code == 200
    assertContains(response, "listener")
    cache_control = response["Cache-Control"]
    assert "private" in cache_control
    assert "public" not in cache_control
    assert "Cookie" in response["Vary"]


def test_a_page_showing_a_flash_message_is_private(client, catalog):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    # A message waiting for an anonymous visitor (say, "You have been signed out").
    storage = CookieStorage(type("R", (), {"COOKIES": {}})())
    storage.add(constants.INFO, "See you soon.")
    response = client.get("/")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    response = client.get(f"/artists/{catalog['nightwish'].pk}/")
    assertContains(response, "See you soon.")
    assert "public" not in response["Cache-Control"]


# --- artist page ----------------------------------------------------------------------------


def test_artist_page(client, catalog, django_assert_max_num_queries):
    nightwish = catalog["nightwish"]
    # Cold cache: artist, albums, top tracks, their genres, track and artist statistics.
    with django_assert_max_num_queries(6):
        response = client.get(f"/artists/{nightwish.pk}/")
    assert response.status_code == 200
    assertContains(response, "<h1>Nightwish</h1>", html=True)
    assertContains(response, "<p>Symphonic metal from Finland.</p>", html=True)
    assertContains(response, "/static/img/default-cover.svg")  # no photo, no cover
    body = response.content.decode()
    body = body[body.index('class="album-grid"') :]
    # Albums oldest first, linking to their pages.
    assert body.index(f'href="/albums/{catalog["oceanborn"].pk}/"') < body.index(
        f'href="/albums/{catalog["once"].pk}/"'
    )
    assertContains(response, "1998 · 2 tracks")
    # Top tracks: most listened first.
    ids = row_ids(response)
    assert ids[0] == catalog["nemo"].pk
    assert len(ids) == 3
    assertContains(response, 'aria-label="Play Nemo"')


def test_artist_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    artist = ArtistFactory(name="Prolific", bio="")
    for n in range(6):
        album = AlbumFactory(artist=artist, title=f"Record {n}")
        TrackFactory.create_batch(3, album=album)
    with django_assert_max_num_queries(6):
        response = client.get(f"/artists/{artist.pk}/")
    assertContains(response, "We do not have a biography of Prolific yet.")
    assert len(row_ids(response)) == 10


def test_artist_with_a_cover_uses_it_as_photo(client, catalog):
    album = catalog["oceanborn"]
    album.cover = "covers/original/oceanborn.jpg"
    album.save()
    response = client.get(f"/artists/{catalog['nightwish'].pk}/")
    assertContains(
        response, f'class="catalog-photo artist-photo" src="/api/albums/{album.pk}/cover?size=300"'
    )


def test_artist_without_albums(client):
    artist = ArtistFactory(name="Newcomer")
    response = client.get(f"/artists/{artist.pk}/")
    assertContains(response, "No albums by this artist yet.")
    assertContains(response, "No tracks by this artist yet.")


def test_unknown_artist_is_the_404_page(client):
    response = client.get("/artists/999999/")
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assert "public" not in response.get("Cache-Control", "")


# --- album page -----------------------------------------------------------------------------


def test_album_page(client, catalog, django_assert_max_num_queries):
    album = catalog["oceanborn"]
    with django_assert_max_num_queries(4):
        response = client.get(f"/albums/{album.pk}/")
    assert response.status_code == 200
    assertContains(response, "<h1>Oceanborn</h1>", html=True)
    assertContains(
        response, f'<a href="/artists/{catalog["nightwish"].pk}/">Nightwish</a>', html=True
    )
    assertContains(response, "1998")
    # 288 + 252.4 seconds
    assertContains(response, "9:00</span>")
    assert row_ids(response) == [catalog["stargazers"].pk, catalog["sacrament"].pk]


def test_album_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    album = AlbumFactory(title="Long Player")
    TrackFactory.create_batch(25, album=album)
    with django_assert_max_num_queries(4):
        response = client.get(f"/albums/{album.pk}/")
    assert len(row_ids(response)) == 25


def test_empty_album(client):
    album = AlbumFactory(title="Silence")
    response = client.get(f"/albums/{album.pk}/")
    assertContains(response, "This album has no tracks yet.")


def test_unknown_album_is_the_404_page(client):
    response = client.get("/albums/424242/")
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)


# --- top bar -----------------------------------------------------------------------------------


def test_every_page_has_the_search_combobox(client):
    response = client.get("/")
    assertContains(response, 'role="search"')
    assertContains(response, 'data-component="search-box"')
    assertContains(response, 'role="combobox"')
    assertContains(response, 'aria-controls="site-search-listbox"')
    assertContains(response, 'id="site-search-listbox"')
    assertContains(
        response, '<label class="visually-hidden" for="site-search">Search music</label>', html=True
    )


# --- search: albums, and artists' pictures --------------------------------------------------


def test_search_finds_albums_by_a_word_of_their_title(client, db):
    artist = ArtistFactory(name="Vela")
    album = AlbumFactory(title="Neon Rooms", artist=artist, year=2021)
    TrackFactory(title="Glass", album=album)

    response = client.get(SEARCH, {"q": "neon"})

    assertContains(response, 'id="search-albums-heading"')
    html = response.content.decode()
    section = html[html.index("search-albums-heading") : html.index("search-tracks-heading")]
    assert f'href="/albums/{album.pk}/"' in section
    assert "Neon Rooms" in section
    assert "Vela · 2021" in section


def test_artist_cards_show_a_photo_else_an_album_cover_else_the_initial(client, db):
    with_photo = ArtistFactory(name="Lumen Photo", image=image_upload("lumen.png"))
    with_cover = ArtistFactory(name="Lumen Cover")
    AlbumFactory(title="Old", artist=with_cover, year=1999, cover=image_upload("old.png"))
    newest = AlbumFactory(title="New", artist=with_cover, year=2020, cover=image_upload("n.png"))
    AlbumFactory(title="Bare", artist=with_cover, year=2024)  # no cover
    bare = ArtistFactory(name="Lumen Bare")
    TrackFactory(title="Lumen song", artist=with_cover, album=newest)
    for artist in (with_photo, bare):
        TrackFactory(title="Lumen song", artist=artist, album=AlbumFactory(artist=artist))

    response = client.get(SEARCH, {"q": "lumen"})
    html = response.content.decode()

    def card(artist) -> str:
        start = html.index(f'href="/artists/{artist.pk}/"')
        return html[start : html.index("</li>", start)]

    assert with_photo.image.url in card(with_photo)
    assert f"/api/albums/{newest.pk}/cover?size=300" in card(with_cover)
    assert 'class="artist-card-photo artist-card-initial"' in card(bare)
    assert ">L</span>" in card(bare)


def test_search_with_albums_and_covers_is_cached(client, db, django_assert_max_num_queries):
    artist = ArtistFactory(name="Neon Ghost")
    album = AlbumFactory(title="Neon Rooms", artist=artist, cover=image_upload("cover.png"))
    TrackFactory(title="Neon Drive", album=album)
    with django_assert_max_num_queries(FIRST_SEARCH_QUERIES):
        client.get(SEARCH, {"q": "neon"})
    with django_assert_max_num_queries(0):
        client.get(SEARCH, {"q": "neon", "sort": "popularity"})
