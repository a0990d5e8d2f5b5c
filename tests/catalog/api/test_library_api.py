"""Catalog reads: /api/tracks/, /api/artists/, /api/albums/<id>/, /api/genres/.

Query counts are pinned (Saleor style): a list endpoint runs the same number of queries for
5 rows as for 40, so an N+1 fails here rather than in production.
"""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from rubysound.catalog.models import Track
from tests.catalog.media_files import image_bytes
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    ListenFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
TRACK_FIELDS = {
    "id",
    "name",
    "artist",
    "album",
    "duration",
    "track_number",
    "disc_number",
    "year",
    "genres",
    "format",
    "source",
    "mbid",
    "stream_url",
    "image_url",
}


def with_cover(album):
    album.cover.save("front.png", ContentFile(image_bytes((50, 50))), save=True)
    return album


def varied_tracks(count: int) -> list[Track]:
    """Tracks over several artists, albums (some with covers) and genres."""
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    tracks = []
    for i in range(count):
        album = AlbumFactory() if i % 3 == 0 else tracks[-1].album
        if i % 6 == 0:
            with_cover(album)
        tracks.append(TrackFactory(album=album, genres=[rock, jazz] if i % 2 else [rock]))
    return tracks


# --- Tracks -------------------------------------------------------------------------------


def test_a_track_carries_everything_a_player_needs(api_client):
    rock = GenreFactory(name="Rock", slug="rock")
    album = with_cover(AlbumFactory(title="Début", year=1993, artist=ArtistFactory(name="Björk")))
    track = TrackFactory(
        title="Human Behaviour",
        album=album,
        track_number=1,
        disc_number=1,
        year=1993,
        duration=252.5,
        format="flac",
        genres=[rock],
    )
    body = api_client.get(f"/api/tracks/{track.pk}/").json()
    assert set(body) == TRACK_FIELDS
    assert body["id"] == track.pk
    assert body["name"] == "Human Behaviour"
    assert body["artist"] == {"id": album.artist.pk, "name": "Björk"}
    assert body["album"] == {"id": album.pk, "title": "Début", "year": 1993}
    assert body["duration"] == 252.5
    assert (body["track_number"], body["disc_number"], body["year"]) == (1, 1, 1993)
    assert body["genres"] == [{"name": "Rock", "slug": "rock"}]
    assert body["format"] == "flac"
    assert body["source"] == "library"
    assert body["stream_url"] == f"{BASE}/api/tracks/{track.pk}/stream"
    assert body["image_url"] == f"{BASE}/api/albums/{album.pk}/cover?size=300"


def test_urls_follow_the_request_host(api_client, settings):
    settings.ALLOWED_HOSTS = ["music.example.org"]
    track = TrackFactory()
    body = api_client.get(f"/api/tracks/{track.pk}/", HTTP_HOST="music.example.org").json()
    assert body["stream_url"] == f"http://music.example.org/api/tracks/{track.pk}/stream"
    assert body["image_url"] == "http://music.example.org/static/img/default-cover.svg"


def test_remote_tracks_point_at_the_provider_preview(api_client):
    with_preview = TrackFactory(
        source=Track.Source.REMOTE,
        album=None,
        artist=ArtistFactory(),
        library_root="",
        path="",
        preview_url="https://cdn.example.com/preview.mp3",
        remote_image_url="https://cdn.example.com/cover.jpg",
    )
    without = TrackFactory(
        source=Track.Source.REMOTE, album=None, artist=ArtistFactory(), library_root="", path=""
    )
    body = api_client.get(f"/api/tracks/{with_preview.pk}/").json()
    assert body["stream_url"] == "https://cdn.example.com/preview.mp3"
    assert body["image_url"] == "https://cdn.example.com/cover.jpg"
    assert body["album"] is None
    assert body["source"] == "remote"
    body = api_client.get(f"/api/tracks/{without.pk}/").json()
    assert body["stream_url"] == ""
    assert body["image_url"] == f"{BASE}/static/img/default-cover.svg"


def test_the_list_is_paginated_and_bounded(api_client):
    varied_tracks(25)
    body = api_client.get("/api/tracks/").json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["next"].startswith(f"{BASE}/api/tracks/?page=2")
    assert body["previous"] is None
    assert set(body["results"][0]) == TRACK_FIELDS
    assert len(api_client.get("/api/tracks/?page_size=1000").json()["results"]) == 25
    assert len(api_client.get("/api/tracks/?page=2").json()["results"]) == 5


