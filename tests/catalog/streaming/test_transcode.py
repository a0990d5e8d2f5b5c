"""The transcoder: when a request needs ffmpeg at all, what it produces, the limit of
running transcodes, and the disk cache with its least-recently-used eviction."""

import os
import shutil

import pytest
from django.test import RequestFactory

from rubysound.catalog.errors import TranscodeBusy
from rubysound.catalog.models import Track
from rubysound.catalog.streaming import transcode
from tests.catalog.media_files import library_track
from tests.catalog.streaming.ffprobe import probe

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="no ffmpeg")


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.FFMPEG_BINARY = ""
    settings.TRANSCODE_CACHE_DIR = tmp_path / "transcodes"
    settings.TRANSCODE_MAX_CONCURRENT = 1
    settings.TRANSCODE_CACHE_MAX_BYTES = 10 * 1024 * 1024
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""


def a_track(fmt: str = "flac", kbps: int | None = 900) -> Track:
    return Track(format=fmt, path=f"a/b.{fmt}", bitrate=kbps * 1000 if kbps else None)


# --- When to transcode ---------------------------------------------------------------------


@needs_ffmpeg
@pytest.mark.parametrize(
    ("track", "asked", "expected"),
    [
        (a_track(), {}, None),
        (a_track(), {"format": "raw"}, None),
        (a_track(), {"format": "raw", "max_kbps": 64}, None),
        (a_track(), {"max_kbps": 0}, None),  # 0: no limit
        (a_track(), {"max_kbps": 900}, None),  # at the file's own bitrate
        (a_track(), {"format": "flac"}, None),
        (a_track(), {"format": "flv"}, None),
        (a_track(), {"max_kbps": 128}, ("opus", 128)),  # only a bitrate: opus
        (a_track(), {"format": "flv", "max_kbps": 96}, ("opus", 96)),
        (a_track(), {"format": "MP3"}, ("mp3", 192)),
        (a_track(), {"format": "aac", "max_kbps": 5000}, ("aac", 320)),
        (a_track(), {"format": "opus", "max_kbps": 8}, ("opus", 32)),
        (a_track("mp3", 320), {"format": "mp3"}, None),
        (a_track("mp3", 320), {"format": "mp3", "max_kbps": 128}, ("mp3", 128)),
        (a_track("mp3", 128), {"format": "opus", "max_kbps": 320}, ("opus", 320)),
        (a_track("mp3", None), {"max_kbps": 128}, ("opus", 128)),  # unknown bitrate: cap it
    ],
)
def test_plan(track, asked, expected):
    plan = transcode.plan_transcode(track, **asked)
    got = (plan.target.name, plan.kbps) if plan else None
    assert got == expected


def test_no_ffmpeg_plans_no_transcode(settings, tmp_path):
    settings.FFMPEG_BINARY = str(tmp_path / "missing-ffmpeg")
    assert not transcode.transcoding_available()
    assert transcode.plan_transcode(a_track(), format="mp3", max_kbps=96) is None


def test_ffmpeg_binary_names_the_configured_one(settings, tmp_path):
    fake = tmp_path / "my-ffmpeg"
    fake.write_text("#!/bin/sh\n")
    settings.FFMPEG_BINARY = str(fake)
    assert transcode.ffmpeg_binary() is None  # not executable
    fake.chmod(0o755)
    assert transcode.ffmpeg_binary() == str(fake)


def test_estimated_length():
    track = Track(duration=10.0)
    plan = transcode.Transcode(transcode.TARGETS["mp3"], 128, offset_seconds=4.0)
    assert transcode.estimated_length(track, plan) == 6 * 128_000 // 8
    assert transcode.estimated_length(Track(duration=None), plan) is None


# --- The response --------------------------------------------------------------------------


async def drain(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


@pytest.fixture
def song(db, settings, tmp_path):
    root = tmp_path / "library"
    root.mkdir()
    settings.LIBRARY_DIRS = [root]
    track, _ = library_track(root, "Artist/Album/01 Song.flac", "flac", seconds=3.0)
    return track


@needs_ffmpeg
@pytest.mark.django_db(transaction=True)
async def test_transcode_then_the_cached_copy(song, tmp_path, settings):
    request = RequestFactory().get("/")
    plan = transcode.Transcode(transcode.TARGETS["mp3"], 96)
    first = await transcode.transcode_response(request, song, plan)
    assert first["X-Transcode-Cache"] == "miss"
    assert first["Content-Type"] == "audio/mpeg"
    produced = await drain(first)
    assert probe(produced, tmp_path)["streams"][0]["codec_name"] == "mp3"
    assert transcode.SLOTS.active == 0

    second = await transcode.transcode_response(request, song, plan)
    assert second["X-Transcode-Cache"] == "hit"
    assert await drain(second) == produced


@needs_ffmpeg
@pytest.mark.django_db(transaction=True)
async def test_one_more_than_the_limit_is_refused_before_starting(song):
    request = RequestFactory().get("/")
    plan = transcode.Transcode(transcode.TARGETS["opus"], 64)
    running = await transcode.transcode_response(request, song, plan)
    with pytest.raises(TranscodeBusy) as refused:
        await transcode.transcode_response(request, song, plan)
    assert refused.value.status == 429
    assert refused.value.retry_after > 0
    running.close()  # a response closed unread gives its slot back
    assert transcode.SLOTS.active == 0
    await drain(await transcode.transcode_response(request, song, plan))


@needs_ffmpeg
@pytest.mark.django_db(transaction=True)
async def test_head_starts_no_transcode(song):
    request = RequestFactory().head("/")
    plan = transcode.Transcode(transcode.TARGETS["aac"], 64)
    response = await transcode.transcode_response(request, song, plan, estimate_length=True)
    assert not response.streaming
    assert int(response["Content-Length"]) == transcode.estimated_length(song, plan)
    assert transcode.SLOTS.active == 0


# --- Eviction ------------------------------------------------------------------------------


def test_eviction_removes_the_least_recently_used_first(settings):
    folder = settings.TRANSCODE_CACHE_DIR
    folder.mkdir(parents=True)
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = folder / f"{name}.mp3"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 - age * 100, 1_000_000 - age * 100))
    (folder / ".writing.part").write_bytes(b"x" * 5000)  # a transcode still running

    transcode.evict(limit=2000)
    assert sorted(path.name for path in folder.iterdir()) == [
        ".writing.part",
        "middle.mp3",
        "newest.mp3",
    ]
    transcode.evict(limit=0)
    assert [path.name for path in folder.iterdir()] == [".writing.part"]


@needs_ffmpeg
@pytest.mark.django_db(transaction=True)
async def test_a_cache_hit_makes_a_file_the_most_recently_used(song, settings):
    request = RequestFactory().get("/")
    settings.TRANSCODE_MAX_CONCURRENT = 2
    low = transcode.Transcode(transcode.TARGETS["mp3"], 32)
    high = transcode.Transcode(transcode.TARGETS["mp3"], 64)
    await drain(await transcode.transcode_response(request, song, low))
    await drain(await transcode.transcode_response(request, song, high))
    low_path = transcode.cache_path(transcode.locate(song).path, low)
    high_path = transcode.cache_path(transcode.locate(song).path, high)
    os.utime(low_path, (1, 1))
    os.utime(high_path, (2, 2))
    # Reading the older one makes it the newer: the cap then removes the other.
    await drain(await transcode.transcode_response(request, song, low))
    transcode.evict(limit=low_path.stat().st_size)
    assert low_path.exists()
    assert not high_path.exists()
