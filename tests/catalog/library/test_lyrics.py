"""Lyrics from the files: LRC text (synced or not, malformed lines left out), ID3 USLT and
SYLT frames, the Vorbis LYRICS comment, and the ``.lrc`` file beside the audio; the scanner
stores them on the track and a rescan replaces them."""

import os

import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3, SYLT, USLT

from rubysound.catalog.library.lyrics import LyricLine, lrc_beside, parse_lrc
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.library.tags import read_tags
from rubysound.catalog.models import Track, TrackLyrics
from tests.catalog.conftest import write_audio

SYNCED = """\
[ar:Somebody]
[ti:Something]
[la:fr]
[offset:-250]
[00:01.50]First line
[00:03.2]Second line
[00:05.075][00:09.00]Chorus, twice
[01:02:30]Colon hundredths
"""


def test_synced_lrc_lines_in_time_order_with_offset_and_language():
    lyrics = parse_lrc(SYNCED)
    assert lyrics.synced
    assert lyrics.lang == "fr"
    assert lyrics.offset_ms == -250
    assert lyrics.lines == [
        LyricLine("First line", 1500),
        LyricLine("Second line", 3200),
        LyricLine("Chorus, twice", 5075),
        LyricLine("Chorus, twice", 9000),
        LyricLine("Colon hundredths", 62300),
    ]


def test_plain_text_is_unsynced_lyrics():
    lyrics = parse_lrc("Verse one\n\n  Verse two  \r\n")
    assert not lyrics.synced
    assert lyrics.lang == "und"
    assert lyrics.lines == [LyricLine("Verse one"), LyricLine("Verse two")]
    assert lyrics.text == "Verse one\nVerse two"


def test_malformed_lines_are_left_out():
    text = "\n".join(
        [
            "[00:01.00]Kept",
            "[00:7x.00]Bad seconds",
            "[00:75.00]Seconds past sixty",
            "[Chorus]",
            "[00:02.00 missing bracket",
            "[offset:soon]",
            "[00:03.00]Also kept",
            "\x00\x01",
        ]
    )
    lyrics = parse_lrc(text)
    assert lyrics.synced
    assert lyrics.offset_ms == 0
    assert [line.text for line in lyrics.lines] == ["Kept", "Also kept"]


@pytest.mark.parametrize("text", ["", "\n\n", "[ar:Only headers]\n[ti:Nothing else]", "[x]"])
def test_no_lyrics_in_it(text):
    assert parse_lrc(text) is None


def test_an_unknown_language_is_und():
    assert parse_lrc("[la:not a language]\n[00:01.00]x").lang == "und"


def test_embedded_id3_uslt_and_sylt(tmp_path):
    path = write_audio(tmp_path / "song.mp3", tags={"title": "Song", "artist": "Band"})
    tags = ID3(path)
    tags.add(USLT(encoding=3, lang="eng", desc="", text="Plain words\nMore words"))
    tags.add(SYLT(encoding=3, lang="deu", format=2, type=1, text=[("Eins", 0), ("Zwei", 1500)]))
    tags.save(path)

    found = read_tags(path).lyrics
    by_source = {lyrics.source: lyrics for lyrics in found}
    assert set(by_source) == {"uslt", "sylt"}
    assert not by_source["uslt"].synced
    assert by_source["uslt"].lang == "eng"
    assert by_source["uslt"].text == "Plain words\nMore words"
    assert by_source["sylt"].synced
    assert by_source["sylt"].lang == "deu"
    assert by_source["sylt"].lines == [LyricLine("Eins", 0), LyricLine("Zwei", 1500)]


def test_lrc_text_in_a_uslt_frame_is_synced(tmp_path):
    path = write_audio(tmp_path / "song.mp3", tags={"title": "Song"})
    tags = ID3(path)
    tags.add(USLT(encoding=3, lang="eng", desc="", text="[00:02.00]Timed"))
    tags.save(path)
    (lyrics,) = read_tags(path).lyrics
    assert lyrics.synced
    assert lyrics.lines == [LyricLine("Timed", 2000)]


def test_vorbis_lyrics_comment(tmp_path):
    path = write_audio(tmp_path / "song.flac", tags={"title": "Song", "lyrics": "Line one"})
    (lyrics,) = read_tags(path).lyrics
    assert (lyrics.source, lyrics.synced, lyrics.text) == ("vorbis", False, "Line one")


def test_lrc_beside_the_audio_same_stem(tmp_path):
    audio = write_audio(tmp_path / "01 Song.ogg", tags={"title": "Song"})
    assert lrc_beside(audio) is None
    (tmp_path / "01 Song.lrc").write_bytes(b"\xef\xbb\xbf[00:00.50]With a BOM\n")
    (tmp_path / "01 Other.lrc").write_text("[00:00.50]Not this one\n")
    lyrics = lrc_beside(audio)
    assert lyrics.source == "lrc"
    assert lyrics.lines == [LyricLine("With a BOM", 500)]


@pytest.mark.django_db
def test_the_scanner_stores_lyrics_and_a_rescan_replaces_them(library_root):
    audio = write_audio(
        library_root / "Band" / "Album" / "01 Song.flac",
        tags={"title": "Song", "artist": "Band", "album": "Album", "lyrics": "Embedded words"},
    )
    (audio.parent / "01 Song.lrc").write_text(SYNCED)
    write_audio(library_root / "Band" / "Album" / "02 Quiet.flac", tags={"title": "Quiet"})

    summary = scan_library()
    assert not summary.failed
    assert summary.ignored == 0  # the .lrc is the song's, not an unknown file
    song = Track.objects.get(title="Song")
    stored = list(TrackLyrics.objects.filter(track=song).order_by("pk"))
    assert [(lyrics.source, lyrics.synced) for lyrics in stored] == [
        ("vorbis", False),
        ("lrc", True),
    ]
    assert stored[1].lines[0] == {"start": 1500, "value": "First line"}
    assert stored[1].offset_ms == -250
    assert stored[0].lines == [{"value": "Embedded words"}]
    assert not TrackLyrics.objects.filter(track__title="Quiet").exists()

    # The file changes and loses its lyrics: so does the track.
    tags = FLAC(audio)
    del tags["lyrics"]
    tags.save()
    (audio.parent / "01 Song.lrc").unlink()
    scan_library()
    assert not TrackLyrics.objects.filter(track=song).exists()


@pytest.mark.django_db
def test_editing_or_removing_only_the_lrc_file_is_seen_by_the_next_scan(library_root):
    audio = write_audio(
        library_root / "Band" / "Album" / "01 Song.flac",
        tags={"title": "Song", "artist": "Band", "album": "Album", "lyrics": "Embedded"},
    )
    lrc = audio.parent / "01 Song.lrc"
    lrc.write_text("[00:01.00]Old words\n")
    scan_library()
    song = Track.objects.get(title="Song")

    def lrc_lines():
        return [row.lines for row in TrackLyrics.objects.filter(track=song, source="lrc")]

    assert lrc_lines() == [[{"start": 1000, "value": "Old words"}]]

    lrc.write_text("[00:02.00]New words\n")
    later = audio.stat().st_mtime + 10
    os.utime(lrc, (later, later))  # the audio file itself is untouched
    summary = scan_library()
    assert summary.unchanged == 1  # the audio was not read again, only its lyrics
    assert lrc_lines() == [[{"start": 2000, "value": "New words"}]]

    lrc.unlink()
    scan_library()
    assert lrc_lines() == []
    embedded = TrackLyrics.objects.get(track=song)
    assert (embedded.source, embedded.lines) == ("vorbis", [{"value": "Embedded"}])
