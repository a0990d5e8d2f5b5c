"""Stars on albums and artists and ratings through the Subsonic API: star/unstar with
albumId/artistId (and folder ids), setRating (0 clears), getStarred/getStarred2 listing
them, ``starred``/``userRating`` on albums, artists and songs, and the ``highest`` list."""

import pytest

from rubysound.social.models import Rating, StarredAlbum, StarredArtist
from rubysound.social.selectors.playlists import favorite_track_ids
from tests.compat.subsonic.conftest import NS
from tests.compat.subsonic.schema_check import validate
from tests.compat.subsonic.test_protocol import json_as_strings, xml_to_data
from tests.factories import AlbumFactory, ArtistFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def music(db):
    artist = ArtistFactory(name="Ruby Waves")
    albums = [AlbumFactory(title=f"Album {n}", artist=artist) for n in range(3)]
    tracks = [
        TrackFactory(title=f"Song {n}", album=albums[n % 3], artist=artist, duration=180.0)
        for n in range(6)
    ]
    return {"artist": artist, "albums": albums, "tracks": tracks}


def ids(entries) -> list[str]:
    return [entry["id"] for entry in entries]


def test_albums_and_artists_are_starred_and_listed(subsonic, user, music):
    album, other_album = music["albums"][:2]
    artist = music["artist"]
    subsonic.ok("star", {"albumId": f"al-{album.pk}", "artistId": f"ar-{artist.pk}"})
    # A folder-based app stars an album by its directory id.
    subsonic.ok("star", {"id": f"al-{other_album.pk}"})

    starred2 = subsonic.ok("getStarred2")
    validate("getStarred2", {"subsonic-response": starred2})
    assert ids(starred2["starred2"]["album"]) == [f"al-{album.pk}", f"al-{other_album.pk}"]
    assert ids(starred2["starred2"]["artist"]) == [f"ar-{artist.pk}"]
    assert all(entry["starred"] for entry in starred2["starred2"]["album"])
    assert starred2["starred2"]["song"] == []
    # Starring an album is not starring its songs.
    assert favorite_track_ids(user) == frozenset()

    starred = subsonic.ok("getStarred")
    validate("getStarred", {"subsonic-response": starred})
    assert ids(starred["starred"]["album"]) == [f"al-{album.pk}", f"al-{other_album.pk}"]
    assert starred["starred"]["artist"][0]["starred"]

    subsonic.ok("unstar", {"albumId": f"al-{album.pk}", "id": f"ar-{artist.pk}"})
    after = subsonic.ok("getStarred2")["starred2"]
    assert ids(after["album"]) == [f"al-{other_album.pk}"]
    assert "artist" not in after or after["artist"] == []


def test_a_star_on_something_unknown_changes_nothing(subsonic, user, music):
    album = music["albums"][0]
    error = subsonic.error("star", {"albumId": [f"al-{album.pk}", "al-999999"]})
    assert error["code"] == 70
    assert subsonic.error("star", {"artistId": "al-1"})["code"] == 70  # not an artist id
    assert subsonic.error("star", {"albumId": "nonsense"})["code"] == 70
    assert subsonic.error("star", {"id": "pl-1"})["code"] == 70
    assert subsonic.error("unstar", {"id": "pl-1"})["code"] == 70
    assert not StarredAlbum.objects.exists()
    assert not StarredArtist.objects.exists()


def test_someone_elses_stars_are_not_mine(subsonic, user, music):
    other = UserFactory()
    StarredAlbum.objects.create(user=other, album=music["albums"][0])
    assert subsonic.ok("getStarred2")["starred2"]["album"] == []


def test_set_rating_shows_as_user_rating_and_zero_clears(subsonic, user, music):
    album, song, artist = music["albums"][0], music["tracks"][0], music["artist"]
    subsonic.ok("setRating", {"id": f"al-{album.pk}", "rating": 4})
    subsonic.ok("setRating", {"id": f"tr-{song.pk}", "rating": 5})
    subsonic.ok("setRating", {"id": f"ar-{artist.pk}", "rating": 3})

    got_album = subsonic.ok("getAlbum", {"id": f"al-{album.pk}"})
    validate("getAlbum", {"subsonic-response": got_album})
    assert got_album["album"]["userRating"] == 4
    assert {s["id"]: s.get("userRating") for s in got_album["album"]["song"]}[f"tr-{song.pk}"] == 5
    assert subsonic.ok("getSong", {"id": f"tr-{song.pk}"})["song"]["userRating"] == 5
    got_artist = subsonic.ok("getArtist", {"id": f"ar-{artist.pk}"})
    validate("getArtist", {"subsonic-response": got_artist})
    assert got_artist["artist"]["userRating"] == 3
    assert {a["id"]: a.get("userRating") for a in got_artist["artist"]["album"]} == {
        f"al-{a.pk}": (4 if a == album else None) for a in music["albums"]
    }

    subsonic.ok("setRating", {"id": f"al-{album.pk}", "rating": 0})
    assert "userRating" not in subsonic.ok("getAlbum", {"id": f"al-{album.pk}"})["album"]
    assert Rating.objects.filter(user=user).count() == 2


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 10),
        ({"id": "tr-1"}, 10),
        ({"id": "tr-999999", "rating": 3}, 70),
        ({"id": "pl-1", "rating": 3}, 70),
        ({"id": "garbage", "rating": 3}, 70),
        ({"id": "TRACK", "rating": "five"}, 70),
    ],
)
def test_set_rating_bad_input(subsonic, music, params, code):
    assert subsonic.error("setRating", params)["code"] == code
    assert not Rating.objects.exists()


