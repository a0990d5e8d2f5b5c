"""The demo library on disk: real files, deterministic from the seed, idempotent."""

import hashlib
from pathlib import Path

from rubysound.catalog.library.tags import AudioTags, read_tags
from rubysound.demo.library import demo_root, generate_demo_library
from tests.catalog.conftest import TINY

SMALL = {**TINY, "artists": 3}  # three albums: one FLAC, one Ogg Vorbis, one MP3


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    first = generate_demo_library(tmp_path / "one", **SMALL)
    second = generate_demo_library(tmp_path / "two", **SMALL)
    other = generate_demo_library(tmp_path / "three", **{**SMALL, "seed": 8})

    assert first.tracks == second.tracks
    assert digests(first.root) == digests(second.root)
    assert first.artists != other.artists


def test_the_files_are_real_tagged_audio_in_three_formats_with_covers(tmp_path):
    summary = generate_demo_library(tmp_path, **SMALL)

    assert {t.format for t in summary.tracks} == {"flac", "ogg", "mp3"}
    assert len(summary.tracks) == 9
    for plan in summary.tracks:
        tags = read_tags(tmp_path / plan.path)
        assert isinstance(tags, AudioTags), tags
        assert (tags.title, tags.artist, tags.album, tags.genres) == (
            plan.title,
            plan.artist,
            plan.album,
            [plan.genre],
        )
        assert (tags.track_number, tags.disc_number, tags.year) == (
            plan.track_number,
            1,
            plan.year,
        )
        assert tags.format == plan.format
        assert SMALL["min_seconds"] - 0.1 <= tags.duration <= SMALL["max_seconds"] + 0.1
        assert (tags.cover is not None) == (plan.cover == "embedded")
        if plan.cover not in {"", "embedded"}:
            assert (tmp_path / plan.path).parent.joinpath(plan.cover).is_file()


def test_a_second_run_keeps_the_files_and_a_missing_one_is_rewritten(tmp_path):
    first = generate_demo_library(tmp_path, **TINY)
    assert first.written == 9  # six tracks, one folder image, two albums' first lyrics
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}

    again = generate_demo_library(tmp_path, **TINY)
    assert (again.written, again.kept, again.generated) == (0, 9, False)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == mtimes

    (tmp_path / first.tracks[0].path).unlink()
    repaired = generate_demo_library(tmp_path, **TINY)
    assert (repaired.written, repaired.kept) == (1, 8)


def test_another_seed_replaces_the_earlier_demo_files_only(tmp_path):
    generate_demo_library(tmp_path, **TINY)
    (tmp_path / "my own music.flac").write_bytes(b"keep me")

    replaced = generate_demo_library(tmp_path, **{**TINY, "seed": 99})

    assert replaced.removed == 9
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    expected = {t.path for t in replaced.tracks} | {"my own music.flac", ".rubysound-demo.json"}
    expected |= {
        f"{Path(t.path).parent.as_posix()}/{t.cover}"
        for t in replaced.tracks
        if t.cover != "embedded"
    }
    expected |= {f"{t.path.rpartition('.')[0]}.lrc" for t in replaced.tracks if t.track_number == 1}
    assert files == expected


def test_the_default_place_is_inside_the_first_library_folder(settings, tmp_path):
    settings.LIBRARY_DIRS = [tmp_path / "music", tmp_path / "more"]
    assert demo_root() == tmp_path / "music" / "RubySound Demo"


def test_the_first_track_of_each_album_has_synced_lyrics_beside_it(tmp_path):
    from rubysound.catalog.library.lyrics import lrc_beside

    summary = generate_demo_library(tmp_path, **TINY)
    with_lyrics = {plan.path: lrc_beside(tmp_path / plan.path) for plan in summary.tracks}
    firsts = {plan.path for plan in summary.tracks if plan.track_number == 1}
    assert {path for path, lyrics in with_lyrics.items() if lyrics} == firsts
    for path in firsts:
        lyrics = with_lyrics[path]
        assert lyrics.synced
        assert lyrics.lang == "en"
        starts = [line.start_ms for line in lyrics.lines]
        assert starts == sorted(starts)
        plan = next(plan for plan in summary.tracks if plan.path == path)
        assert starts[0] >= 0
        assert starts[-1] < plan.seconds * 1000
