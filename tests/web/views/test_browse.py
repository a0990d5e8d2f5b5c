"""The browse pages as the server renders them: /artists/, /albums/, /genres/, /tracks/
(their infinite scroll and filters are driven in a real browser in tests/browser/test_browse.py).
"""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.catalog.selectors import BROWSE_PAGE_SIZE
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    ListenFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<li class="track-row[^"]*" data-track-id="(\d+)"')
ARTIST_LINK = re.compile(r'<li class="artist-card">\s*<a href="/artists/(\d+)/"')
ALBUM_LINK = re.compile(r'<li class="album-card">\s*<a href="/albums/(\d+)/"')
NEXT = re.compile(r'<a class="button button-ghost" href="([^"]+)" rel="next"')


def html(response) -> str:
    return response.content.decode()


def next_url(response) -> str | None:
    found = NEXT.search(html(response))
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def library(db):
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    nirvana = ArtistFactory(name="Nirvana")
    miles = ArtistFactory(name="Miles Davis")
    bjork = ArtistFactory(name="Björk")
    nevermind = AlbumFactory(title="Nevermind", artist=nirvana, year=1991)
    blue = AlbumFactory(title="Kind of Blue", artist=miles, year=1959)
    debut = AlbumFactory(title="Debut", artist=bjork, year=1993, cover="covers/original/debut.jpg")
    teen = TrackFactory(title="Smells Like Teen Spirit", album=nevermind, genres=[rock])
    lithium = TrackFactory(title="Lithium", album=nevermind, genres=[rock])
    so_what = TrackFactory(title="So What", album=blue, genres=[jazz], year=1959)
    TrackFactory(title="Human Behaviour", album=debut, year=1993)
    for _ in range(2):
        ListenFactory(track=so_what)
    ListenFactory(track=teen)
    return {
        "rock": rock,
        "jazz": jazz,
        "nirvana": nirvana,
        "miles": miles,
        "bjork": bjork,
        "nevermind": nevermind,
        "blue": blue,
        "debut": debut,
        "so_what": so_what,
        "teen": teen,
        "lithium": lithium,
    }


# --- navigation ------------------------------------------------------------------------------


def test_every_page_links_to_the_browse_pages(client, library):
    body = html(client.get("/"))
    for path, name in (
        ("/artists/", "Artists"),
        ("/albums/", "Albums"),
        ("/genres/", "Genres"),
        ("/tracks/", "Tracks"),
    ):
        assert re.search(rf'<a href="{path}"[^>]*>{name}</a>', body), name


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/artists/", "Artists"),
        ("/albums/", "Albums"),
        ("/genres/", "Genres"),
        ("/tracks/", "Tracks"),
        ("/genres/rock/", "Rock"),
    ],
)
def test_pages_have_titles_and_are_public_for_anonymous_visitors(client, library, path, title):
    response = client.get(path)
    assert response.status_code == 200
    assertContains(response, f"<title>{title} · RubySound.fm</title>")
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response["Vary"]


def test_signed_in_pages_are_private(client, library, user):
    client.force_login(user)
    response = client.get("/albums/")
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_pages_are_in_russian(client, library):
    response = client.get("/artists/", HTTP_ACCEPT_LANGUAGE="ru")
    assertContains(response, "<h1>Исполнители</h1>")
    response = client.get("/albums/", HTTP_ACCEPT_LANGUAGE="ru")
    assertContains(response, "Недавно добавленные")


# --- artists ---------------------------------------------------------------------------------


def test_artists_index_by_letter_with_accents_folded(client, library):
    response = client.get("/artists/", {"letter": "b"})
    assert ARTIST_LINK.findall(html(response)) == [str(library["bjork"].pk)]
    assertContains(response, "<title>Artists: B · RubySound.fm</title>")
    assertContains(response, 'href="?letter=b" aria-current="true"')
    # Björk has no photo: her album's cover stands in; Nirvana has none: a letter circle.
    assertContains(response, f'src="/api/albums/{library["debut"].pk}/cover?size=300"')
    nirvana = client.get("/artists/", {"letter": "N"})
    assertContains(nirvana, 'class="artist-card-photo artist-card-initial" aria-hidden="true">N<')


