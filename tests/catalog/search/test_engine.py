"""Catalog search: the same contract on SQLite (FTS5) and PostgreSQL (pg_trgm).

Run on whichever database is configured; every test here must pass on both.
"""

import pytest
from django.db import connection

from rubysound.catalog.models import Album, Artist, Track
from rubysound.catalog.search.engine import (
    MAX_LIMIT,
    SEARCH_RESULT_CAP,
    search_albums,
    search_artists,
    search_tracks,
)
from rubysound.core.text import fold
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

CATALOG = {
    "Metallica": {
        "Master of Puppets": ["Battery", "Master of Puppets", "Orion"],
        "Metallica": ["Enter Sandman", "Nothing Else Matters", "The Unforgiven"],
    },
    "Nirvana": {"Nevermind": ["Smells Like Teen Spirit", "Come as You Are", "Lithium"]},
    "Björk": {"Homogenic": ["Jóga", "Bachelorette"]},
    "Sigur Rós": {"Ágætis byrjun": ["Svefn-g-englar", "Starálfur"]},
    "AC/DC": {"Back in Black": ["Back in Black", "Hells Bells"]},
    "Guns N' Roses": {"Appetite for Destruction": ["Sweet Child O' Mine", "Paradise City"]},
    "Blur": {"Parklife": ["Girls & Boys", "Parklife"]},
    "Beyoncé": {"Lemonade": ["Formation", "Hold Up"]},
}


@pytest.fixture
def catalog() -> dict[str, Track]:
    """A small real-looking catalog; tracks by title."""
    tracks = {}
    for artist_name, albums in CATALOG.items():
        artist = ArtistFactory(name=artist_name)
        for album_title, titles in albums.items():
            album = AlbumFactory(artist=artist, title=album_title)
            for number, title in enumerate(titles, start=1):
                tracks[title] = TrackFactory(
                    artist=artist, album=album, title=title, track_number=number
                )
    return tracks


def titles(query: str, **kwargs) -> list[str]:
    tracks, _ = search_tracks(query, limit=kwargs.pop("limit", 50), **kwargs)
    return [track.title for track in tracks]


def artist_names(query: str, limit: int = 10) -> list[str]:
    return [artist.name for artist in search_artists(query, limit=limit)]


def album_titles(query: str, limit: int = 10) -> list[str]:
    return [album.title for album in search_albums(query, limit=limit)]


def _make_artists(*names: str) -> None:
    for name in names:
        ArtistFactory(name=name)


# --- matching ---------------------------------------------------------------------------


def test_exact_title_comes_first(catalog):
    assert titles("Enter Sandman")[0] == "Enter Sandman"
    assert titles("parklife")[0] == "Parklife"
    assert artist_names("Nirvana") == ["Nirvana"]
    assert album_titles("Nevermind")[0] == "Nevermind"


@pytest.mark.parametrize(("query", "expected"), [("metal", "Metallica"), ("nir", "Nirvana")])
def test_prefix_finds_artists_while_typing(catalog, query, expected):
    assert artist_names(query)[0] == expected


def test_prefix_finds_tracks_while_typing(catalog):
    assert titles("ente")[0] == "Enter Sandman"
    assert titles("smells li")[0] == "Smells Like Teen Spirit"
    # Tracks of an artist whose name starts with the query come in the prefix tier too.
    assert {"Battery", "Orion"} <= set(titles("metall"))


@pytest.mark.parametrize("query", ["BJÖRK", "björk", "Bjork", "  bJoRk  ", "BJORK"])
def test_accents_and_case_do_not_matter(catalog, query):
    assert artist_names(query)[0] == "Björk"
    assert set(titles(query)) == {"Jóga", "Bachelorette"}


def test_accents_in_titles_and_albums(catalog):
    assert titles("joga") == ["Jóga"]
    assert titles("sigur ros")[:2] == ["Starálfur", "Svefn-g-englar"]
    assert album_titles("AGÆTIS") == ["Ágætis byrjun"]  # æ is a letter of its own
    assert album_titles("byrjun") == ["Ágætis byrjun"]
    assert artist_names("beyonce") == ["Beyoncé"]


