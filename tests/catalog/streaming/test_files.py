"""GET/HEAD /api/tracks/<id>/stream against real encoded files on disk, byte for byte."""

import asyncio
import logging
import os

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import RequestFactory
from django.utils.http import http_date

from rubysound.catalog.api import library as api
from rubysound.catalog.models import Track
from rubysound.catalog.streaming import files as streaming
from rubysound.core.http import ranges
from tests.catalog.media_files import library_track, write_audio
from tests.factories import TrackFactory

pytestmark = [
    # Django's sync test client drains our async body through async_to_sync and says so.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous"),
]

CONTENT_TYPES = {"flac": "audio/flac", "ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}


@pytest.fixture
def library(tmp_path, settings):
    root = tmp_path / "library"
    root.mkdir()
    settings.LIBRARY_DIRS = [root]
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    return root


@pytest.fixture
def song(db, library):
    """(track, bytes): a two-second FLAC of a few tens of kilobytes."""
    return library_track(library, "Artist/Album/01 Song.flac", "flac", seconds=2.0)


def url(track) -> str:
    return f"/api/tracks/{track.pk}/stream"


def body(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


# --- Whole files --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["flac", "ogg", "mp3", "wav"])
def test_the_whole_file_with_its_audio_type_and_validators(client, db, library, fmt):
    track, content = library_track(library, f"songs/song.{fmt}", fmt)
    response = client.get(url(track))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert response["Content-Length"] == str(len(content))
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"')
    assert response["ETag"].endswith('"')
    assert response["Last-Modified"] == http_date(int(os.stat(library / track.path).st_mtime))
    assert response["Cache-Control"] == "public, max-age=86400"
    assert "Content-Range" not in response
    assert body(response) == content


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("opus", "audio/ogg"),
        ("m4a", "audio/mp4"),
        ("MP3", "audio/mpeg"),
        ("wav", "audio/wav"),
        ("", "application/octet-stream"),
    ],
)
def test_content_type_follows_the_stored_format(fmt, expected):
    assert streaming.content_type_for(Track(format=fmt)) == expected


def test_content_type_falls_back_to_the_extension(tmp_path):
    assert streaming.content_type_for(Track(format=""), tmp_path / "a.opus") == "audio/ogg"


# --- Ranges -------------------------------------------------------------------------------


def _expected_range(spec: str, size: int) -> tuple[int, int]:
    first, last = spec.split("-")
    if first == "":
        return size - int(last), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


@pytest.mark.parametrize("spec", ["0-0", "0-99", "100-", "-100", "100-99999999", "7-7", "0-", "-1"])
def test_a_single_range_is_served_byte_exact(client, song, spec):
    track, content = song
    size = len(content)
    first, last = _expected_range(spec, size)
    response = client.get(url(track), HTTP_RANGE=f"bytes={spec}")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "audio/flac"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == content[first : last + 1]


def test_a_suffix_longer_than_the_file_is_the_whole_file(client, song):
    track, content = song
    response = client.get(url(track), HTTP_RANGE="bytes=-99999999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{len(content) - 1}/{len(content)}"
    assert body(response) == content


def test_the_last_byte_and_a_range_ending_exactly_at_the_end(client, song):
    track, content = song
    size = len(content)
    last = client.get(url(track), HTTP_RANGE=f"bytes={size - 1}-")
    assert last.status_code == 206
    assert body(last) == content[-1:]
    exact = client.get(url(track), HTTP_RANGE=f"bytes=10-{size - 1}")
    assert body(exact) == content[10:]


@pytest.mark.parametrize("spec", ["{size}-", "{size}-{more}", "-0", "99999999999999999999-"])
def test_unsatisfiable_ranges_are_416_with_the_size(client, song, spec):
    track, content = song
    size = len(content)
    response = client.get(url(track), HTTP_RANGE="bytes=" + spec.format(size=size, more=size + 10))
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert response.json()["code"] == "range_not_satisfiable"
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=5-2",
        "items=0-1",
        "bytes=0-1,4-5",
        "bytes=-",
        "bytes",
        "bytes=",
        "bytes=1-2-3",
        "bytes=0x10-",
        "bytes=١-٢",  # non-ASCII digits
        "bytes=+1-2",
        "bytes=1 -2",
        "=0-1",
        "bytes=0-1, -",
    ],
)
def test_malformed_or_multiple_ranges_get_the_whole_file(client, song, header):
    track, content = song
    response = client.get(url(track), HTTP_RANGE=header)
    assert response.status_code == 200
    assert "Content-Range" not in response
    assert body(response) == content