def test_artists_sorted_by_most_played(client, library):
    response = client.get("/artists/", {"sort": "plays"})
    ids = ARTIST_LINK.findall(html(response))
    assert ids[:2] == [str(library["miles"].pk), str(library["nirvana"].pk)]
    assertContains(response, 'href="?sort=plays" aria-current="true"')


def test_letter_without_artists_says_so(client, library):
    response = client.get("/artists/", {"letter": "q"})
    assertContains(response, "No artist’s name starts with Q.")
    assertContains(response, 'href="?">Show all artists</a>')


def test_empty_library_says_so(client, db):
    assertContains(client.get("/artists/"), "The library has no artists yet.")
    assertContains(client.get("/albums/"), "The library has no albums yet.")
    assertContains(client.get("/genres/"), "No genres yet")
    assertContains(client.get("/tracks/"), "The library has no tracks yet.")


# --- albums ----------------------------------------------------------------------------------


def test_album_grid_filtered_by_genre_and_decade(client, library):
    response = client.get("/albums/", {"genre": "rock", "decade": "1990"})
    assert ALBUM_LINK.findall(html(response)) == [str(library["nevermind"].pk)]
    assertContains(response, '<option value="rock" selected>Rock</option>', html=False)
    assertContains(response, '<option value="1990" selected>1990s</option>')
    nothing = client.get("/albums/", {"genre": "jazz", "decade": "1990"})
    assertContains(nothing, "No album matches these filters.")


def test_album_grid_sorted_by_year(client, library):
    response = client.get("/albums/", {"sort": "year"})
    assert ALBUM_LINK.findall(html(response)) == [
        str(library[name].pk) for name in ("debut", "nevermind", "blue")
    ]


def test_random_order_gets_a_seed_that_its_pages_keep(client, library):
    response = client.get("/albums/", {"sort": "random", "genre": "rock"})
    assert response.status_code == 302
    location = response["Location"]
    assert re.search(r"seed=\d+", location)
    assert "genre=rock" in location
    shuffled = client.get("/albums/" + location)
    assert shuffled.status_code == 200
    first = ALBUM_LINK.findall(html(shuffled))
    assert first == ALBUM_LINK.findall(html(client.get("/albums/" + location)))


def test_random_pages_keep_the_seed_in_next_links(client, db):
    AlbumFactory.create_batch(BROWSE_PAGE_SIZE + 5)
    response = client.get("/albums/", {"sort": "random", "seed": "42"})
    following = next_url(response)
    assert "seed=42" in following
    assert "page=2" in following
    second = client.get("/albums/" + following)
    first_ids = set(ALBUM_LINK.findall(html(response)))
    second_ids = set(ALBUM_LINK.findall(html(second)))
    assert (len(first_ids), len(second_ids)) == (BROWSE_PAGE_SIZE, 5)
    assert first_ids.isdisjoint(second_ids)
    assert next_url(second) is None


# --- genres ----------------------------------------------------------------------------------


def test_genres_with_counts(client, library):
    response = client.get("/genres/")
    assertContains(response, 'href="/genres/rock/"')
    assertContains(response, "1 album · 2 tracks")
    assertContains(response, 'href="/genres/jazz/"')


def test_genre_counts_are_counted_once_for_a_while(client, library, django_assert_num_queries):
    client.get("/genres/")
    with django_assert_num_queries(1):  # the genres themselves; their counts are cached
        response = client.get("/genres/")
    assertContains(response, "1 album · 2 tracks")


def test_genre_page_plays_its_top_tracks(client, library):
    response = client.get("/genres/rock/")
    # Most played first: the list "Play all" and "Shuffle" hand to the player.
    assert ROW.findall(html(response)) == [str(library["teen"].pk), str(library["lithium"].pk)]
    assertContains(response, 'data-play="all" aria-controls="genre-tracks"')
    assertContains(response, 'data-play="shuffle" aria-controls="genre-tracks"')
    assertContains(response, f'href="/albums/{library["nevermind"].pk}/"')
    assert client.get("/genres/no-such-genre/").status_code == 404


# --- tracks ----------------------------------------------------------------------------------