def test_punctuation_reads_as_word_breaks(catalog):
    assert artist_names("ac/dc") == ["AC/DC"]
    assert artist_names("ac dc") == ["AC/DC"]
    assert artist_names("dc") == ["AC/DC"]
    assert artist_names("guns n roses") == ["Guns N' Roses"]
    assert titles("sweet child o mine")[0] == "Sweet Child O' Mine"
    assert titles("girls boys")[0] == "Girls & Boys"
    assert titles("svefn g englar")[0] == "Svefn-g-englar"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Metalica", "Metallica"),  # a missing letter
        ("Metallicca", "Metallica"),  # an extra letter
        ("Metallika", "Metallica"),  # a wrong letter
        ("Mteallica", "Metallica"),  # two letters swapped
        ("Nirvanna", "Nirvana"),
        ("Nirvna", "Nirvana"),
        ("Blir", "Blur"),  # short words too
        ("Beyonse", "Beyoncé"),
    ],
)
def test_one_typo_in_an_artist_name(catalog, query, expected):
    assert artist_names(query)[0] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Entr Sandman", "Enter Sandman"),
        ("Enter Sandmann", "Enter Sandman"),
        ("smells like teen spirt", "Smells Like Teen Spirit"),
        ("bacheloretta", "Bachelorette"),
        ("metalica battery", "Battery"),  # the typo is in the artist part
    ],
)
def test_one_typo_in_a_title(catalog, query, expected):
    assert titles(query)[0] == expected


def test_typos_in_album_titles(catalog):
    assert album_titles("Nevermnd") == ["Nevermind"]
    assert album_titles("lemonnade") == ["Lemonade"]


def test_two_typos_in_one_word_are_not_matched(catalog):
    assert artist_names("Mtalicca") == []


def test_multi_word_queries_combine_artist_title_and_album(catalog):
    assert titles("nirvana teen")[0] == "Smells Like Teen Spirit"
    assert titles("teen nirvana")[0] == "Smells Like Teen Spirit"
    assert titles("metallica orion") == ["Orion"]
    assert titles("puppets battery") == ["Battery"]  # album and title
    assert album_titles("metallica master") == ["Master of Puppets"]
    assert titles("nirvana orion") == []


def test_albums_carry_their_artist(catalog, django_assert_num_queries):
    albums = search_albums("metallica", limit=10)
    assert {album.title for album in albums} == {"Master of Puppets", "Metallica"}
    assert albums[0].title == "Metallica"  # exact title before albums by the artist
    with django_assert_num_queries(0):
        assert {album.artist.name for album in albums} == {"Metallica"}


def test_a_title_matched_only_by_its_artist_name(catalog):
    assert set(titles("nirvana")) == {"Smells Like Teen Spirit", "Come as You Are", "Lithium"}


# --- ranking ----------------------------------------------------------------------------


def test_artist_ranking_exact_prefix_word_substring_typo():
    _make_artists("Glove", "Live", "Courtney Love", "Loverboy", "Love", "Unrelated")
    assert artist_names("love") == ["Love", "Loverboy", "Courtney Love", "Glove", "Live"]


def test_track_ranking_exact_prefix_word_substring_typo():
    artist = ArtistFactory(name="Various")
    for title in ["Arctic Tern", "Canteen Blues", "Smells Like Teen Spirit", "Teenage", "Teen"]:
        TrackFactory(artist=artist, album=None, title=title)
    TrackFactory(artist=artist, album=None, title="Nothing Here")
    assert titles("teen") == [
        "Teen",  # exact
        "Teenage",  # prefix
        "Smells Like Teen Spirit",  # a word starts with it
        "Canteen Blues",  # inside a word
        "Arctic Tern",  # one letter away
    ]


def test_exact_artist_before_prefix_artist_in_tracks():
    love = ArtistFactory(name="Love")
    lovers = ArtistFactory(name="Lovers")
    TrackFactory(artist=lovers, album=None, title="B side")
    TrackFactory(artist=love, album=None, title="A side")
    TrackFactory(artist=love, album=None, title="C side")
    assert titles("love") == ["A side", "C side", "B side"]


