"""stream, download and getCoverArt: the original bytes with ranges and validators, covers
at a size, never a counted play, never kept by a shared cache."""

from pathlib import Path

import pytest

from rubysound.catalog.models import Album, Listen, Track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _served_by_django(settings):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""


def body(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


def first_track() -> Track:
    return Track.objects.filter(source=Track.Source.LIBRARY).order_by("pk").first()


def file_bytes(track: Track) -> bytes:
    return (Path(track.library_root) / track.path).read_bytes()


@pytest.mark.parametrize("op", ["stream", "download", "stream.view"])
def test_stream_is_the_original_file(subsonic, scanned_library, op):
    track = first_track()
    response = subsonic.raw(op, {"id": f"tr-{track.pk}"})
    assert response.status_code == 200
    expected_type = {"flac": "audio/flac", "ogg": "audio/ogg", "mp3": "audio/mpeg"}
    assert response["Content-Type"] == expected_type[track.format]
    assert body(response) == file_bytes(track)
    assert response["ETag"]
    assert response["Cache-Control"].startswith("private")
    # Apps report plays with scrobble: streaming counts none.
    assert not Listen.objects.exists()


def test_stream_honours_range_and_etag(subsonic, scanned_library):
    track = first_track()
    whole = file_bytes(track)
    partial = subsonic.raw("stream", {"id": f"tr-{track.pk}"}, HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206
    assert body(partial) == whole[10:20]
    assert partial["Content-Range"] == f"bytes 10-19/{len(whole)}"
    etag = partial["ETag"]
    again = subsonic.raw("stream", {"id": f"tr-{track.pk}"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_stream_post_form(subsonic, scanned_library):
    track = first_track()
    response = subsonic.raw("stream", {"id": f"tr-{track.pk}"}, method="post")
    assert body(response) == file_bytes(track)


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, 10), ({"id": "al-1"}, 70), ({"id": "tr-99999"}, 70), ({"id": "nonsense"}, 70)],
)
def test_stream_errors_are_protocol_errors(subsonic, scanned_library, params, code):
    assert subsonic.error("stream", params)["code"] == code


def test_stream_needs_credentials(subsonic, scanned_library):
    track = first_track()
    error = subsonic.error("stream", {"id": f"tr-{track.pk}"}, auth="none")
    assert error["code"] == 10
    wrong = subsonic.json(
        "stream", {"id": f"tr-{track.pk}", "u": subsonic.username, "p": "x"}, auth="none"
    )
    assert wrong["error"]["code"] == 40


def test_missing_file_is_70(subsonic, scanned_library):
    track = first_track()
    (Path(track.library_root) / track.path).unlink()
    assert subsonic.error("stream", {"id": f"tr-{track.pk}"})["code"] == 70


def test_cover_art_of_album_song_and_artist(subsonic, scanned_library):
    album = Album.objects.exclude(cover="").order_by("pk").first()
    assert album is not None
    track = album.tracks.first()
    for cover_id in (f"al-{album.pk}", f"tr-{track.pk}", f"ar-{album.artist_id}"):
        response = subsonic.raw("getCoverArt", {"id": cover_id, "size": "64"})
        assert response.status_code == 200, cover_id
        assert response["Content-Type"] in ("image/jpeg", "image/webp")
        assert response["Cache-Control"].startswith("private")
        assert len(body(response)) > 100


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 10),
        ({"id": "pl-1"}, 70),
        ({"id": "al-99999"}, 70),
        ({"id": "al-1", "size": "-3"}, 0),
        ({"id": "al-1", "size": "huge"}, 0),
    ],
)
def test_cover_art_errors(subsonic, scanned_library, params, code):
    assert subsonic.error("getCoverArt", params)["code"] == code
