"""Browsing, album lists and search: what an app shows of the library, in bounded queries."""

import datetime

import pytest
from django.utils import timezone

from rubysound.catalog.models import Album, Track
from tests.compat.subsonic.schema_check import validate
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    ListenFactory,
    TrackFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db):
    """Three artists, four albums, tracks with genres; listens on one album."""
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    beatles = ArtistFactory(name="The Beatles")
    abba = ArtistFactory(name="ABBA")
    numbers = ArtistFactory(name="10cc")
    albums = {
        "abbey": AlbumFactory(title="Abbey Road", artist=beatles, year=1969),
        "help": AlbumFactory(title="Help!", artist=beatles, year=1965),
        "arrival": AlbumFactory(title="Arrival", artist=abba, year=1976),
        "sheet": AlbumFactory(title="Sheet Music", artist=numbers, year=1974),
    }
    tracks = {}
    for key, album in albums.items():
        for number in (1, 2):
            track = TrackFactory(
                album=album,
                title=f"{album.title} song {number}",
                track_number=number,
                year=album.year,
                genres=[jazz if key == "sheet" else rock],
                size=1000 * number,
                bitrate=320_000,
            )
            tracks[f"{key}{number}"] = track
    return {"albums": albums, "tracks": tracks, "artists": (beatles, abba, numbers)}


def test_music_folders(subsonic):
    body = subsonic.ok("getMusicFolders")
    validate("getMusicFolders", {"subsonic-response": body})
    assert body["musicFolders"]["musicFolder"] == [{"id": 1, "name": "Music"}]


def test_get_artists_indexes_ignore_articles(subsonic, library):
    body = subsonic.ok("getArtists")
    validate("getArtists", {"subsonic-response": body})
    indexes = {
        index["name"]: [a["name"] for a in index["artist"]] for index in body["artists"]["index"]
    }
    assert indexes == {"#": ["10cc"], "A": ["ABBA"], "B": ["The Beatles"]}
    beatles = next(
        a for i in body["artists"]["index"] for a in i["artist"] if a["name"] == "The Beatles"
    )
    assert beatles["albumCount"] == 2
    assert beatles["id"] == f"ar-{library['artists'][0].pk}"
    legacy = subsonic.ok("getIndexes")
    validate("getIndexes", {"subsonic-response": legacy})
    assert legacy["indexes"]["index"] == body["artists"]["index"]


def test_browse_artist_album_song(subsonic, library):
    beatles = library["artists"][0]
    artist = subsonic.ok("getArtist", {"id": f"ar-{beatles.pk}"})
    validate("getArtist", {"subsonic-response": artist})
    assert [a["name"] for a in artist["artist"]["album"]] == ["Help!", "Abbey Road"]
    abbey = library["albums"]["abbey"]
    album = subsonic.ok("getAlbum", {"id": f"al-{abbey.pk}"})["album"]
    validate("getAlbum", {"subsonic-response": subsonic.ok("getAlbum", {"id": f"al-{abbey.pk}"})})
    assert album["songCount"] == 2
    assert album["duration"] == 360
    assert album["year"] == 1969
    assert album["coverArt"] == f"al-{abbey.pk}"
    assert [s["title"] for s in album["song"]] == ["Abbey Road song 1", "Abbey Road song 2"]
    first = album["song"][0]
    assert first["albumId"] == album["id"]
    assert first["artistId"] == f"ar-{beatles.pk}"
    assert first["bitRate"] == 320
    assert first["size"] == 1000
    assert first["contentType"] == "audio/flac"
    assert first["suffix"] == "flac"
    assert first["genre"] == "Rock"
    song = subsonic.ok("getSong", {"id": first["id"]})
    validate("getSong", {"subsonic-response": song})
    assert song["song"] == first


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("getArtist", "al-1"),
        ("getArtist", "ar-0"),
        ("getArtist", "ar-99999"),
        ("getAlbum", "tr-1"),
        ("getAlbum", "12"),
        ("getAlbum", "al-"),
        ("getAlbum", "al-1x"),
        ("getAlbum", "al--3"),
        ("getSong", "pl-1"),
        ("getSong", "tr-99999"),
        ("getPlaylist", "pl-99999"),
        ("getPlaylist", "ar-1"),
    ],
)
def test_wrong_kind_malformed_or_unknown_ids_are_70(subsonic, library, op, value):
    assert subsonic.error(op, {"id": value})["code"] == 70


def test_remote_tracks_are_not_songs(subsonic, library):
    remote = TrackFactory(
        source=Track.Source.REMOTE,
        album=None,
        artist=library["artists"][1],
        library_root="",
        path="",
    )
    assert subsonic.error("getSong", {"id": f"tr-{remote.pk}"})["code"] == 70


