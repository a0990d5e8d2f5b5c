"""Reading tags: every format round-trips, missing tags fall back, bad files never raise."""

import os

import pytest

from rubysound.catalog.library.tags import UNKNOWN_ARTIST, AudioTags, TagError, read_tags
from tests.catalog.conftest import build_m4a, jpeg_bytes, write_audio

FULL_TAGS = {
    "title": "Jóga",
    "artist": "Björk",
    "album": "Homogenic",
    "albumartist": "Björk",
    "genre": "Electronic",
    "tracknumber": "3/10",
    "discnumber": "1/1",
    "date": "1997-09-22",
    "musicbrainz_trackid": "a3b5d9f2-4c1e-4f6a-9b7d-2e8c0f1a2b3c",
    "musicbrainz_artistid": "87c5dedd-371d-4a53-9f7f-80522fb7f3cb",
    "musicbrainz_albumid": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
}
# format -> (codec, sample rate)
FORMATS = {
    "flac": ("flac", 8000),
    "ogg": ("vorbis", 8000),
    "opus": ("opus", 48000),
    "mp3": ("mp3", 16000),
    "wav": ("pcm", 8000),
    "m4a": ("aac", 8000),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_round_trips_its_tags_and_facts(tmp_path, fmt):
    cover = jpeg_bytes("teal")
    path = write_audio(tmp_path / f"song.{fmt}", seconds=1.5, tags=FULL_TAGS, cover=cover)

    tags = read_tags(path)

    assert isinstance(tags, AudioTags), tags
    codec, rate = FORMATS[fmt]
    assert (tags.format, tags.codec, tags.sample_rate, tags.channels) == (
        fmt,
        codec,
        rate,
        1 + (fmt == "m4a"),
    )
    assert tags.title == "Jóga"
    assert tags.artist == tags.album_artist == "Björk"
    assert tags.album == "Homogenic"
    assert tags.genres == ["Electronic"]
    assert (tags.track_number, tags.year) == (3, 1997)
    assert tags.disc_number == 1
    assert tags.duration == pytest.approx(1.5, abs=0.1)
    assert (tags.bitrate or 0) > 0
    assert tags.mbid == FULL_TAGS["musicbrainz_trackid"]
    assert tags.artist_mbid == FULL_TAGS["musicbrainz_artistid"]
    assert tags.album_mbid == FULL_TAGS["musicbrainz_albumid"]
    assert tags.cover == cover
    assert tags.cover_mime == "image/jpeg"
    assert tags.warnings == []


def test_missing_title_and_artist_fall_back_to_file_name_and_unknown_artist(tmp_path):
    path = write_audio(tmp_path / "07 - Night Drive.flac", tags={"album": "Nowhere"})

    tags = read_tags(path)

    assert tags.title == "07 - Night Drive"
    assert tags.artist == UNKNOWN_ARTIST
    assert tags.album_artist == ""
    assert (tags.track_number, tags.year, tags.genres) == (None, None, [])
    assert tags.cover is None


def _truncated_ogg(tmp_path):
    data = write_audio(tmp_path / "source.ogg", seconds=1).read_bytes()
    return data[:300]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("zero.mp3", b"", "empty file"),
        ("noise.flac", os.urandom(4096), "not a valid FLAC file"),
        ("letter.mp3", b"Dear reader,\n" * 200, "not a valid MP3 file"),
        ("noise.m4a", os.urandom(2048), "not a recognisable audio file"),
        ("noise.wav", b"RIFF" + os.urandom(500), "not a valid WAV file"),
    ],
)
def test_broken_files_give_a_reason_instead_of_raising(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = read_tags(path)
    assert isinstance(result, TagError)
    assert reason in result.reason


def test_a_truncated_ogg_and_a_truncated_m4a_are_errors(tmp_path):
    ogg = tmp_path / "cut.ogg"
    ogg.write_bytes(_truncated_ogg(tmp_path))
    m4a = tmp_path / "cut.m4a"
    m4a.write_bytes(build_m4a()[:200])  # ftyp and the start of moov

    assert isinstance(read_tags(ogg), TagError)
    result = read_tags(m4a)
    assert isinstance(result, TagError), result
    assert "M4A" in result.reason


def test_a_file_with_the_wrong_extension_is_read_by_its_content(tmp_path):
    ogg = write_audio(tmp_path / "real.ogg", tags={"title": "Misnamed"})
    misnamed = ogg.rename(tmp_path / "misnamed.flac")

    tags = read_tags(misnamed)

    assert isinstance(tags, AudioTags), tags
    assert (tags.title, tags.format) == ("Misnamed", "ogg")
    assert tags.warnings == ["content is OggVorbis, not what the name .flac says"]


def test_a_missing_file_is_an_error(tmp_path):
    result = read_tags(tmp_path / "gone.mp3")
    assert isinstance(result, TagError)
    assert "cannot read" in result.reason