def test_the_list_is_ordered_by_artist_album_disc_and_track(api_client):
    zed = ArtistFactory(name="Zed")
    abba = ArtistFactory(name="ábba")  # folded: sorts as "abba"
    beta = AlbumFactory(title="Beta", artist=abba)
    alpha = AlbumFactory(title="Alpha", artist=abba)
    TrackFactory(title="z1", album=AlbumFactory(artist=zed), track_number=1)
    TrackFactory(title="b-d2-t1", album=beta, disc_number=2, track_number=1)
    TrackFactory(title="b-d1-t10", album=beta, disc_number=1, track_number=10)
    TrackFactory(title="b-d1-t2", album=beta, disc_number=1, track_number=2)
    TrackFactory(title="b-unnumbered", album=beta, disc_number=None, track_number=None)
    TrackFactory(title="a-t1", album=alpha, track_number=1)
    names = [t["name"] for t in api_client.get("/api/tracks/").json()["results"]]
    assert names == ["a-t1", "b-d1-t2", "b-d1-t10", "b-d2-t1", "b-unnumbered", "z1"]


def test_filters(api_client):
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    artist = ArtistFactory()
    album = AlbumFactory(artist=artist)
    a = TrackFactory(album=album, year=1999, genres=[rock])
    b = TrackFactory(album=album, year=2001, genres=[rock, jazz])
    c = TrackFactory(year=1999, genres=[jazz])

    def ids(query: str) -> set[int]:
        response = api_client.get(f"/api/tracks/?{query}")
        assert response.status_code == 200, response.content
        return {t["id"] for t in response.json()["results"]}

    assert ids(f"artist={artist.pk}") == {a.pk, b.pk}
    assert ids(f"album={album.pk}") == {a.pk, b.pk}
    assert ids("genre=jazz") == {b.pk, c.pk}
    assert ids("year=1999") == {a.pk, c.pk}
    assert ids(f"artist={artist.pk}&genre=jazz&year=2001") == {b.pk}
    assert ids("artist=999999") == set()
    assert ids("genre=polka") == set()
    assert ids("artist=") == {a.pk, b.pk, c.pk}  # an empty value is no filter


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("artist=abc", "artist"),
        ("artist=-1", "artist"),
        ("artist=0", "artist"),
        (f"artist={10**30}", "artist"),
        ("album=1.5", "album"),
        ("year=abc", "year"),
        ("year=99999", "year"),
        ("year=-1", "year"),
        ("genre=not a slug", "genre"),
        ("genre=" + "x" * 65, "genre"),
    ],
)
def test_bad_filter_values_are_400_json(api_client, query, field):
    response = api_client.get(f"/api/tracks/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]


@pytest.mark.parametrize("page", ["abc", "0", "99", "-1"])
def test_bad_pages_are_404_json(api_client, page):
    TrackFactory()
    response = api_client.get(f"/api/tracks/?page={page}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_track_is_404_json(api_client):
    for pk in (999999, 10**30):
        response = api_client.get(f"/api/tracks/{pk}/")
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "code"}


# --- Caching ------------------------------------------------------------------------------


def test_anonymous_reads_are_publicly_cacheable(api_client):
    track = TrackFactory()
    for path in (
        "/api/tracks/",
        f"/api/tracks/{track.pk}/",
        "/api/artists/",
        f"/api/artists/{track.artist_id}/",
        f"/api/albums/{track.album_id}/",
        "/api/genres/",
    ):
        response = api_client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "public, max-age=60", path
        assert not response.cookies, path


def test_signed_in_reads_are_private(auth_client):
    response = auth_client.get("/api/tracks/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=60"


def test_errors_are_not_cacheable(api_client):
    response = api_client.get("/api/tracks/?year=abc")
    assert "public" not in response.get("Cache-Control", "")


def test_a_signed_in_refusal_is_never_stored(auth_client):
    # Unlike the signed-in reader's 200, which their browser may keep for a minute.
    response = auth_client.get("/api/tracks/999999/")
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]


# --- Artists ------------------------------------------------------------------------------


def test_artists_by_name_with_counts(api_client):
    zed, abba, bjork = (ArtistFactory(name=n) for n in ("Zed", "ABBA", "björk"))
    album = AlbumFactory(artist=abba)
    TrackFactory.create_batch(3, album=album)
    AlbumFactory(artist=abba)
    TrackFactory(album=AlbumFactory(artist=bjork))
    body = api_client.get("/api/artists/").json()
    assert body["count"] == 3
    assert [a["name"] for a in body["results"]] == ["ABBA", "björk", "Zed"]
    first = body["results"][0]
    assert set(first) == {
        "id",
        "name",
        "sort_name",
        "mbid",
        "image_url",
        "album_count",
        "track_count",
    }
    assert (first["album_count"], first["track_count"]) == (2, 3)
    assert first["image_url"] == f"{BASE}/static/img/default-cover.svg"
    assert body["results"][2]["album_count"] == body["results"][2]["track_count"] == 0
    assert zed.pk == body["results"][2]["id"]


def test_an_artist_with_albums_and_top_tracks(api_client):
    artist = ArtistFactory(name="Portishead")
    dummy = with_cover(AlbumFactory(artist=artist, title="Dummy", year=1994))
    third = AlbumFactory(artist=artist, title="Third", year=2008)
    unknown_year = AlbumFactory(artist=artist, title="Demos", year=None)
    roads = TrackFactory(title="Roads", album=dummy)
    glory = TrackFactory(title="Glory Box", album=dummy)
    machine = TrackFactory(title="Machine Gun", album=third)
    silence = TrackFactory(title="Silence", album=third)
    TrackFactory(title="Sour Times", album=unknown_year)
    users = UserFactory.create_batch(3)
    for user in users:
        ListenFactory(user=user, track=machine)
    ListenFactory(user=users[0], track=roads)
    ListenFactory(user=users[1], track=glory)

    body = api_client.get(f"/api/artists/{artist.pk}/").json()
    assert body["name"] == "Portishead"
    assert (body["album_count"], body["track_count"]) == (3, 5)
    assert [a["title"] for a in body["albums"]] == ["Dummy", "Third", "Demos"]
    assert body["albums"][0]["track_count"] == 2
    assert body["albums"][0]["image_url"] == f"{BASE}/api/albums/{dummy.pk}/cover?size=300"
    assert body["albums"][1]["image_url"] == f"{BASE}/static/img/default-cover.svg"
    top = body["top_tracks"]
    # By listens, then by title.
    assert [(t["name"], t["listens"]) for t in top] == [
        ("Machine Gun", 3),
        ("Glory Box", 1),
        ("Roads", 1),
        ("Silence", 0),
        ("Sour Times", 0),
    ]
    assert top[0]["id"] == machine.pk
    assert top[3]["id"] == silence.pk
    assert top[0]["stream_url"] == f"{BASE}/api/tracks/{machine.pk}/stream"


def test_top_tracks_are_bounded_to_ten(api_client):
    album = AlbumFactory()
    TrackFactory.create_batch(14, album=album)
    body = api_client.get(f"/api/artists/{album.artist_id}/").json()
    assert len(body["top_tracks"]) == 10
    assert body["track_count"] == 14


def test_unknown_artist_is_404_json(api_client):
    response = api_client.get("/api/artists/424242/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Albums -------------------------------------------------------------------------------


def test_an_album_with_its_tracks_in_order(api_client):
    album = with_cover(AlbumFactory(title="Mellon Collie", year=1995))
    for disc, number, title, duration in [
        (2, 1, "Where Boys Fear to Tread", 200.0),
        (1, 10, "Bullet with Butterfly Wings", 258.0),
        (1, 2, "Tonight, Tonight", 254.5),
        (None, None, "Hidden Track", None),
        (1, 1, "Mellon Collie", 172.0),
    ]:
        TrackFactory(
            album=album, disc_number=disc, track_number=number, title=title, duration=duration
        )
    body = api_client.get(f"/api/albums/{album.pk}/").json()
    assert body["title"] == "Mellon Collie"
    assert body["artist"] == {"id": album.artist.pk, "name": album.artist.name}
    assert body["image_url"] == f"{BASE}/api/albums/{album.pk}/cover?size=300"
    assert body["track_count"] == 5
    assert body["duration"] == 884.5
    assert [t["name"] for t in body["tracks"]] == [
        "Mellon Collie",
        "Tonight, Tonight",
        "Bullet with Butterfly Wings",
        "Where Boys Fear to Tread",
        "Hidden Track",
    ]
    assert set(body["tracks"][0]) == TRACK_FIELDS
    assert body["tracks"][0]["album"]["id"] == album.pk


def test_an_empty_album(api_client):
    album = AlbumFactory()
    body = api_client.get(f"/api/albums/{album.pk}/").json()
    assert (body["tracks"], body["track_count"], body["duration"]) == ([], 0, None)


def test_unknown_album_is_404_json(api_client):
    response = api_client.get("/api/albums/424242/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Genres -------------------------------------------------------------------------------


def test_genres_with_track_counts(api_client):
    rock, jazz = GenreFactory(name="Rock", slug="rock"), GenreFactory(name="Jazz", slug="jazz")
    GenreFactory(name="Polka", slug="polka")
    TrackFactory.create_batch(3, genres=[rock])
    TrackFactory(genres=[rock, jazz])
    body = api_client.get("/api/genres/").json()
    assert body["count"] == 3
    assert [(g["name"], g["slug"], g["track_count"]) for g in body["results"]] == [
        ("Jazz", "jazz", 1),
        ("Polka", "polka", 0),
        ("Rock", "rock", 4),
    ]


# --- Query counts -------------------------------------------------------------------------

# count + page (artist and album joined) + genres of the page
TRACK_LIST_QUERIES = 3


@pytest.mark.parametrize("rows", [5, 40])
def test_track_list_queries_do_not_grow_with_rows(api_client, django_assert_max_num_queries, rows):
    varied_tracks(rows)
    with django_assert_max_num_queries(TRACK_LIST_QUERIES):
        response = api_client.get("/api/tracks/?page_size=50")
    assert len(response.json()["results"]) == rows


def test_filtered_track_list_queries(api_client, django_assert_max_num_queries):
    tracks = varied_tracks(12)
    with django_assert_max_num_queries(TRACK_LIST_QUERIES):
        api_client.get(f"/api/tracks/?genre=rock&year=2020&artist={tracks[0].artist_id}")


def test_track_detail_queries(api_client, django_assert_max_num_queries):
    track = varied_tracks(2)[1]
    with django_assert_max_num_queries(2):  # the track with joins + its genres
        assert api_client.get(f"/api/tracks/{track.pk}/").status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_artist_list_queries(api_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        TrackFactory.create_batch(2, album=AlbumFactory())
    with django_assert_max_num_queries(2):  # count + page with counts as subqueries
        response = api_client.get("/api/artists/?page_size=50")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("albums", [1, 8])
def test_artist_detail_queries(api_client, django_assert_max_num_queries, albums):
    artist = ArtistFactory()
    rock = GenreFactory(name="Rock", slug="rock")
    for _ in range(albums):
        album = with_cover(AlbumFactory(artist=artist))
        for track in TrackFactory.create_batch(3, album=album, genres=[rock]):
            ListenFactory(track=track)
    # artist + albums + top tracks + their genres
    with django_assert_max_num_queries(4):
        body = api_client.get(f"/api/artists/{artist.pk}/").json()
    assert len(body["albums"]) == albums


@pytest.mark.parametrize("rows", [2, 25])
def test_album_detail_queries(api_client, django_assert_max_num_queries, rows):
    album = with_cover(AlbumFactory())
    rock = GenreFactory(name="Rock", slug="rock")
    TrackFactory.create_batch(rows, album=album, genres=[rock])
    # album with artist + tracks with artists + their genres
    with django_assert_max_num_queries(3):
        body = api_client.get(f"/api/albums/{album.pk}/").json()
    assert len(body["tracks"]) == rows


def test_genre_list_queries(api_client, django_assert_max_num_queries):
    varied_tracks(10)
    for name in ("Pop", "Metal", "Electronic"):
        GenreFactory(name=name, slug=name.lower())
    with django_assert_max_num_queries(2):
        assert len(api_client.get("/api/genres/").json()["results"]) == 5


# --- End to end: the demo generator and the real scanner, then the API on top ---------------


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous")
def test_a_scanned_library_is_browsable_streamable_and_drawn(
    scanned_library, client, settings, tmp_path
):
    settings.COVER_CACHE_DIR = tmp_path / "covers-resized"
    tracks = client.get("/api/tracks/").json()["results"]
    assert tracks
    for track in tracks:
        row = Track.objects.get(pk=track["id"])
        on_disk = (Path(row.library_root) / row.path).read_bytes()
        stream = client.get(track["stream_url"], HTTP_RANGE="bytes=10-")
        assert stream.status_code == 206
        assert b"".join(stream) == on_disk[10:]
        assert client.get(f"/api/tracks/{track['id']}/waveform").json()["count"] > 0
        album = client.get(f"/api/albums/{track['album']['id']}/").json()
        assert track["id"] in [t["id"] for t in album["tracks"]]
        if "/cover?" in album["image_url"]:
            cover = client.get(album["image_url"].replace("size=300", "size=64"))
            assert cover.status_code == 200
            assert max(Image.open(io.BytesIO(cover.content)).size) <= 64
