"""The catalog's cards: the one place a track, an artist or an album becomes JSON."""

from django.test import RequestFactory

from rubysound.catalog.types import Absolutizer, ArtistCard, TrackCard, site_relative

SUMMARY = {
    "id": 7,
    "name": "Teen Spirit",
    "artist": "Nirvana",
    "artist_id": 3,
    "album": "Nevermind",
    "album_id": 5,
    "url": "/api/tracks/7/stream",
    "image_url": "https://covers.example/7.jpg",
    "mbid": "",
    "duration": 301.5,
    "source": "library",
}

ARTIST_ENTRY = {
    "id": 3,
    "name": "Nirvana",
    "url": "/api/artists/3/",
    "mbid": "",
    "photo_url": "/media/artists/nirvana.jpg",
    "listeners": 4,
    "playcount": 9,
    "releases": [
        {
            "id": 5,
            "title": "Nevermind",
            "year": 1991,
            "playcount": 9,
            "url": "/api/albums/5/",
            "cover": "/static/img/default-cover.svg",
        }
    ],
}


def _absolute() -> Absolutizer:
    return Absolutizer(RequestFactory().get("/"))


def test_absolutizer_makes_only_our_own_paths_absolute():
    absolute = _absolute()
    assert absolute("/api/tracks/1/stream") == "http://testserver/api/tracks/1/stream"
    assert absolute("https://elsewhere.example/a.jpg") == "https://elsewhere.example/a.jpg"
    assert absolute("//cdn.example/a.jpg") == "//cdn.example/a.jpg"
    assert absolute("") == ""
    assert site_relative("/api/tracks/1/stream") == "/api/tracks/1/stream"
    assert site_relative(None) == ""


def test_a_track_card_is_the_track_object_of_the_api_reference():
    data = TrackCard.from_entry(SUMMARY, listeners=2, playcount="5").as_json(_absolute())
    assert list(data) == [
        "name",
        "artist",
        "listeners",
        "playcount",
        "url",
        "image_url",
        "mbid",
        "id",
        "album",
        "duration",
        "source",
        "artist_id",
        "album_id",
    ]
    assert data["url"] == "http://testserver/api/tracks/7/stream"
    assert data["image_url"] == "https://covers.example/7.jpg"  # a service's URL stays
    assert (data["listeners"], data["playcount"]) == (2, 5)  # numbers, whatever came in


def test_a_trending_track_adds_its_growth_last():
    entry = {**SUMMARY, "listeners": 4, "playcount": 6, "previous_listeners": 1, "growth": 1.5}
    data = TrackCard.from_entry(entry).as_json(site_relative)
    assert list(data)[-2:] == ["previous_listeners", "growth"]
    assert (data["previous_listeners"], data["growth"]) == (1, 1.5)
    assert data["url"] == "/api/tracks/7/stream"


def test_cards_survive_the_cache_as_plain_data():
    plain = TrackCard.from_entry(SUMMARY, listeners=1, playcount=2)
    assert "growth" not in plain.as_entry()
    assert TrackCard.from_entry(plain.as_entry()) == plain
    trending = TrackCard.from_entry({**SUMMARY, "listeners": 4, "playcount": 6, "growth": 0.5})
    assert TrackCard.from_entry(trending.as_entry()) == trending
    artist = ArtistCard.from_entry(ARTIST_ENTRY)
    assert ArtistCard.from_entry(artist.as_entry()) == artist


def test_a_chart_artist_with_its_releases():
    data = ArtistCard.from_entry(ARTIST_ENTRY).as_json(_absolute())
    assert list(data) == [
        "name",
        "photo_url",
        "listeners",
        "playcount",
        "releases",
        "id",
        "url",
        "mbid",
    ]
    assert data["photo_url"] == "http://testserver/media/artists/nirvana.jpg"
    (release,) = data["releases"]
    assert list(release) == ["title", "playcount", "url", "cover", "id", "year"]
    assert release["url"] == "http://testserver/api/albums/5/"


def test_an_artist_suggestion():
    suggestion = {"id": None, "name": "Nirvana", "url": "https://last.fm/x", "listeners": "12"}
    data = ArtistCard.from_entry({**suggestion, "mbid": "m"}).as_suggestion(_absolute())
    assert data == {
        "name": "Nirvana",
        "url": "https://last.fm/x",
        "listeners": 12,
        "mbid": "m",
        "id": None,
    }