def test_genres_with_song_and_album_counts(subsonic, library):
    body = subsonic.ok("getGenres")
    validate("getGenres", {"subsonic-response": body})
    assert body["genres"]["genre"] == [
        {"value": "Jazz", "songCount": 2, "albumCount": 1},
        {"value": "Rock", "songCount": 6, "albumCount": 3},
    ]


def album_names(subsonic, params, op="getAlbumList2") -> list[str]:
    body = subsonic.ok(op, params)
    validate(op, {"subsonic-response": body})
    key = "albumList2" if op == "getAlbumList2" else "albumList"
    return [a.get("name") or a.get("title") for a in body[key]["album"]]


def test_album_lists_by_name_artist_and_paging(subsonic, library):
    assert album_names(subsonic, {"type": "alphabeticalByName"}) == [
        "Abbey Road",
        "Arrival",
        "Help!",
        "Sheet Music",
    ]
    assert album_names(subsonic, {"type": "alphabeticalByArtist"}) == [
        "Sheet Music",
        "Arrival",
        "Abbey Road",
        "Help!",
    ]
    page = {"type": "alphabeticalByName", "size": 2, "offset": 1}
    assert album_names(subsonic, page) == ["Arrival", "Help!"]
    assert album_names(subsonic, page, op="getAlbumList") == ["Arrival", "Help!"]
    assert album_names(subsonic, {"type": "alphabeticalByName", "offset": 10}) == []


def test_album_list_size_is_capped_at_500(subsonic, library):
    assert len(album_names(subsonic, {"type": "random", "size": 100000})) == 4


