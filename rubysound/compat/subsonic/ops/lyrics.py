"""Lyrics: getLyrics (artist and title, plain text) and getLyricsBySongId (the
``songLyrics`` extension: structured lyrics, synced lines with their start in ms).

Both read what the scanner found in the files' tags and in ``.lrc`` files beside them.
"""

from rubysound.catalog import selectors as catalog

from ..errors import not_found
from ..ids import Kind, decode
from ..registry import Call, operation

EXTENSIONS = [{"name": "songLyrics", "versions": [1]}]


def _structured(track, lyrics) -> dict:
    return {
        "displayArtist": track.artist.name,
        "displayTitle": track.title,
        "lang": lyrics.lang or "und",
        "offset": lyrics.offset_ms,
        "synced": lyrics.synced,
        # Lines as stored: {"value"} and, when synced, {"start"} in ms.
        "line": [
            {"start": line["start"], "value": line["value"]}
            if lyrics.synced and "start" in line
            else {"value": line["value"]}
            for line in lyrics.lines
        ],
    }


@operation("getLyricsBySongId")
def get_lyrics_by_song_id(call: Call) -> dict:
    pk = decode(call.params.required("id"), Kind.SONG)
    found = catalog.library_track_with_lyrics(pk)
    if found is None:
        raise not_found("Song")
    track, lyrics = found
    return {"lyricsList": {"structuredLyrics": [_structured(track, item) for item in lyrics]}}


@operation("getLyrics")
def get_lyrics(call: Call) -> dict:
    artist = call.params.get("artist")
    title = call.params.get("title")
    found = catalog.lyrics_by_artist_and_title(artist, title)
    if found is None or not found[1]:
        # Nothing known: an empty text, as the protocol answers (never an error).
        return {"lyrics": {"artist": artist or None, "title": title or None, "value": ""}}
    track, lyrics = found
    # Plain text: the unsynced lyrics when there are some, else the synced ones' words.
    chosen = next((item for item in lyrics if not item.synced), lyrics[0])
    return {
        "lyrics": {
            "artist": track.artist.name,
            "title": track.title,
            "value": "\n".join(line["value"] for line in chosen.lines),
        }
    }
