"""Tag values as each container stores them: ID3, Vorbis comments, MP4 atoms.

Each reader returns the raw values (lists of strings, pictures as found); ``tag_values``
cleans them and ``tags`` assembles the result.
"""

import base64
from dataclasses import dataclass, field

from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4Cover


@dataclass
class RawTags:
    """Tag values as found, before sanitising (lists of strings)."""

    title: list[str] = field(default_factory=list)
    artist: list[str] = field(default_factory=list)
    album: list[str] = field(default_factory=list)
    album_artist: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    track: list[str] = field(default_factory=list)
    disc: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    mbid: list[str] = field(default_factory=list)
    artist_mbid: list[str] = field(default_factory=list)
    album_mbid: list[str] = field(default_factory=list)
    album_artist_mbid: list[str] = field(default_factory=list)
    covers: list[tuple[int, str, bytes]] = field(default_factory=list)  # (type, mime, data)


def raw_from_id3(tags: ID3) -> RawTags:
    def text(key: str) -> list[str]:
        frame = tags.get(key)
        return [str(value) for value in frame.text] if frame is not None else []

    raw = RawTags(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        album_artist=text("TPE2"),
        track=text("TRCK"),
        disc=text("TPOS"),
        date=text("TDRC") or text("TYER") or text("TDOR") or text("TORY"),
        artist_mbid=text("TXXX:MusicBrainz Artist Id"),
        album_mbid=text("TXXX:MusicBrainz Album Id"),
        album_artist_mbid=text("TXXX:MusicBrainz Album Artist Id"),
    )
    genre = tags.get("TCON")
    if genre is not None:
        raw.genres = [str(value) for value in genre.genres]
    ufid = tags.get("UFID:http://musicbrainz.org")
    if ufid is not None:
        raw.mbid = [ufid.data.decode("ascii", "replace")]
    for frame in tags.getall("APIC"):
        raw.covers.append((int(frame.type), str(frame.mime), bytes(frame.data)))
    return raw


def raw_from_vorbis_comments(audio) -> RawTags:
    tags = audio.tags

    def text(*keys: str) -> list[str]:
        if tags is None:
            return []
        for key in keys:
            values = tags.get(key)
            if values:
                return [str(value) for value in values]
        return []

    raw = RawTags(
        title=text("title"),
        artist=text("artist"),
        album=text("album"),
        album_artist=text("albumartist", "album artist", "album_artist"),
        genres=text("genre"),
        track=text("tracknumber"),
        disc=text("discnumber"),
        date=text("date", "year", "originaldate"),
        mbid=text("musicbrainz_trackid"),
        artist_mbid=text("musicbrainz_artistid"),
        album_mbid=text("musicbrainz_albumid"),
        album_artist_mbid=text("musicbrainz_albumartistid"),
    )
    if isinstance(audio, FLAC):
        for picture in audio.pictures:
            raw.covers.append((int(picture.type), picture.mime, bytes(picture.data)))
    for encoded in text("metadata_block_picture"):
        try:
            picture = Picture(base64.b64decode(encoded))
        except Exception:  # noqa: S112 - a broken picture block is skipped, the tags stay
            continue
        raw.covers.append((int(picture.type), picture.mime, bytes(picture.data)))
    return raw


_MP4_FREEFORM = "----:com.apple.iTunes:"


def raw_from_mp4(audio: MP4) -> RawTags:
    tags = audio.tags or {}

    def text(key: str) -> list[str]:
        values = tags.get(key) or []
        out = []
        for value in values:
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            out.append(str(value))
        return out

    def pair(key: str) -> list[str]:
        values = tags.get(key) or []
        return [str(values[0][0])] if values and values[0] else []

    raw = RawTags(
        title=text("\xa9nam"),
        artist=text("\xa9ART"),
        album=text("\xa9alb"),
        album_artist=text("aART"),
        genres=text("\xa9gen"),
        track=pair("trkn"),
        disc=pair("disk"),
        date=text("\xa9day"),
        mbid=text(_MP4_FREEFORM + "MusicBrainz Track Id"),
        artist_mbid=text(_MP4_FREEFORM + "MusicBrainz Artist Id"),
        album_mbid=text(_MP4_FREEFORM + "MusicBrainz Album Id"),
        album_artist_mbid=text(_MP4_FREEFORM + "MusicBrainz Album Artist Id"),
    )
    for cover in tags.get("covr") or []:
        mime = "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
        raw.covers.append((3, mime, bytes(cover)))
    return raw
