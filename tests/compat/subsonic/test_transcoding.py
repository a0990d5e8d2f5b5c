"""stream with format / maxBitRate / timeOffset / estimateContentLength: ffmpeg's output,
decoded by ffprobe; the original file whenever no transcode is asked; busy is 429."""

import json
import shutil

import numpy as np
import pytest

from rubysound.catalog.models import Listen, Track
from rubysound.catalog.streaming import transcode
from tests.catalog.conftest import write_audio
from tests.catalog.streaming.ffprobe import probe
from tests.compat.subsonic.schema_check import validate

pytestmark = [
    # Django's sync test client drains our async body through async_to_sync and says so.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous"),
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]


@pytest.fixture(autouse=True)
def _transcode_cache(settings, tmp_path):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    settings.FFMPEG_BINARY = ""
    settings.TRANSCODE_CACHE_DIR = tmp_path / "transcodes"
    settings.TRANSCODE_MAX_CONCURRENT = 2
    return settings.TRANSCODE_CACHE_DIR


def body(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


def closed(response):
    """The response with its body read (so its transcode has ended): the test client never
    closes a response, and closing one here would close the test's database connection."""
    body(response)
    return response


@pytest.fixture(autouse=True)
def _no_transcode_left_running():
    yield
    assert transcode.SLOTS.active == 0


def first_track() -> Track:
    return Track.objects.filter(source=Track.Source.LIBRARY).order_by("pk").first()


@pytest.mark.parametrize(
    ("params", "codec", "content_type"),
    [
        ({"format": "mp3", "maxBitRate": "64"}, "mp3", "audio/mpeg"),
        ({"format": "opus"}, "opus", "audio/ogg"),
        ({"format": "aac", "maxBitRate": "48"}, "aac", "audio/aac"),
        ({"maxBitRate": "32"}, "opus", "audio/ogg"),  # only a bitrate: opus
    ],
)
def test_transcoded_bytes_decode(subsonic, scanned_library, tmp_path, params, codec, content_type):
    track = first_track()
    response = subsonic.raw("stream", {"id": f"tr-{track.pk}", **params})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Accept-Ranges"] == "none"
    data = body(response)
    facts = probe(data, tmp_path)
    assert facts["streams"][0]["codec_name"] == codec
    assert float(facts["format"]["duration"]) == pytest.approx(track.duration, abs=0.3)
    assert not Listen.objects.exists()


@pytest.fixture
def long_song(library_root) -> Track:
    """One 8-second FLAC of noise (about 350 kbps, more than any bitrate asked here),
    scanned: long enough that an offset visibly shortens it."""
    from rubysound.catalog.services import scan_library

    noise = np.random.default_rng(3).uniform(-0.3, 0.3, 8 * 22050).astype(np.float32)
    write_audio(
        library_root / "Seeker" / "Far" / "01 Long.flac",
        samples=noise,
        sample_rate=22050,
        tags={"title": "Long", "artist": "Seeker", "album": "Far", "tracknumber": "1"},
    )
    summary = scan_library()
    assert not summary.failed
    return Track.objects.get(title="Long")


def test_time_offset_shortens_the_output(subsonic, long_song, tmp_path):
    whole = body(subsonic.raw("stream", {"id": f"tr-{long_song.pk}", "format": "mp3"}))
    later = body(
        subsonic.raw("stream", {"id": f"tr-{long_song.pk}", "format": "mp3", "timeOffset": "5"})
    )
    # mp3 frames round each end up by a fraction of a second.
    whole_seconds = float(probe(whole, tmp_path)["format"]["duration"])
    later_seconds = float(probe(later, tmp_path)["format"]["duration"])
    assert whole_seconds == pytest.approx(8.0, abs=0.3)
    assert later_seconds == pytest.approx(3.0, abs=0.3)
    assert len(later) < len(whole) / 2


def test_estimate_content_length_is_duration_times_bitrate(subsonic, long_song, tmp_path):
    params = {"id": f"tr-{long_song.pk}", "format": "mp3", "maxBitRate": "64"}
    response = subsonic.raw("stream", {**params, "estimateContentLength": "true"})
    expected = int(long_song.duration * 64_000 / 8)
    assert response["Content-Length"] == str(expected)
    data = body(response)
    assert len(data) == expected  # exactly what was announced, and it still decodes
    assert probe(data, tmp_path)["streams"][0]["codec_name"] == "mp3"
    # Without the flag no length is promised.
    unestimated = closed(subsonic.raw("stream", {**params, "maxBitRate": "96"}))
    assert not unestimated.has_header("Content-Length")


def test_a_finished_transcode_is_served_from_the_disk_cache(subsonic, long_song, settings):
    params = {"id": f"tr-{long_song.pk}", "format": "opus", "maxBitRate": "48"}
    first = subsonic.raw("stream", params)
    assert first["X-Transcode-Cache"] == "miss"
    first_bytes = body(first)
    cached = list(settings.TRANSCODE_CACHE_DIR.iterdir())
    assert [path.stat().st_size for path in cached] == [len(first_bytes)]

    second = subsonic.raw("stream", params)
    assert second["X-Transcode-Cache"] == "hit"
    assert second["Content-Length"] == str(len(first_bytes))
    assert body(second) == first_bytes
    # Another bitrate is another transcode.
    other = closed(subsonic.raw("stream", {**params, "maxBitRate": "64"}))
    assert other["X-Transcode-Cache"] == "miss"


def test_over_the_limit_is_429_with_retry_after(subsonic, long_song, settings):
    settings.TRANSCODE_MAX_CONCURRENT = 1
    params = {"id": f"tr-{long_song.pk}", "format": "mp3", "f": "json"}
    running = subsonic.raw("stream", params)  # its body not read yet: still transcoding
    assert running.status_code == 200
    busy = subsonic.raw("stream", params)
    assert busy.status_code == 429
    assert int(busy["Retry-After"]) > 0
    error = json.loads(busy.content)["subsonic-response"]
    assert error["status"] == "failed"
    validate("stream", {"subsonic-response": error})
    body(running)  # read to its end: the slot is free again
    assert closed(subsonic.raw("stream", {**params, "maxBitRate": "64"})).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"format": "raw"},
        {"format": "raw", "maxBitRate": "32"},
        {"maxBitRate": "0"},
        {"maxBitRate": "100000"},  # at or above the file's own
        {"format": "flac"},  # the file's own format
        {"format": "flv"},  # one we do not make, and no cap: the original
        {"timeOffset": "3"},  # seeking alone is no transcode
    ],
)
def test_the_original_file_when_no_transcode_is_asked(subsonic, long_song, params):
    response = subsonic.raw("stream", {"id": f"tr-{long_song.pk}", **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == (transcode.Path(long_song.library_root) / long_song.path).read_bytes()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"format": "mp3", "timeOffset": "-1"}, 0),
        ({"format": "mp3", "timeOffset": "soon"}, 0),
        ({"format": "mp3", "timeOffset": "nan"}, 0),
        ({"format": "mp3", "timeOffset": "9"}, 0),  # past the end of the song
        ({"format": "mp3", "maxBitRate": "-5"}, 0),
        ({"format": "mp3", "maxBitRate": "lots"}, 0),
        ({"format": "mp3", "id": "tr-99999"}, 70),
        ({"format": "mp3", "id": "al-1"}, 70),
    ],
)
def test_bad_transcode_parameters_are_protocol_errors(subsonic, long_song, params, code):
    error = subsonic.error("stream", {"id": f"tr-{long_song.pk}", **params})
    assert error["code"] == code


def test_transcode_offset_is_advertised_with_ffmpeg(subsonic):
    body = subsonic.ok("getOpenSubsonicExtensions")
    validate("getOpenSubsonicExtensions", {"subsonic-response": body})
    assert {"name": "transcodeOffset", "versions": [1]} in body["openSubsonicExtensions"]


def test_without_ffmpeg_only_original_files_are_streamed(subsonic, long_song, settings, client):
    settings.FFMPEG_BINARY = str(transcode.Path(settings.BASE_DIR) / "no-such-ffmpeg")
    response = closed(subsonic.raw("stream", {"id": f"tr-{long_song.pk}", "format": "mp3"}))
    assert response["Content-Type"] == "audio/flac"
    extensions = subsonic.ok("getOpenSubsonicExtensions")["openSubsonicExtensions"]
    assert "transcodeOffset" not in {extension["name"] for extension in extensions}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    check = ready.json()["checks"]["transcoding"]
    assert check["ok"] is False
    assert check["critical"] is False


def test_ready_reports_ffmpeg(client):
    check = client.get("/health/ready").json()["checks"]["transcoding"]
    assert check == {**check, "ok": True, "critical": False, "detail": "ffmpeg"}