def test_the_range_unit_is_case_insensitive(client, song):
    track, content = song
    response = client.get(url(track), HTTP_RANGE="Bytes=2-5")
    assert response.status_code == 206
    assert body(response) == content[2:6]


def test_an_empty_file_is_served_whole_even_when_a_range_is_asked(client, db, library):
    (library / "empty.mp3").write_bytes(b"")
    track = TrackFactory(library_root=str(library), path="empty.mp3", format="mp3")
    response = client.get(url(track), HTTP_RANGE="bytes=0-10")
    assert response.status_code == 200
    assert response["Content-Length"] == "0"
    assert body(response) == b""


# --- HEAD ---------------------------------------------------------------------------------


def _call_view(method: str, track, **headers):
    """The view's own answer, before any server or test client drops a HEAD body."""
    request = getattr(RequestFactory(), method.lower())(url(track), **headers)
    return async_to_sync(api.track_stream)(request, pk=track.pk)


def test_head_has_the_headers_of_get_and_no_body(song):
    track, content = song
    head = _call_view("HEAD", track)
    get = _call_view("GET", track)
    assert head.status_code == 200
    assert not head.streaming
    assert head.content == b""
    for header in ("Content-Type", "Content-Length", "Accept-Ranges", "ETag", "Last-Modified"):
        assert head[header] == get[header], header
    assert head["Content-Length"] == str(len(content))
    get.close()


def test_head_with_a_range_describes_the_part(song):
    track, _ = song
    head = _call_view("HEAD", track, HTTP_RANGE="bytes=10-19")
    assert head.status_code == 206
    assert head["Content-Length"] == "10"
    assert head["Content-Range"].startswith("bytes 10-19/")
    assert head.content == b""


def test_other_methods_are_405_json(client, song):
    track, _ = song
    response = client.post(url(track))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


# --- Validators ---------------------------------------------------------------------------