def test_shorter_names_first_within_a_tier():
    _make_artists("The Long Electric Orchestra", "Orchestra", "Big Orchestra")
    assert artist_names("chestra") == ["Orchestra", "Big Orchestra", "The Long Electric Orchestra"]


# --- odd queries ------------------------------------------------------------------------

ODD_QUERIES = [
    "",
    " ",
    "   \t\n ",
    "x" * 1000,
    "metallica " * 100,
    "'; DROP TABLE catalog_track; --",
    '"',
    '""',
    "*",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(metallica nirvana, 2)",
    'metallica" OR "nirvana',
    "title:metallica",
    "^metallica",
    "metal*",
    "(",
    ")",
    "{",
    "%",
    "_",
    "\\",
    "%_%",
    "a%b_c\\d",
    "\x00",
    "meta\x00llica",
    "\ud800",
    "🎸🎸🎸",
    "★",
    "a",
    "ab",
    "a b c d e f g h i j k l m n o p",
    "мир",
    "東京",
    "٣",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_fail(catalog, query):
    tracks, total = search_tracks(query, limit=20)
    assert len(tracks) <= 20
    assert total >= len(tracks)
    assert isinstance(search_artists(query, limit=10), list)
    assert isinstance(search_albums(query, limit=10), list)


@pytest.mark.parametrize("query", ["", " ", "\t", "\x00", "\ud800"])
def test_empty_queries_find_nothing(catalog, query):
    assert search_tracks(query, limit=20) == ([], 0)
    assert search_artists(query, limit=10) == []
    assert search_albums(query, limit=10) == []


def test_query_syntax_is_text_not_operators(catalog):
    assert artist_names('metallica" OR "nirvana') == []
    assert artist_names("NEAR(metallica") == []  # every word must match: "near" does not
    assert artist_names("metallica)") == ["Metallica"]
    assert artist_names("metal*") == ["Metallica"]


def test_one_letter_words_go_with_their_neighbour():
    artist = ArtistFactory(name="Various")
    for title in ["Meet the Beatles", "The Wall", "Bad Moon", "Theme B"]:
        TrackFactory(artist=artist, album=None, title=title)
    ArtistFactory(name="Earth, Wind & Fire")
    # "b" alone cannot be looked up; " the b" can, and "the" alone would flood.
    assert titles("the b") == ["Meet the Beatles"]
    assert titles("a") == []
    band = ArtistFactory(name="The Edens")
    TrackFactory(artist=band, album=None, title="I Remember")
    TrackFactory(artist=band, album=None, title="Remember")
    # No phrase "edens i": the words apart, in artist and title.
    assert titles("edens i") == ["I Remember"]
    assert artist_names("wind & f") == ["Earth, Wind & Fire"]
    assert artist_names("earth wind fire") == ["Earth, Wind & Fire"]


def test_punctuation_only_names_are_found_exactly():
    ArtistFactory(name="!!!")
    assert artist_names("!!!") == ["!!!"]


def test_non_latin_scripts():
    ArtistFactory(name="Кино")
    ArtistFactory(name="宇多田ヒカル")
    assert artist_names("кино") == ["Кино"]
    assert artist_names("КИН") == ["Кино"]
    assert artist_names("宇多田") == ["宇多田ヒカル"]
    assert artist_names("ヒカル") == ["宇多田ヒカル"]


# --- paging and bounds ------------------------------------------------------------------


@pytest.fixture
def band() -> list[Track]:
    artist = ArtistFactory(name="Pagination Band")
    album = AlbumFactory(artist=artist, title="Pages")
    return [TrackFactory(artist=artist, album=album, title=f"Leaf {n:02d}") for n in range(30)]


def test_pages_slice_one_stable_order(band):
    everything, total = search_tracks("pagination", limit=30)
    assert total == 30
    assert len(everything) == 30
    pages = [search_tracks("pagination", limit=7, offset=o)[0] for o in range(0, 30, 7)]
    assert [t.pk for page in pages for t in page] == [t.pk for t in everything]
    assert all(search_tracks("pagination", limit=7, offset=o)[1] == 30 for o in (0, 28))


def test_offset_and_limit_edges(band):
    assert len(search_tracks("pagination", limit=10, offset=25)[0]) == 5
    assert search_tracks("pagination", limit=10, offset=30) == ([], 30)
    assert search_tracks("pagination", limit=10, offset=10_000) == ([], 30)
    assert search_tracks("pagination", limit=0) == ([], 30)
    assert len(search_tracks("pagination", limit=10, offset=-5)[0]) == 10
    assert search_artists("pagination", limit=0) == []


def test_limits_have_a_maximum():
    artist = ArtistFactory(name="Prolific")
    Track.objects.bulk_create(
        Track(
            artist=artist,
            title=f"Take {n}",
            title_key=fold(f"Take {n}"),
            library_root="/library",
            path=f"prolific/{n}.flac",
        )
        for n in range(MAX_LIMIT + 20)
    )
    tracks, total = search_tracks("prolific", limit=10_000)
    assert len(tracks) == MAX_LIMIT
    assert total == MAX_LIMIT + 20
    Artist.objects.bulk_create(
        Artist(name=f"Prolific {n}", name_key=fold(f"Prolific {n}")) for n in range(MAX_LIMIT + 5)
    )
    assert len(search_artists("prolific", limit=10_000)) == MAX_LIMIT


def test_the_total_is_capped():
    artist = ArtistFactory(name="Endless")
    Track.objects.bulk_create(
        Track(
            artist=artist,
            title=f"Loop {n}",
            title_key=f"loop {n}",
            library_root="/library",
            path=f"endless/{n}.flac",
        )
        for n in range(SEARCH_RESULT_CAP + 50)
    )
    tracks, total = search_tracks("loop", limit=20)
    assert total == SEARCH_RESULT_CAP
    assert len(tracks) == 20
    last, total = search_tracks("loop", limit=20, offset=SEARCH_RESULT_CAP - 5)
    assert (len(last), total) == (5, SEARCH_RESULT_CAP)
    assert search_tracks("loop", limit=20, offset=SEARCH_RESULT_CAP)[0] == []


# The most one search can cost: four key lookups (exact on title, artist and album at once,
# then prefix on each), two document passes (phrases, then words apart), the lexicon, the
# corrected query's keys and its documents, the page itself, and on PostgreSQL the
# statements that pin document queries to the GIN indexes (two, and two more to unpin
# them inside a transaction, as tests run).
MOST_QUERIES = 14


def test_results_carry_artist_and_album_without_more_queries(
    catalog, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(MOST_QUERIES):
        tracks, _ = search_tracks("nirvana teen", limit=20)
    with django_assert_max_num_queries(MOST_QUERIES):
        typo_tracks, _ = search_tracks("metalica", limit=20)
    with django_assert_num_queries(0):
        summary = [(t.title, t.artist.name, t.album.title) for t in tracks + typo_tracks]
    assert ("Smells Like Teen Spirit", "Nirvana", "Nevermind") in summary
    assert ("Battery", "Metallica", "Master of Puppets") in summary


def test_query_count_does_not_grow_with_the_page(band, django_assert_max_num_queries):
    with django_assert_max_num_queries(MOST_QUERIES):
        assert len(search_tracks("pagination", limit=30)[0]) == 30
    with django_assert_max_num_queries(8):
        assert len(search_artists("pagination", limit=MAX_LIMIT)) == 1


# --- keeping up with writes ---------------------------------------------------------------


def test_rows_from_bulk_create_are_found():
    artist = Artist.objects.bulk_create([Artist(name="Zebra Crossing", name_key="zebra crossing")])[
        0
    ]
    album = Album.objects.bulk_create([Album(artist=artist, title="Stripes", title_key="stripes")])[
        0
    ]
    Track.objects.bulk_create(
        [
            Track(
                artist=artist,
                album=album,
                title="Black and White",
                title_key="black and white",
                library_root="/library",
                path="zebra/1.flac",
            )
        ]
    )
    assert artist_names("zebra") == ["Zebra Crossing"]
    assert artist_names("zebbra") == ["Zebra Crossing"]
    assert album_titles("zebra stripes") == ["Stripes"]
    assert titles("zebra black") == ["Black and White"]
    assert titles("stripes white") == ["Black and White"]
    assert titles("blakc") == ["Black and White"]


def test_rows_written_before_their_artist_are_found():
    """Deferred foreign keys let a track reach the database before its artist."""
    with connection.constraint_checks_disabled():
        track = Track.objects.bulk_create(
            [
                Track(
                    artist_id=987654,
                    title="Early Bird",
                    title_key="early bird",
                    library_root="/library",
                    path="early/1.flac",
                )
            ]
        )[0]
        Artist.objects.bulk_create([Artist(id=987654, name="Late Owl", name_key="late owl")])
    assert titles("late owl") == ["Early Bird"]
    assert track.artist.name == "Late Owl"


def test_renaming_an_artist_moves_its_tracks_and_albums(catalog):
    artist = Artist.objects.get(name="Blur")
    artist.name = "Gorillaz"
    artist.save()
    assert set(titles("gorillaz")) == {"Girls & Boys", "Parklife"}
    assert album_titles("gorillaz parklife") == ["Parklife"]
    assert titles("blur") == []
    assert artist_names("blur") == []
    assert artist_names("gorilaz") == ["Gorillaz"]


def test_renaming_through_queryset_update(catalog):
    Artist.objects.filter(name="Sigur Rós").update(name="Jónsi", name_key="jonsi")
    assert artist_names("jonsi") == ["Jónsi"]
    assert set(titles("jonsi")) == {"Svefn-g-englar", "Starálfur"}
    assert titles("sigur ros") == []
    Track.objects.filter(artist__name="Jónsi").delete()
    assert titles("jonsi") == []


def test_renaming_an_album_and_a_track(catalog):
    album = Album.objects.get(title="Homogenic")
    album.title = "Vespertine"
    album.save()
    assert set(titles("vespertine")) == {"Jóga", "Bachelorette"}
    assert titles("homogenic") == []
    Track.objects.filter(title="Jóga").update(title="Hunter", title_key="hunter")
    assert titles("hunter") == ["Hunter"]
    assert titles("joga") == []


def test_moving_a_track_to_another_artist(catalog):
    track = catalog["Lithium"]
    track.artist = Artist.objects.get(name="Björk")
    track.save()
    assert "Lithium" in titles("bjork")
    assert "Lithium" not in titles("nirvana")


def test_deleted_rows_are_gone(catalog):
    catalog["Orion"].delete()
    assert titles("orion") == []
    Album.objects.get(title="Nevermind").delete()  # its tracks stay, without an album
    assert album_titles("nevermind") == []
    assert titles("nevermind") == []
    assert titles("lithium") == ["Lithium"]
    Artist.objects.get(name="Metallica").delete()
    assert artist_names("metallica") == []
    assert titles("metallica") == []
    assert album_titles("master of puppets") == []
    assert titles("metalica") == []


def test_unrelated_saves_keep_the_index(catalog):
    track = catalog["Battery"]
    track.duration = 312.0
    track.save()
    assert titles("battery") == ["Battery"]


# --- the schema behind it -----------------------------------------------------------------


def test_search_triggers_are_installed():
    """A later migration that rebuilds a catalog table (SQLite does that for most
    AlterField) drops its triggers; this test says so before search silently goes stale."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = {
        "sqlite": {
            f"catalog_search_{table}_{event}"
            for table in ("track", "artist", "album")
            for event in ("ai", "au", "ad")
        },
        "postgresql": {
            "catalog_search_track_ins",
            "catalog_search_track_upd",
            "catalog_search_track_del",
            "catalog_search_track_trunc",
            "catalog_search_artist_ins",
            "catalog_search_artist_upd",
            "catalog_search_artist_del",
            "catalog_search_artist_trunc",
            "catalog_search_album_ins",
            "catalog_search_album_upd",
            "catalog_search_album_del",
            "catalog_search_album_trunc",
        },
    }[connection.vendor]
    assert expected <= names
