"""The demo library: real files, deterministic from the seed, idempotent, with listening."""

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from rubysound.accounts.models import User
from rubysound.catalog.demo import (
    DEMO_LISTENERS,
    GENRES,
    demo_root,
    generate_demo_library,
    plan_demo_library,
    plan_demo_listens,
)
from rubysound.catalog.models import Album, Listen, Track
from rubysound.catalog.tags import AudioTags, read_tags
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


def test_the_default_plan_has_the_expected_shape():
    names, tracks = plan_demo_library(
        seed=7,
        artists=12,
        albums_per_artist=2,
        tracks_per_album=6,
        min_seconds=10,
        max_seconds=30,
    )
    assert len(names) == len(set(names)) == 12
    assert len({(t.artist, t.album) for t in tracks}) == 24
    assert len(tracks) == 150
    assert {t.genre for t in tracks} == set(GENRES)
    assert Counter(t.format for t in tracks) == {"flac": 50, "ogg": 50, "mp3": 50}
    assert {t.cover for t in tracks} == {"embedded", "cover.jpg", "folder.jpg", "front.png"}
    assert all(10 <= t.seconds <= 30 for t in tracks)


def test_a_second_run_keeps_the_files_and_a_missing_one_is_rewritten(tmp_path):
    first = generate_demo_library(tmp_path, **TINY)
    assert first.written == 7  # six tracks and one folder image
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}

    again = generate_demo_library(tmp_path, **TINY)
    assert (again.written, again.kept, again.generated) == (0, 7, False)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == mtimes

    (tmp_path / first.tracks[0].path).unlink()
    repaired = generate_demo_library(tmp_path, **TINY)
    assert (repaired.written, repaired.kept) == (1, 6)


def test_another_seed_replaces_the_earlier_demo_files_only(tmp_path):
    generate_demo_library(tmp_path, **TINY)
    (tmp_path / "my own music.flac").write_bytes(b"keep me")

    replaced = generate_demo_library(tmp_path, **{**TINY, "seed": 99})

    assert replaced.removed == 7
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    expected = {t.path for t in replaced.tracks} | {"my own music.flac", ".rubysound-demo.json"}
    expected |= {
        f"{Path(t.path).parent.as_posix()}/{t.cover}"
        for t in replaced.tracks
        if t.cover != "embedded"
    }
    assert files == expected


def test_the_default_place_is_inside_the_first_library_folder(settings, tmp_path):
    settings.LIBRARY_DIRS = [tmp_path / "music", tmp_path / "more"]
    assert demo_root() == tmp_path / "music" / "RubySound Demo"


def test_listening_activity_has_hits_and_risers_and_is_reproducible():
    track_ids = list(range(100, 160))
    genres = [GENRES[i % len(GENRES)] for i in range(60)]
    users = list(range(1, 11))
    anchor = datetime(2026, 11, 26, tzinfo=UTC)

    rows = plan_demo_listens(track_ids, genres, users, seed=7, anchor=anchor)

    assert rows == plan_demo_listens(track_ids, genres, users, seed=7, anchor=anchor)
    assert rows != plan_demo_listens(track_ids, genres, users, seed=8, anchor=anchor)
    assert all(anchor - timedelta(days=56) <= at < anchor for _, _, at in rows)
    plays = Counter(track for _, track, _ in rows)
    ranked = [count for _, count in plays.most_common()]
    assert ranked[0] >= 4 * ranked[len(ranked) // 2]  # a few clear hits

    week = anchor - timedelta(days=7)
    recent = Counter(track for _, track, at in rows if at >= week)
    before = Counter(track for _, track, at in rows if week - timedelta(days=14) <= at < week)
    risers = [
        track
        for track in recent
        if recent[track] >= 3 * max(1, before[track])
        and len({user for user, t, at in rows if t == track and at >= week}) >= 5
    ]
    assert len(risers) >= 2


@pytest.mark.django_db
def test_the_command_builds_scans_and_animates_the_library_then_does_nothing_twice(
    settings, tmp_path
):
    settings.LIBRARY_DIRS = [(tmp_path / "library").resolve()]
    args = [
        "--artists=2",
        "--albums-per-artist=1",
        "--tracks-per-album=3",
        "--min-seconds=1",
        "--max-seconds=2",
        "--quiet",
    ]

    out = StringIO()
    call_command("demo_library", *args, stdout=out)

    report = out.getvalue()
    assert "Generated the demo library in" in report
    assert "Scan: 6 added" in report
    assert "Demo listeners: 10 accounts (10 new)" in report
    assert "Demo library ready in" in report
    assert Track.objects.filter(path__startswith="RubySound Demo/").count() == 6
    assert Album.objects.exclude(cover="").count() == 2
    listeners = User.objects.filter(username__in=DEMO_LISTENERS)
    assert listeners.count() == 10
    assert not any(user.has_usable_password() for user in listeners)
    listens = set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source"))
    assert len(listens) > 100
    assert {source for *_, source in listens} == {"demo"}

    again = StringIO()
    call_command("demo_library", *args, stdout=again)

    second = again.getvalue()
    assert "already present" in second
    assert "nothing to generate, rescanning only" in second
    assert "Scan: 0 added, 0 updated, 0 moved, 6 unchanged" in second
    assert "(0 new)" in second
    assert "(0 added, 0 replaced)" in second
    assert set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source")) == (
        listens
    )
