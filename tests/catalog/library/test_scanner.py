"""The library scanner, run over real files: what an operator sees after each scan."""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from mutagen.flac import FLAC
from PIL import Image

from rubysound.catalog.library.scanner import scan_library, watch_library
from rubysound.catalog.models import Album, Artist, Genre, Listen, Track
from tests.catalog.conftest import build_m4a, jpeg_bytes, write_audio
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def library_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".flac", ".ogg", ".mp3"})


def test_a_first_scan_adds_every_track_with_its_facts(tiny_library):
    root = tiny_library.root

    summary = scan_library()

    assert (summary.added, summary.updated, summary.unchanged) == (6, 0, 0)
    assert summary.failed == []
    assert "6 added" in summary.line()
    assert Track.objects.count() == 6
    assert Artist.objects.count() == 2
    assert Album.objects.count() == 2
    planned = {t.path: t for t in tiny_library.tracks}
    for track in Track.objects.select_related("artist", "album").prefetch_related("genres"):
        assert track.library_root == str(root)
        plan = planned[track.path]  # stored relative to the root, with / separators
        assert (track.title, track.artist.name, track.album.title) == (
            plan.title,
            plan.artist,
            plan.album,
        )
        assert [g.name for g in track.genres.all()] == [plan.genre]
        assert (track.track_number, track.disc_number, track.year) == (
            plan.track_number,
            1,
            plan.year,
        )
        assert track.format == plan.format
        assert track.duration == pytest.approx(plan.seconds, abs=0.1)
        assert track.size == (root / track.path).stat().st_size
        assert len(track.content_hash) == 64
        assert len(track.waveform) == 200
        assert (track.sample_rate, track.channels) == (32000, 1)
        assert track.bitrate > 0


def test_an_unchanged_library_is_rescanned_without_opening_a_file(
    scanned_library, tiny_library, django_assert_max_num_queries
):
    # Replace every file's content while keeping its size and mtime: a scanner that opened
    # the files would now fail on every one of them.
    for path in library_files(tiny_library.root):
        facts = path.stat()
        path.write_bytes(b"\x00" * facts.st_size)
        os.utime(path, ns=(facts.st_atime_ns, facts.st_mtime_ns))

    with django_assert_max_num_queries(2):  # the known files of the root; album covers
        summary = scan_library()

    assert (summary.added, summary.updated, summary.unchanged, summary.failed) == (0, 0, 6, [])
    assert not summary.changed


def test_scanning_twice_changes_nothing_the_second_time(scanned_library):
    before = list(Track.objects.order_by("pk").values())
    summary = scan_library()
    assert summary.unchanged == 6
    assert list(Track.objects.order_by("pk").values()) == before
    assert (Artist.objects.count(), Album.objects.count(), Genre.objects.count()) == (2, 2, 2)


def test_a_retagged_file_updates_its_track(scanned_library, tiny_library):
    plan = next(t for t in tiny_library.tracks if t.format == "flac")
    path = tiny_library.root / plan.path
    track = Track.objects.get(path=plan.path)
    audio = FLAC(path)
    audio["title"] = "A Brand New Title"
    audio["genre"] = ["Jazz", "Blues"]
    audio.save()

    summary = scan_library()

    assert (summary.updated, summary.unchanged, summary.added) == (1, 5, 0)
    track.refresh_from_db()
    assert track.title == "A Brand New Title"
    assert sorted(g.name for g in track.genres.all()) == ["Blues", "Jazz"]
    assert track.size == path.stat().st_size


def test_a_touched_file_with_the_same_content_is_unchanged(scanned_library, tiny_library):
    # One without an .lrc beside it: with one, the stored mtime is the later of the two.
    path = next(
        path for path in library_files(tiny_library.root) if not path.with_suffix(".lrc").exists()
    )
    os.utime(path, (1_700_000_000, 1_700_000_000))

    summary = scan_library()

    assert (summary.updated, summary.unchanged) == (0, 6)
    assert Track.objects.get(path=path.relative_to(tiny_library.root).as_posix()).mtime == (
        1_700_000_000
    )


