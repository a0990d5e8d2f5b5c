"""getLyricsBySongId (songLyrics: structured, synced lines with start times) and getLyrics
(artist and title, plain text), over what the scanner found in the generated library."""

import pytest

from rubysound.catalog.models import Track, TrackLyrics
from tests.compat.subsonic.conftest import NS
from tests.compat.subsonic.schema_check import validate

pytestmark = pytest.mark.django_db


def with_lyrics() -> Track:
    # The demo library writes an .lrc beside the first track of each album.
    return Track.objects.filter(lyrics__isnull=False).order_by("pk").first()


def test_synced_lyrics_of_a_song(subsonic, scanned_library):
    track = with_lyrics()
    body = subsonic.ok("getLyricsBySongId", {"id": f"tr-{track.pk}"})
    validate("getLyricsBySongId", {"subsonic-response": body})
    (lyrics,) = body["lyricsList"]["structuredLyrics"]
    assert lyrics["synced"] is True
    assert lyrics["lang"] == "en"
    assert lyrics["offset"] == 0
    assert lyrics["displayTitle"] == track.title
    assert lyrics["displayArtist"] == track.artist.name
    starts = [line["start"] for line in lyrics["line"]]
    assert starts == sorted(starts)
    assert all(line["value"] for line in lyrics["line"])

    xml = subsonic.xml("getLyricsBySongId", {"id": f"tr-{track.pk}"})
    element = xml.find(f"{NS}lyricsList/{NS}structuredLyrics")
    assert element.get("synced") == "true"
    lines = element.findall(f"{NS}line")
    assert [(int(line.get("start")), line.text) for line in lines] == [
        (line["start"], line["value"]) for line in lyrics["line"]
    ]


def test_unsynced_lyrics_have_no_start(subsonic, scanned_library):
    track = with_lyrics()
    TrackLyrics.objects.filter(track=track).update(
        synced=False, offset_ms=0, lines=[{"value": "One"}, {"value": "Two"}], lang="und"
    )
    body = subsonic.ok("getLyricsBySongId", {"id": f"tr-{track.pk}"})
    validate("getLyricsBySongId", {"subsonic-response": body})
    (lyrics,) = body["lyricsList"]["structuredLyrics"]
    assert lyrics["synced"] is False
    assert lyrics["line"] == [{"value": "One"}, {"value": "Two"}]


def test_a_song_without_lyrics_has_an_empty_list(subsonic, scanned_library):
    track = Track.objects.filter(lyrics__isnull=True).order_by("pk").first()
    body = subsonic.ok("getLyricsBySongId", {"id": f"tr-{track.pk}"})
    validate("getLyricsBySongId", {"subsonic-response": body})
    assert body["lyricsList"].get("structuredLyrics", []) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, 10), ({"id": "tr-99999"}, 70), ({"id": "al-1"}, 70), ({"id": "x"}, 70)],
)
def test_lyrics_by_song_id_errors(subsonic, scanned_library, params, code):
    assert subsonic.error("getLyricsBySongId", params)["code"] == code


def test_get_lyrics_by_artist_and_title_is_plain_text(subsonic, scanned_library):
    track = with_lyrics()
    stored = TrackLyrics.objects.get(track=track)
    params = {"artist": track.artist.name.upper(), "title": track.title.lower()}
    body = subsonic.ok("getLyrics", params)
    validate("getLyrics", {"subsonic-response": body})
    assert body["lyrics"] == {
        "artist": track.artist.name,
        "title": track.title,
        "value": "\n".join(line["value"] for line in stored.lines),
    }
    xml = subsonic.xml("getLyrics", params).find(f"{NS}lyrics")
    assert xml.text == body["lyrics"]["value"]


@pytest.mark.parametrize("params", [{}, {"artist": "Nobody", "title": "Nothing"}])
def test_get_lyrics_without_a_match_is_empty_text(subsonic, scanned_library, params):
    body = subsonic.ok("getLyrics", params)
    validate("getLyrics", {"subsonic-response": body})
    assert body["lyrics"]["value"] == ""


def test_song_lyrics_is_advertised(subsonic):
    extensions = subsonic.ok("getOpenSubsonicExtensions")["openSubsonicExtensions"]
    assert {"name": "songLyrics", "versions": [1]} in extensions