def test_tracks_table_sorts_and_reverses(client, library):
    response = client.get("/tracks/", {"sort": "plays"})
    assert ROW.findall(html(response))[:2] == [
        str(library["so_what"].pk),
        str(library["teen"].pk),
    ]
    # The current column's link reverses it.
    assertContains(response, 'href="?sort=-plays" aria-current="true"')
    titles = client.get("/tracks/", {"sort": "-title"})
    assert ROW.findall(html(titles))[0] == str(library["so_what"].pk)
    # The shared track rows: the player can play them.
    assertContains(titles, 'aria-label="Play So What"')
    assertContains(titles, "data-tracklist")


def test_tracks_filtered_by_text_genre_and_decade(client, library):
    response = client.get("/tracks/", {"q": "NIRVANA", "genre": "rock"})
    assert len(ROW.findall(html(response))) == 2
    assertContains(response, 'value="NIRVANA"')
    fifties = client.get("/tracks/", {"decade": "1950"})
    assert ROW.findall(html(fifties)) == [str(library["so_what"].pk)]
    assertContains(client.get("/tracks/", {"q": "zzz"}), "No track matches these filters.")


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "nonsense"},
        {"sort": "--title"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"decade": "1995"},
        {"decade": "x"},
        {"genre": "no-such-genre"},
        {"genre": "\x00"},
        {"q": "a" * 5000},
        {"q": "a\x00b"},
        {"letter": "ab"},
        {"letter": "Ж"},
        {"seed": "-3", "sort": "random"},
    ],
)
@pytest.mark.parametrize("path", ["/artists/", "/albums/", "/genres/", "/tracks/"])
def test_bad_parameters_fall_back_instead_of_failing(client, library, path, params):
    response = client.get(path, params, follow=True)
    assert response.status_code == 200


def test_a_page_past_the_end_is_empty_with_a_way_back(client, library):
    response = client.get("/albums/", {"page": "40"})
    assert response.status_code == 200
    assert ALBUM_LINK.findall(html(response)) == []
    assertContains(response, 'href="?">Back to the first page</a>')


# --- pages and query counts ------------------------------------------------------------------


def test_next_page_is_a_link_htmx_follows_when_revealed(client, db):
    album = AlbumFactory()
    TrackFactory.create_batch(BROWSE_PAGE_SIZE + 1, album=album)
    response = client.get("/tracks/", {"sort": "-added"})
    body = html(response)
    assert len(ROW.findall(body)) == BROWSE_PAGE_SIZE
    assertContains(response, 'hx-trigger="revealed"')
    assertContains(response, 'hx-select="#browse-tracks > li"')
    assert next_url(response) == "?sort=-added&page=2"
    second = client.get("/tracks/" + next_url(response))
    assert len(ROW.findall(html(second))) == 1
    assertContains(second, 'start="61"')
    assertNotContains(second, 'rel="next"')


@pytest.mark.parametrize(
    ("path", "rows", "max_queries"),
    [
        # "Most played": the newest listen (which names the cached ranking), the ranking
        # (until the next listen), the filter over a chunk of it (filtered pages), the never
        # played where the played run out, the page's rows. Then the genre filter's choices,
        # the decades, the track cards' play numbers
        ("/tracks/?sort=plays", BROWSE_PAGE_SIZE, 7),
        ("/tracks/?sort=-plays", BROWSE_PAGE_SIZE, 4),
        ("/albums/?sort=plays&genre=rock&decade=2020", BROWSE_PAGE_SIZE, 7),
        ("/artists/?sort=plays", BROWSE_PAGE_SIZE, 3),
        ("/genres/", 3, 2),  # the genres, their counts (then cached)
        # the genre, its counts, its albums, its top tracks (as the tracks table ranks
        # them) and their play numbers
        ("/genres/rock/", BROWSE_PAGE_SIZE, 11),
    ],
)
def test_query_counts_do_not_grow_with_the_page(
    client, db, django_assert_max_num_queries, path, rows, max_queries
):
    rock = GenreFactory(name="Rock", slug="rock")
    for _ in range(rows + 1):
        track = TrackFactory(album=AlbumFactory(artist=ArtistFactory()), genres=[rock])
        ListenFactory(track=track)
    GenreFactory(name="Jazz", slug="jazz")
    with django_assert_max_num_queries(max_queries):
        response = client.get(path)
    assert response.status_code == 200
    assert next_url(response) or path.startswith("/genres/")