def test_a_moved_file_keeps_its_track_and_listens(scanned_library, tiny_library):
    root = tiny_library.root
    source = library_files(root)[0]
    track = Track.objects.get(path=source.relative_to(root).as_posix())
    Listen.objects.create(user=UserFactory(), track=track, listened_at="2026-01-01T12:00Z")
    target = root / "Elsewhere" / f"renamed{source.suffix}"
    target.parent.mkdir()
    shutil.move(source, target)

    summary = scan_library(prune=True)

    assert (summary.moved, summary.added, summary.removed, summary.missing) == (1, 0, 0, 0)
    track.refresh_from_db()
    assert track.path == f"Elsewhere/renamed{source.suffix}"
    assert track.listens.count() == 1


def test_a_deleted_file_is_kept_until_prune_then_removed(scanned_library, tiny_library):
    root = tiny_library.root
    album_files = [p for p in library_files(root) if p.suffix == ".ogg"]
    album = Track.objects.get(path=album_files[0].relative_to(root).as_posix()).album
    for path in album_files:
        path.unlink()

    kept = scan_library()
    assert (kept.missing, kept.removed) == (3, 0)
    assert "3 missing (run with --prune to remove)" in kept.line()
    assert Track.objects.count() == 6

    pruned = scan_library(prune=True)
    assert (pruned.removed, pruned.missing) == (3, 0)
    assert Track.objects.count() == 3
    # The album and its artist had nothing else: they go too, with the cover file.
    assert not Album.objects.filter(pk=album.pk).exists()
    assert not Artist.objects.filter(pk=album.artist_id).exists()
    assert Artist.objects.count() == 1


def test_an_empty_root_is_not_pruned_as_if_everything_was_deleted(scanned_library, tiny_library):
    root = tiny_library.root
    shutil.rmtree(root)
    root.mkdir()  # an unmounted drive leaves its mount point behind, empty

    summary = scan_library(prune=True)

    assert summary.removed == 0
    assert "nothing removed" in summary.failed[0].reason
    assert Track.objects.count() == 6


def test_one_artist_however_it_is_cased_or_accented(library_root):
    for index, name in enumerate(["Björk", "BJORK", "  björk ", "Bjork"]):
        write_audio(library_root / f"{index}.flac", tags={"artist": name, "title": f"T{index}"})

    summary = scan_library()

    assert summary.added == 4
    assert list(Artist.objects.values_list("name", flat=True)) == ["Björk"]


def test_album_artist_groups_a_compilation(library_root):
    for index, artist in enumerate(["Ana", "Ben", "Chloé"]):
        write_audio(
            library_root / "Hits" / f"{index}.ogg",
            tags={"artist": artist, "album": "Hits", "albumartist": "Various Artists"},
        )

    scan_library()

    album = Album.objects.get()
    assert album.artist.name == "Various Artists"
    assert album.tracks.count() == 3
    assert sorted(Track.objects.values_list("artist__name", flat=True)) == ["Ana", "Ben", "Chloé"]


def test_a_folder_of_broken_files_is_reported_and_the_scan_goes_on(library_root):
    good = write_audio(library_root / "good.flac", tags={"title": "Still Here"})
    broken = library_root / "broken"
    broken.mkdir()
    (broken / "zero.mp3").write_bytes(b"")
    (broken / "noise.flac").write_bytes(os.urandom(8192))
    whole = write_audio(broken / "whole.ogg", seconds=1).read_bytes()
    (broken / "whole.ogg").unlink()
    (broken / "truncated.ogg").write_bytes(whole[:300])
    (broken / "readme.txt").write_text("not music")
    (broken / "loop").symlink_to(broken, target_is_directory=True)
    (broken / "self.mp3").symlink_to(broken / "self.mp3")
    (broken / "dangling.flac").symlink_to(broken / "nowhere.flac")
    os.mkfifo(broken / "pipe.mp3")
    write_audio(broken / "fine.mp3", tags={"title": "After The Wreckage"})

    summary = scan_library()

    reasons = {Path(issue.path).name: issue.reason for issue in summary.failed}
    assert reasons == {
        "zero.mp3": "empty file (0 bytes)",
        "noise.flac": reasons["noise.flac"],
        "truncated.ogg": reasons["truncated.ogg"],
        "loop": "symlink loop: leads back to a folder already scanned",
        "self.mp3": "symlink loop",
        "dangling.flac": "broken symlink: its target does not exist",
        "pipe.mp3": "not a regular file (pipe, socket or device)",
    }
    assert reasons["noise.flac"].startswith("not a valid FLAC file")
    assert reasons["truncated.ogg"].startswith("not a valid OGG file")
    assert summary.ignored == 1  # readme.txt: not audio, not a failure
    assert summary.added == 2
    assert set(Track.objects.values_list("title", flat=True)) == {
        "Still Here",
        "After The Wreckage",
    }
    assert good.exists()