@pytest.mark.parametrize("rating", ["6", "-1", "2.5", "99999999999999999999"])
def test_a_rating_out_of_range_is_refused(subsonic, music, rating):
    song = music["tracks"][0]
    assert subsonic.error("setRating", {"id": f"tr-{song.pk}", "rating": rating})["code"] == 0
    assert not Rating.objects.exists()


def test_starred_and_rated_albums_show_so_in_album_lists(subsonic, user, music):
    album = music["albums"][1]
    subsonic.ok("star", {"albumId": f"al-{album.pk}"})
    subsonic.ok("setRating", {"id": f"al-{album.pk}", "rating": 2})

    listed = subsonic.ok("getAlbumList2", {"type": "alphabeticalByName", "size": 10})
    validate("getAlbumList2", {"subsonic-response": listed})
    entry = next(a for a in listed["albumList2"]["album"] if a["id"] == f"al-{album.pk}")
    assert entry["starred"]
    assert entry["userRating"] == 2


def test_highest_lists_my_rated_albums_first_then_the_most_played(subsonic, user, music):
    low, high, unrated = music["albums"]
    extra = AlbumFactory(title="Played a lot")
    played = TrackFactory(album=extra)
    for _ in range(3):
        ListenFactory(track=played)
    subsonic.ok("setRating", {"id": f"al-{low.pk}", "rating": 2})
    subsonic.ok("setRating", {"id": f"al-{high.pk}", "rating": 5})
    # Another user's ratings do not count for me.
    Rating.objects.create(user=UserFactory(), album=unrated, value=5)

    def page(offset, size):
        body = subsonic.ok("getAlbumList2", {"type": "highest", "offset": offset, "size": size})
        validate("getAlbumList2", {"subsonic-response": body})
        return ids(body["albumList2"]["album"])

    everything = page(0, 10)
    assert everything[:3] == [f"al-{high.pk}", f"al-{low.pk}", f"al-{extra.pk}"]
    assert sorted(everything) == sorted(f"al-{a.pk}" for a in [*music["albums"], extra])
    # Pages split anywhere give the same order.
    assert page(0, 1) + page(1, 2) + page(3, 7) == everything


def test_annotations_keep_lists_bounded(subsonic, user, music, django_assert_max_num_queries):
    for album in music["albums"]:
        subsonic.ok("star", {"albumId": f"al-{album.pk}"})
        subsonic.ok("setRating", {"id": f"al-{album.pk}", "rating": 3})
    for track in music["tracks"]:
        subsonic.ok("star", {"id": f"tr-{track.pk}"})
        subsonic.ok("setRating", {"id": f"tr-{track.pk}", "rating": 4})
    subsonic.ok("ping")
    with django_assert_max_num_queries(16):
        subsonic.ok("getStarred2")
    with django_assert_max_num_queries(14):
        subsonic.ok("getAlbumList2", {"type": "highest", "size": 500})


def test_search3_shows_my_stars_and_ratings(subsonic, user, music):
    album, artist = music["albums"][0], music["artist"]
    subsonic.ok("star", {"albumId": f"al-{album.pk}", "artistId": f"ar-{artist.pk}"})
    subsonic.ok("setRating", {"id": f"ar-{artist.pk}", "rating": 5})

    found = subsonic.ok("search3", {"query": ""})
    validate("search3", {"subsonic-response": found})

    [found_artist] = found["searchResult3"]["artist"]
    assert found_artist["starred"]
    assert found_artist["userRating"] == 5
    starred_albums = [a["id"] for a in found["searchResult3"]["album"] if a.get("starred")]
    assert starred_albums == [f"al-{album.pk}"]


def test_the_artist_index_shows_my_stars_and_ratings(subsonic, user, music):
    artist, unstarred = music["artist"], ArtistFactory(name="Quiet One")
    AlbumFactory(artist=unstarred)
    subsonic.ok("star", {"artistId": f"ar-{artist.pk}"})
    subsonic.ok("setRating", {"id": f"ar-{artist.pk}", "rating": 1})

    for op in ("getArtists", "getIndexes"):
        body = subsonic.ok(op)
        validate(op, {"subsonic-response": body})
        key = "artists" if op == "getArtists" else "indexes"
        entries = {a["id"]: a for index in body[key]["index"] for a in index["artist"]}
        assert entries[f"ar-{artist.pk}"]["starred"]
        assert entries[f"ar-{artist.pk}"]["userRating"] == 1
        assert "starred" not in entries[f"ar-{unstarred.pk}"]
        assert "userRating" not in entries[f"ar-{unstarred.pk}"]


def test_starred_albums_artists_and_ratings_read_the_same_in_xml(subsonic, user, music):
    album, artist, song = music["albums"][0], music["artist"], music["tracks"][0]
    subsonic.ok("star", {"albumId": f"al-{album.pk}", "artistId": f"ar-{artist.pk}"})
    subsonic.ok("star", {"id": f"tr-{song.pk}"})
    subsonic.ok("setRating", {"id": f"tr-{song.pk}", "rating": 2})

    as_json = subsonic.ok("getStarred2")
    as_xml = xml_to_data(subsonic.xml("getStarred2"))

    assert as_xml == json_as_strings(as_json)
    starred = subsonic.xml("getStarred2").find(f"{NS}starred2")
    assert starred.find(f"{NS}album").attrib["id"] == f"al-{album.pk}"
    assert starred.find(f"{NS}song").attrib["userRating"] == "2"
