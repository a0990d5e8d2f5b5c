"""Tag values made safe: absurd values are tamed and reported, numbers and genres parsed,
the front cover preferred (read from real files)."""

import pytest
from mutagen.flac import FLAC, Picture

from rubysound.catalog.library.tags import read_tags
from tests.catalog.conftest import build_m4a, jpeg_bytes, write_audio


def test_absurd_values_are_sanitised_and_reported(tmp_path):
    path = write_audio(
        tmp_path / "absurd.flac",
        tags={
            "title": "A" * 10_000,
            "artist": "Bad\x00Name\x07",
            "album": "  \x00  ",
            "tracknumber": "0",
            "discnumber": "5000",
            "date": "3021",
            "musicbrainz_trackid": "not-a-uuid",
        },
    )

    tags = read_tags(path)

    assert tags.title == "A" * 255
    assert tags.artist == "BadName"
    assert tags.album == ""
    assert (tags.track_number, tags.disc_number, tags.year, tags.mbid) == (None, None, None, None)
    report = " | ".join(tags.warnings)
    for expected in (
        "truncated to 255",
        "control characters",
        "track number 0",
        "disc number 5000",
        "year 3021",
    ):
        assert expected in report


@pytest.mark.parametrize(
    ("tracknumber", "date", "expected"),
    [
        ("3/12", "2019-05-01", (3, 2019)),
        (" 07 ", "05/01/2019", (7, 2019)),
        ("1000", "999", (None, None)),
        ("A1", "sometime", (None, None)),
        ("999", "2100", (999, 2100)),
    ],
)
def test_numbers_and_years_in_the_shapes_tags_come_in(tmp_path, tracknumber, date, expected):
    path = write_audio(tmp_path / "n.ogg", tags={"tracknumber": tracknumber, "date": date})
    tags = read_tags(path)
    assert (tags.track_number, tags.year) == expected


def test_genres_are_split_and_deduplicated(tmp_path):
    path = write_audio(tmp_path / "g.flac", tags={"genre": ["Rock; ROCK / Pop", "Hip-Hop", ""]})
    assert read_tags(path).genres == ["Rock", "Pop", "Hip-Hop"]


def test_an_implausible_duration_is_dropped(tmp_path):
    # An M4A header claiming 4,294,967,295 seconds.
    data = bytearray(build_m4a(seconds=1))
    mdhd = data.index(b"mdhd")
    data[mdhd + 16 : mdhd + 20] = (1).to_bytes(4, "big")  # timescale: 1 tick a second
    data[mdhd + 20 : mdhd + 24] = (2**32 - 1).to_bytes(4, "big")  # duration in ticks
    (tmp_path / "long.m4a").write_bytes(bytes(data))

    tags = read_tags(tmp_path / "long.m4a")

    assert tags.duration is None
    assert any("duration" in warning for warning in tags.warnings)


def test_the_front_cover_is_preferred_over_other_pictures(tmp_path):
    path = write_audio(tmp_path / "pics.flac")
    audio = FLAC(path)
    for kind, color in ((4, "black"), (3, "gold")):  # back cover first, then the front
        picture = Picture()
        picture.type, picture.mime, picture.data = kind, "image/jpeg", jpeg_bytes(color)
        audio.add_picture(picture)
    audio.save()

    assert read_tags(path).cover == jpeg_bytes("gold")