def test_album_list_newest(subsonic, library):
    Album.objects.filter(pk=library["albums"]["help"].pk).update(
        created_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert album_names(subsonic, {"type": "newest"})[0] == "Help!"


def test_album_list_by_year_both_directions(subsonic, library):
    assert album_names(subsonic, {"type": "byYear", "fromYear": 1965, "toYear": 1974}) == [
        "Help!",
        "Abbey Road",
        "Sheet Music",
    ]
    assert album_names(subsonic, {"type": "byYear", "fromYear": 1974, "toYear": 1965}) == [
        "Sheet Music",
        "Abbey Road",
        "Help!",
    ]


def test_album_list_by_genre(subsonic, library):
    assert album_names(subsonic, {"type": "byGenre", "genre": "Jazz"}) == ["Sheet Music"]
    assert album_names(subsonic, {"type": "byGenre", "genre": "Polka"}) == []


def test_album_lists_by_listens(subsonic, user, library):
    tracks = library["tracks"]
    for _ in range(3):
        ListenFactory(track=tracks["arrival1"])
    ListenFactory(track=tracks["help1"], user=user)
    assert album_names(subsonic, {"type": "frequent"})[0] == "Arrival"
    assert album_names(subsonic, {"type": "highest"})[0] == "Arrival"
    # recent: the caller's own listens only.
    assert album_names(subsonic, {"type": "recent"}) == ["Help!"]


def test_album_list_starred_is_albums_of_favorite_songs(subsonic, user, library):
    assert album_names(subsonic, {"type": "starred"}) == []
    subsonic.ok("star", {"id": f"tr-{library['tracks']['sheet2'].pk}"})
    assert album_names(subsonic, {"type": "starred"}) == ["Sheet Music"]
    assert favorites_of(user).items.count() == 1


def search(subsonic, params, op="search3") -> dict:
    body = subsonic.ok(op, params)
    validate(op, {"subsonic-response": body})
    return body["searchResult3" if op == "search3" else "searchResult2"]


@pytest.mark.parametrize("query", [None, "", '""', "*"])
def test_empty_search_pages_through_everything(subsonic, library, query):
    params = {} if query is None else {"query": query}
    everything = search(subsonic, {**params, "songCount": 500})
    assert len(everything["artist"]) == 3
    assert len(everything["album"]) == 4
    assert len(everything["song"]) == 8
    pages = [
        search(subsonic, {**params, "songCount": 3, "songOffset": offset, "artistCount": 0})
        for offset in (0, 3, 6, 9)
    ]
    ids = [song["id"] for page in pages for song in page.get("song", [])]
    assert ids == [song["id"] for song in everything["song"]]
    assert all(not page["artist"] for page in pages)


def test_search_finds_and_ignores_trailing_star(subsonic, library):
    result = search(subsonic, {"query": "abbey*"})
    assert [a["name"] for a in result["album"]] == ["Abbey Road"]
    assert {s["title"] for s in result["song"]} == {"Abbey Road song 1", "Abbey Road song 2"}
    assert [a["name"] for a in search(subsonic, {"query": "abba"})["artist"]] == ["ABBA"]
    legacy = search(subsonic, {"query": "abba"}, op="search2")
    assert [a["name"] for a in legacy["artist"]] == ["ABBA"]
    assert search(subsonic, {"query": "zzzzqqq"}) == {"artist": [], "album": [], "song": []}


def test_queries_are_bounded_whatever_the_page_size(
    subsonic, library, django_assert_max_num_queries
):
    for extra in range(20):
        TrackFactory(
            album=library["albums"]["help"],
            genres=[GenreFactory(name=f"G{extra}", slug=f"g{extra}")],
        )
    subsonic.ok("ping")  # authentication's own queries are the same for every call
    # (Two of them: the caller's stars and ratings of the page's albums.)
    with django_assert_max_num_queries(14):
        subsonic.ok("getAlbumList2", {"type": "alphabeticalByName", "size": 500})
    # Each kind: the page's ids, then those rows with their counts (and the songs' genres),
    # and the caller's stars and ratings of each kind.
    with django_assert_max_num_queries(21):
        subsonic.ok("search3", {"query": "", "songCount": 500})
    # A search runs the engine's tiers (each one indexed query with a LIMIT), whatever the
    # page size (and the stars and ratings of what it found).
    with django_assert_max_num_queries(35):
        subsonic.ok("search3", {"query": "song", "songCount": 500})
    # (Three of them: the album's star and rating, and the songs' ratings.)
    with django_assert_max_num_queries(15):
        subsonic.ok("getAlbum", {"id": f"al-{library['albums']['help'].pk}"})
    # (Two of them: the caller's stars and ratings of artists.)
    with django_assert_max_num_queries(12):
        subsonic.ok("getArtists")
    with django_assert_max_num_queries(10):
        subsonic.ok("getGenres")


def test_music_directory_artist_then_album(subsonic, library):
    beatles = library["artists"][0]
    folder = subsonic.ok("getMusicDirectory", {"id": f"ar-{beatles.pk}"})
    validate("getMusicDirectory", {"subsonic-response": folder})
    assert folder["directory"]["name"] == "The Beatles"
    children = folder["directory"]["child"]
    assert [c["title"] for c in children] == ["Help!", "Abbey Road"]
    assert all(c["isDir"] for c in children)
    album = subsonic.ok("getMusicDirectory", {"id": children[1]["id"]})
    validate("getMusicDirectory", {"subsonic-response": album})
    assert [c["title"] for c in album["directory"]["child"]] == [
        "Abbey Road song 1",
        "Abbey Road song 2",
    ]
    assert subsonic.error("getMusicDirectory", {"id": "tr-1"})["code"] == 70


def test_artist_and_album_info(subsonic, library):
    beatles = library["artists"][0]
    beatles.bio = "From Liverpool."
    beatles.save()
    info = subsonic.ok("getArtistInfo2", {"id": f"ar-{beatles.pk}"})
    validate("getArtistInfo2", {"subsonic-response": info})
    assert info["artistInfo2"]["biography"] == "From Liverpool."
    album = subsonic.ok("getAlbumInfo2", {"id": f"al-{library['albums']['help'].pk}"})
    validate("getAlbumInfo2", {"subsonic-response": album})
    assert subsonic.error("getArtistInfo2", {"id": "ar-999999"})["code"] == 70


def test_top_songs_by_listens(subsonic, library):
    tracks = library["tracks"]
    ListenFactory(track=tracks["help2"])
    ListenFactory(track=tracks["help2"])
    ListenFactory(track=tracks["abbey1"])
    body = subsonic.ok("getTopSongs", {"artist": "the beatles", "count": 2})
    validate("getTopSongs", {"subsonic-response": body})
    assert [s["title"] for s in body["topSongs"]["song"]] == ["Help! song 2", "Abbey Road song 1"]
    assert subsonic.ok("getTopSongs", {"artist": "Nobody"})["topSongs"]["song"] == []


def test_random_songs_and_songs_by_genre(subsonic, library):
    random = subsonic.ok("getRandomSongs", {"size": 3})
    validate("getRandomSongs", {"subsonic-response": random})
    assert len(random["randomSongs"]["song"]) == 3
    jazz = subsonic.ok("getRandomSongs", {"size": 50, "genre": "jazz"})["randomSongs"]["song"]
    assert {s["album"] for s in jazz} == {"Sheet Music"}
    old = subsonic.ok("getRandomSongs", {"size": 50, "toYear": 1966})["randomSongs"]["song"]
    assert {s["album"] for s in old} == {"Help!"}
    by_genre = subsonic.ok("getSongsByGenre", {"genre": "Rock", "count": 4, "offset": 1})
    validate("getSongsByGenre", {"subsonic-response": by_genre})
    assert len(by_genre["songsByGenre"]["song"]) == 4
    assert all(s["genre"] == "Rock" for s in by_genre["songsByGenre"]["song"])


def test_scan_status(subsonic, library):
    body = subsonic.ok("getScanStatus")
    validate("getScanStatus", {"subsonic-response": body})
    assert body["scanStatus"] == {"scanning": False, "count": 8}