def test_broken_files_are_listed_by_the_command_which_still_succeeds(library_root):
    write_audio(library_root / "good.flac")
    (library_root / "bad.mp3").write_bytes(b"RIFF nonsense" * 10)
    out = StringIO()

    call_command("scan_library", "--quiet", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        "Scan: 1 added, 0 updated, 0 moved, 0 unchanged, 0 removed, 1 failed"
    )
    assert lines[1].startswith(f"  failed: {library_root / 'bad.mp3'}: not a valid MP3 file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_an_unreadable_folder_is_reported_and_its_tracks_kept(library_root):
    write_audio(library_root / "private" / "a.flac")
    scan_library()
    (library_root / "private").chmod(0)
    try:
        summary = scan_library(prune=True)
    finally:
        (library_root / "private").chmod(0o755)
    assert "permission denied" in summary.failed[0].reason
    assert Track.objects.count() == 1


def test_absurd_tags_are_stored_sanitised_and_noted(library_root):
    write_audio(
        library_root / "absurd.flac",
        tags={"title": "x\x00" * 6000, "tracknumber": "0", "date": "3021", "artist": "\x00"},
    )

    summary = scan_library()

    track = Track.objects.select_related("artist").get()
    assert track.title == "x" * 255
    assert (track.track_number, track.year) == (None, None)
    assert track.artist.name == "Unknown Artist"
    noted = " | ".join(issue.reason for issue in summary.notes)
    assert "truncated to 255" in noted
    assert "year 3021 ignored" in noted


def test_an_m4a_is_added_without_a_waveform_and_the_report_says_why(library_root):
    path = library_root / "aac.m4a"
    path.write_bytes(build_m4a(seconds=3))

    summary = scan_library()

    track = Track.objects.get()
    assert (track.format, track.codec, track.waveform) == ("m4a", "aac", None)
    assert track.duration == pytest.approx(3)
    assert [issue.reason for issue in summary.notes] == [
        "waveform unavailable: m4a cannot be decoded here"
    ]


def _cover_pixel(album: Album) -> tuple[int, int, int]:
    with Image.open(album.cover.path) as image:
        assert image.format == "JPEG"
        return image.convert("RGB").getpixel((2, 2))


def test_covers_come_from_embedded_art_or_the_folder_image(library_root):
    embedded = {"artist": "A", "album": "Embedded"}
    write_audio(library_root / "A" / "1.flac", tags=embedded, cover=jpeg_bytes("red"))
    folder = {"artist": "B", "album": "Folder"}
    write_audio(library_root / "B" / "1.mp3", tags=folder, cover=jpeg_bytes("red"))
    (library_root / "B" / "Folder.JPG").write_bytes(jpeg_bytes("blue", (300, 300)))

    summary = scan_library()

    assert summary.covers == 2
    red = _cover_pixel(Album.objects.get(title="Embedded"))
    blue = _cover_pixel(Album.objects.get(title="Folder"))  # the folder image wins
    assert red[0] > 200 > red[2]
    assert blue[2] > 200 > blue[0]


def test_an_unchanged_cover_is_not_rewritten_and_a_new_folder_image_is_picked_up(
    scanned_library, tiny_library, settings, django_capture_on_commit_callbacks
):
    covers = Path(settings.MEDIA_ROOT) / "covers" / "original"
    assert len(list(covers.iterdir())) == 2  # one per album
    album = Album.objects.get(tracks__format="flac", tracks__track_number=1)
    first_cover = album.cover.name

    forced = scan_library(force=True)  # every file re-read
    assert (forced.updated, forced.covers) == (6, 0)

    # A cover.jpg dropped next to files that did not change replaces the embedded art.
    folder = tiny_library.root / Path(album.tracks.first().path).parent
    (folder / "cover.jpg").write_bytes(jpeg_bytes("green", (200, 200)))
    with django_capture_on_commit_callbacks(execute=True):  # old files go after the commit
        later = scan_library()

    assert (later.unchanged, later.covers) == (6, 1)
    album.refresh_from_db()
    assert album.cover.name != first_cover
    assert _cover_pixel(album)[1] > 100
    assert len(list(covers.iterdir())) == 2  # the replaced cover file was deleted
    assert scan_library().covers == 0


def test_a_subfolder_scan_keeps_paths_relative_to_the_library_root(scanned_library, tiny_library):
    root = tiny_library.root
    first_album = Path(tiny_library.tracks[0].path).parent
    for path in library_files(root / first_album):
        path.unlink()  # gone, but a scan of the other folder must not notice

    other = Path(tiny_library.tracks[-1].path).parent
    summary = scan_library([root / other], prune=True)

    assert (summary.unchanged, summary.removed, summary.missing) == (3, 0, 0)
    assert Track.objects.filter(path__startswith=f"{other.as_posix()}/").count() == 3
    assert Track.objects.count() == 6


def test_a_retagged_artist_leaves_no_empty_artist_or_album(library_root):
    path = write_audio(library_root / "a.flac", tags={"artist": "Old Name", "album": "Old"})
    scan_library()
    audio = FLAC(path)
    audio["artist"], audio["album"] = "New Name", "New"
    audio.save()

    scan_library()

    assert list(Artist.objects.values_list("name", flat=True)) == ["New Name"]
    assert list(Album.objects.values_list("title", flat=True)) == ["New"]


def test_a_missing_configured_library_folder_is_noted_not_fatal(settings, tmp_path):
    settings.LIBRARY_DIRS = [tmp_path / "not-mounted"]
    summary = scan_library()
    assert summary.added == 0
    assert summary.notes[0].reason == "library folder not found"


def test_watch_rescans_until_stopped(library_root):
    write_audio(library_root / "a.flac")
    reports = []

    def sleep(seconds):
        write_audio(library_root / f"b{len(reports)}.flac")  # a file arrives between scans

    watch_library(interval=5, report=reports.append, iterations=3, sleep=sleep)

    assert [(s.added, s.unchanged) for s in reports] == [(1, 0), (1, 1), (1, 2)]


def test_the_watch_command_scans_then_stops_on_ctrl_c(library_root, monkeypatch):
    write_audio(library_root / "a.flac")

    def interrupted(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", interrupted)
    out = StringIO()
    call_command("scan_library", "--watch", "--interval=2", "--quiet", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Watching: rescanning every 2 s (Ctrl+C to stop)."
    assert lines[1].startswith("Scan: 1 added")
    assert lines[-1] == "Stopped watching."


def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(library_root):
    write_audio(library_root / "fine.flac")
    name = os.fsencode(library_root) + b"/caf\xe9.flac"  # Latin-1 bytes from an old disk
    with open(name, "wb") as handle:
        handle.write((library_root / "fine.flac").read_bytes())

    summary = scan_library()

    assert summary.added == 1
    assert summary.failed[0].reason == "name is not valid UTF-8: rename it"
    assert summary.failed[0].path.endswith("caf\ufffd.flac")


def test_hidden_and_partly_written_files_are_left_alone(library_root):
    write_audio(library_root / "song.flac")
    (library_root / ".song.flac.part").write_bytes(b"half a file")
    (library_root / "._song.flac").write_bytes(b"macOS resource fork")

    summary = scan_library()

    assert (summary.added, summary.failed, summary.ignored) == (1, [], 0)