def test_if_none_match_with_the_etag_is_304_without_a_body(client, song):
    track, _ = song
    etag = client.get(url(track))["ETag"]
    for header in (etag, f'"nope", {etag}', "*", f"W/{etag}"):
        response = client.get(url(track), HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 304, header
        assert response["ETag"] == etag
        assert response["Cache-Control"] == "public, max-age=86400"
        assert not body(response)


def test_if_none_match_with_another_etag_is_200(client, song):
    track, content = song
    response = client.get(url(track), HTTP_IF_NONE_MATCH='"something-else"')
    assert response.status_code == 200
    assert body(response) == content


def test_if_modified_since(client, song):
    track, content = song
    last_modified = client.get(url(track))["Last-Modified"]
    assert client.get(url(track), HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    older = http_date(os.stat(song[0].library_root + "/" + track.path).st_mtime - 3600)
    response = client.get(url(track), HTTP_IF_MODIFIED_SINCE=older)
    assert response.status_code == 200
    assert body(response) == content
    assert client.get(url(track), HTTP_IF_MODIFIED_SINCE="garbage").status_code == 200


def test_the_etag_changes_when_the_file_does(client, song, library):
    track, _ = song
    before = client.get(url(track))["ETag"]
    path = library / track.path
    new_content = write_audio(path, "flac", seconds=1.0)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    response = client.get(url(track), HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before
    assert body(response) == new_content


def test_if_match_that_fails_is_412_json(client, song):
    track, _ = song
    response = client.get(url(track), HTTP_IF_MATCH='"other"')
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


def test_if_range_with_the_current_etag_honours_the_range(client, song):
    track, content = song
    etag = client.get(url(track))["ETag"]
    response = client.get(url(track), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert response.status_code == 206
    assert body(response) == content[:10]


def test_if_range_with_the_last_modified_date_honours_the_range(client, song):
    track, content = song
    last_modified = client.get(url(track))["Last-Modified"]
    response = client.get(url(track), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE=last_modified)
    assert response.status_code == 206
    assert body(response) == content[5:10]


@pytest.mark.parametrize(
    "if_range", ['"stale-etag"', "W/{etag}", "Mon, 01 Jan 2001 00:00:00 GMT", "not a date"]
)
def test_if_range_that_does_not_match_gets_the_whole_file(client, song, if_range):
    track, content = song
    etag = client.get(url(track))["ETag"]
    response = client.get(
        url(track), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=if_range.format(etag=etag)
    )
    assert response.status_code == 200
    assert "Content-Range" not in response
    assert body(response) == content


# --- What has no stream -------------------------------------------------------------------


def _assert_404_json(response, code):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_unknown_tracks_are_404_json(client, db):
    _assert_404_json(client.get("/api/tracks/999999/stream"), "not_found")
    _assert_404_json(client.get(f"/api/tracks/{10**30}/stream"), "not_found")


def test_a_remote_track_has_no_stream(client, db):
    track = TrackFactory(
        source=Track.Source.REMOTE, library_root="", path="", preview_url="https://x.test/p.mp3"
    )
    response = client.get(url(track))
    _assert_404_json(response, "no_stream")
    assert "provider" in response.json()["detail"]


def test_a_missing_file_is_404_json_and_logged(client, db, library, caplog):
    track = TrackFactory(library_root=str(library), path="gone/away.flac")
    with caplog.at_level(logging.WARNING, logger="rubysound.catalog.streaming.files"):
        response = client.get(url(track))
    _assert_404_json(response, "file_unavailable")
    record = next(r for r in caplog.records if r.name == "rubysound.catalog.streaming.files")
    assert record.track_id == track.pk
    assert record.reason == "missing"


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "../outside.mp3", "."])
def test_paths_leaving_the_library_are_404(client, db, library, path):
    (library.parent / "outside.mp3").write_bytes(b"secret")
    track = TrackFactory(library_root=str(library), path=path, format="mp3")
    response = client.get(url(track))
    _assert_404_json(response, "file_unavailable")
    assert b"secret" not in response.content


def test_a_symlink_pointing_outside_the_library_is_404(client, db, library):
    outside = library.parent / "private"
    outside.mkdir()
    (outside / "secret.flac").write_bytes(b"secret")
    (library / "link.flac").symlink_to(outside / "secret.flac")
    (library / "linked-dir").symlink_to(outside, target_is_directory=True)
    for path in ("link.flac", "linked-dir/secret.flac"):
        track = TrackFactory(library_root=str(library), path=path)
        _assert_404_json(client.get(url(track)), "file_unavailable")


def test_a_symlink_inside_the_library_is_followed(client, db, library, song):
    real, content = song
    (library / "alias.flac").symlink_to(library / real.path)
    track = TrackFactory(library_root=str(library), path="alias.flac")
    response = client.get(url(track))
    assert response.status_code == 200
    assert body(response) == content


def test_a_file_under_a_root_that_is_not_configured_is_404(client, db, library, tmp_path):
    other = tmp_path / "elsewhere"
    write_audio(other / "song.flac")
    track = TrackFactory(library_root=str(other), path="song.flac")
    _assert_404_json(client.get(url(track)), "file_unavailable")


def test_directories_fifos_and_symlink_loops_are_404(client, db, library):
    (library / "folder.flac").mkdir()
    os.mkfifo(library / "pipe.flac")
    (library / "loop.flac").symlink_to(library / "loop.flac")
    paths = ["folder.flac", "pipe.flac", "loop.flac"]
    if connection.vendor == "sqlite":
        # SQLite can store a NUL in a path (PostgreSQL refuses it): it must not reach open().
        paths.append("bad\x00name.flac")
    for path in paths:
        track = TrackFactory(library_root=str(library), path=path)
        _assert_404_json(client.get(url(track)), "file_unavailable")
        assert client.head(url(track)).status_code == 404


# --- X-Accel-Redirect -----------------------------------------------------------------


def test_accel_redirect_hands_the_file_to_nginx(client, db, settings, tmp_path, library):
    first_root = tmp_path / "first"
    first_root.mkdir()
    settings.LIBRARY_DIRS = [first_root, library]
    settings.STREAM_ACCEL_REDIRECT_PREFIX = "/protected-library/"
    track, _ = library_track(library, "Björk/Début/01 Human Behaviour #1.flac")
    for method in (client.get, client.head):
        response = method(url(track), HTTP_RANGE="bytes=0-1")
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == (
            "/protected-library/1/Bj%C3%B6rk/D%C3%A9but/01%20Human%20Behaviour%20%231.flac"
        )
        assert response["Content-Type"] == "audio/flac"
        assert body(response) == b""


def test_accel_redirect_still_refuses_paths_outside_the_library(client, db, settings, library):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = "/protected-library"
    track = TrackFactory(library_root=str(library), path="../../etc/passwd")
    response = client.get(url(track))
    _assert_404_json(response, "file_unavailable")
    assert "X-Accel-Redirect" not in response


# --- Through the real ASGI application ------------------------------------------------


@pytest.fixture
def asgi_song(transactional_db, library, settings):
    # Routed through the edge cache: stream responses must be correct with or without it.
    settings.EDGE_CACHE_ENABLED = False
    return library_track(library, "asgi/song.wav", "wav", seconds=3.0)


async def _asgi_request(path: str, method: str = "GET", headers=()):
    from rubysound.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = []
    sent_request = False
    done = asyncio.Event()

    async def receive():
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await asyncio.wait_for(application(scope, receive, send), 20)
    start = messages[0]
    chunks = [m.get("body", b"") for m in messages[1:]]
    headers = {name.lower(): value for name, value in start["headers"]}
    return start["status"], headers, chunks


async def test_asgi_streams_the_file_in_many_chunks(asgi_song, monkeypatch):
    track, content = asgi_song
    monkeypatch.setattr(ranges, "STREAM_CHUNK_SIZE", 16 * 1024)
    status, headers, chunks = await _asgi_request(url(track))
    assert status == 200
    assert headers[b"content-type"] == b"audio/wav"
    assert headers[b"content-length"] == str(len(content)).encode()
    data_chunks = [c for c in chunks if c]
    assert len(data_chunks) >= len(content) // (16 * 1024)
    assert max(len(c) for c in data_chunks) <= 16 * 1024
    assert b"".join(chunks) == content


async def test_asgi_head_sends_no_body(asgi_song):
    track, content = asgi_song
    status, headers, chunks = await _asgi_request(url(track), method="HEAD")
    assert status == 200
    assert headers[b"content-length"] == str(len(content)).encode()
    assert b"".join(chunks) == b""


async def test_asgi_ranges_through_httpx(asgi_song):
    from rubysound.asgi import application

    track, content = asgi_song
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        whole = await http.get(url(track))
        part = await http.get(url(track), headers={"Range": "bytes=1000-"})
        tail = await http.get(url(track), headers={"Range": "bytes=-100"})
        beyond = await http.get(url(track), headers={"Range": f"bytes={len(content)}-"})
    assert whole.status_code == 200
    assert whole.content == content
    assert part.status_code == 206
    assert part.content == content[1000:]
    assert tail.content == content[-100:]
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(content)}"


async def test_asgi_with_the_edge_cache_on_serves_the_same_bytes(asgi_song, settings):
    from rubysound.asgi import application

    settings.EDGE_CACHE_ENABLED = True
    track, content = asgi_song
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        first = await http.get(url(track))
        second = await http.get(url(track))
        ranged = await http.get(url(track), headers={"Range": "bytes=0-9"})
    assert first.content == second.content == content
    assert ranged.status_code == 206
    assert ranged.content == content[:10]
