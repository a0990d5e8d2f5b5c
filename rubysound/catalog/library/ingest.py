"""Catalog rows from library files: one named function per write, each in a transaction.

The scanner and the admin call these; they never write catalog rows themselves. Remote
tracks reuse the artist and album matching. Artists are matched by their folded name
(``Artist.name_key``), albums by (album artist, folded title), genres by slug. Every write
that changes what a search finds bumps the catalog version (``version.changed``) with its
transaction.
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from rubysound.catalog import version as catalog_version
from rubysound.catalog.library.artwork import delete_cover_file_on_commit
from rubysound.catalog.library.lyrics import LRC_SOURCE, FoundLyrics
from rubysound.catalog.library.tags import UNKNOWN_ARTIST, AudioTags
from rubysound.catalog.models import Album, Artist, Genre, Track, TrackLyrics, genre_slug
from rubysound.core.text import fold


@dataclass(frozen=True)
class TrackWrite:
    """What ``record_library_track`` did."""

    track: Track
    created: bool
    # The album and artist the track belonged to before, when it moved away from them.
    left_album_id: int | None = None
    left_artist_id: int | None = None


# --- Artists, albums, genres ------------------------------------------------------------


class LookupCache:
    """Artists, albums and genres already found during one scan, by their matching keys.

    A scan of an album meets the same artist, album and genre on every file; remembering
    them saves three queries a file. The scanner clears it whenever a write fails or rows
    are deleted, so it never hands out a row that is not in the database.
    """

    def __init__(self):
        self.artists: dict[str, Artist] = {}
        self.albums: dict[tuple[int, str], Album] = {}
        self.genres: dict[str, Genre] = {}

    def clear(self) -> None:
        self.artists.clear()
        self.albums.clear()
        self.genres.clear()


def get_or_create_artist(
    name: str, *, mbid: str | None = None, cache: LookupCache | None = None
) -> Artist:
    """The artist called ``name`` however it is cased or accented; created when new.

    A MusicBrainz id is recorded when the artist has none and no other artist holds it.
    """
    name = name.strip() or UNKNOWN_ARTIST
    key = fold(name) or fold(UNKNOWN_ARTIST)
    artist = cache.artists.get(key) if cache is not None else None
    if artist is not None and (not mbid or artist.mbid is not None):
        return artist
    with transaction.atomic(savepoint=False):
        if artist is None:
            artist = Artist.objects.filter(name_key=key).order_by("pk").first()
        if artist is None:
            try:
                with transaction.atomic():
                    artist = Artist.objects.create(name=name)
            except IntegrityError:  # created meanwhile by a concurrent scan
                artist = Artist.objects.get(name_key=key)
        if mbid and artist.mbid is None and not Artist.objects.filter(mbid=mbid).exists():
            artist.mbid = uuid.UUID(mbid)
            artist.save(update_fields=["mbid", "updated_at"])
    if cache is not None:
        cache.artists[key] = artist
    return artist


def get_or_create_album(
    artist: Artist,
    title: str,
    *,
    year: int | None = None,
    mbid: str | None = None,
    cache: LookupCache | None = None,
) -> Album:
    """The album ``title`` by ``artist`` (folded title); fills year and MBID when unknown."""
    key = fold(title)
    album = cache.albums.get((artist.pk, key)) if cache is not None else None
    if album is not None and (not year or album.year) and (not mbid or album.mbid):
        return album
    with transaction.atomic(savepoint=False):
        if album is None:
            album = Album.objects.filter(artist=artist, title_key=key).order_by("pk").first()
        if album is None:
            try:
                with transaction.atomic():
                    album = Album.objects.create(artist=artist, title=title, year=year)
            except IntegrityError:
                album = Album.objects.get(artist=artist, title_key=key)
        changed = []
        if year and album.year is None:
            album.year = year
            changed.append("year")
        if mbid and album.mbid is None and not Album.objects.filter(mbid=mbid).exists():
            album.mbid = uuid.UUID(mbid)
            changed.append("mbid")
        if changed:
            album.save(update_fields=[*changed, "updated_at"])
    if cache is not None:
        cache.albums[(artist.pk, key)] = album
    return album


def get_or_create_genres(names: list[str], *, cache: LookupCache | None = None) -> list[Genre]:
    """Genres by slug ("Hip-Hop", "hip hop" and "HIP-HOP" are one), in the given order."""
    genres: list[Genre] = []
    seen: set[str] = set()
    for name in names:
        slug = genre_slug(name)
        if not slug or slug in seen:  # a blank name files no genre
            continue
        seen.add(slug)
        genre = cache.genres.get(slug) if cache is not None else None
        if genre is None:
            genre = Genre.objects.filter(slug=slug).order_by("pk").first()
        if genre is None:
            try:
                with transaction.atomic():
                    genre = Genre.objects.create(name=name.strip()[:64], slug=slug)
            except IntegrityError:
                genre = Genre.objects.get(slug=slug)
        if cache is not None:
            cache.genres[slug] = genre
        genres.append(genre)
    return genres


# --- Tracks from library files -----------------------------------------------------------


def record_library_track(
    *,
    root: str,
    path: str,
    tags: AudioTags,
    size: int,
    mtime: float,
    content_hash: str,
    waveform: list[int] | None,
    track_id: int | None = None,
    new: bool = False,
    cache: LookupCache | None = None,
) -> TrackWrite:
    """Creates or updates the track of one library file from its tags, in one transaction.

    ``track_id`` is the row the scanner already knows for this (root, path); ``new`` says
    the caller knows there is none (a scanner that just compared), which saves a lookup;
    otherwise the row is looked up. Artist, album artist, album and genres are upserted on
    the way (through ``cache`` when given).
    """
    with transaction.atomic(savepoint=False):
        artist = get_or_create_artist(tags.artist, mbid=tags.artist_mbid, cache=cache)
        album = None
        if tags.album:
            album_artist = artist
            if tags.album_artist and fold(tags.album_artist) != artist.name_key:
                album_artist = get_or_create_artist(
                    tags.album_artist, mbid=tags.album_artist_mbid, cache=cache
                )
            album = get_or_create_album(
                album_artist, tags.album, year=tags.year, mbid=tags.album_mbid, cache=cache
            )
        genres = get_or_create_genres(tags.genres, cache=cache)

        track = None
        if not new or track_id is not None:
            # order_by("pk"): the default ordering joins artist and album, which FOR UPDATE
            # must not lock (and PostgreSQL refuses on the nullable album side).
            library = Track.objects.select_for_update().filter(source=Track.Source.LIBRARY)
            if track_id is not None:
                track = library.filter(pk=track_id).order_by("pk").first()
            else:
                track = library.filter(library_root=root, path=path).order_by("pk").first()
        created = track is None
        left_album_id = left_artist_id = None
        if created:
            track = Track(source=Track.Source.LIBRARY, library_root=root, path=path)
        else:
            if track.album_id and track.album_id != (album.pk if album else None):
                left_album_id = track.album_id
            if track.artist_id != artist.pk:
                left_artist_id = track.artist_id

        track.title = tags.title
        track.artist = artist
        track.album = album
        track.track_number = tags.track_number
        track.disc_number = tags.disc_number
        track.year = tags.year
        track.duration = tags.duration
        track.library_root = root
        track.path = path
        track.format = tags.format
        track.codec = tags.codec
        track.bitrate = tags.bitrate
        track.sample_rate = tags.sample_rate
        track.channels = tags.channels
        track.size = size
        track.mtime = mtime
        track.content_hash = content_hash
        track.waveform = waveform
        track.mbid = uuid.UUID(tags.mbid) if tags.mbid else None
        track.save(force_insert=created)
        if created:  # nothing to compare with: one INSERT for all the genre links
            link = Track.genres.through
            link.objects.bulk_create([link(track=track, genre=genre) for genre in genres])
        else:
            track.genres.set(genres)
        _replace_lyrics(track, tags.lyrics, created=created)
        catalog_version.changed()
        return TrackWrite(track, created, left_album_id, left_artist_id)


def _replace_lyrics(track: Track, found: list[FoundLyrics], *, created: bool) -> None:
    """The track's lyrics become what this read of its file found (none: none)."""
    if not created:
        TrackLyrics.objects.filter(track=track).delete()
    if found:
        TrackLyrics.objects.bulk_create(_lyrics_row(track.pk, lyrics) for lyrics in found)


def _lyrics_row(track_id: int, lyrics: FoundLyrics) -> TrackLyrics:
    return TrackLyrics(
        track_id=track_id,
        source=lyrics.source,
        lang=lyrics.lang,
        synced=lyrics.synced,
        offset_ms=lyrics.offset_ms,
        lines=[
            {"value": line.text}
            if line.start_ms is None
            else {"start": line.start_ms, "value": line.text}
            for line in lyrics.lines
        ],
    )


def move_library_track(
    track_id: int, *, root: str, path: str, size: int, mtime: float
) -> Track | None:
    """Points an existing track at the new place of its (unchanged) file.

    A moved or renamed file keeps its track, and so its listens, likes and playlists.
    Returns None when the row is gone, or when another track already holds that path.
    """
    with transaction.atomic():
        track = (
            Track.objects.select_for_update()
            .filter(pk=track_id, source=Track.Source.LIBRARY)
            .order_by("pk")
            .first()
        )
        if track is None:
            return None
        if (
            Track.objects.filter(source=Track.Source.LIBRARY, library_root=root, path=path)
            .exclude(pk=track_id)
            .exists()
        ):
            return None
        track.library_root = root
        track.path = path
        track.size = size
        track.mtime = mtime
        track.save(update_fields=["library_root", "path", "size", "mtime", "updated_at"])
        return track


def touch_library_track(
    track_id: int, *, size: int, mtime: float, lyrics_file: FoundLyrics | None = None
) -> None:
    """Records new file facts for a file whose content did not change (e.g. ``touch``),
    and the lyrics of the ``.lrc`` file beside it as they are now (none: none)."""
    with transaction.atomic():
        Track.objects.filter(pk=track_id).update(size=size, mtime=mtime)
        TrackLyrics.objects.filter(track_id=track_id, source=LRC_SOURCE).delete()
        if lyrics_file is not None:
            TrackLyrics.objects.bulk_create([_lyrics_row(track_id, lyrics_file)])


def delete_library_tracks(track_ids: list[int]) -> int:
    """Deletes library tracks (files gone), then albums and artists left without tracks."""
    removed = 0
    with transaction.atomic():
        for start in range(0, len(track_ids), 500):
            chunk = track_ids[start : start + 500]
            rows = list(
                Track.objects.filter(pk__in=chunk, source=Track.Source.LIBRARY).values_list(
                    "album_id", "artist_id", "album__artist_id"
                )
            )
            album_ids = {album for album, _, _ in rows if album}
            artist_ids = {artist for _, artist, _ in rows} | {a for _, _, a in rows if a}
            _, per_model = Track.objects.filter(pk__in=chunk, source=Track.Source.LIBRARY).delete()
            removed += per_model.get(Track._meta.label, 0)
            delete_empty_albums_and_artists(album_ids, artist_ids)
        if removed:
            catalog_version.changed()
    return removed


def delete_empty_albums_and_artists(album_ids: set[int], artist_ids: set[int]) -> tuple[int, int]:
    """Of the given albums and artists, deletes those no track (or album) refers to any more.

    Only ids a scan just touched are considered, so artists and albums created by other
    means (a provider, the admin) are never swept away wholesale.
    """
    albums_deleted = artists_deleted = 0
    with transaction.atomic():
        if album_ids:
            empty = list(
                Album.objects.filter(pk__in=album_ids)
                .exclude(Exists(Track.objects.filter(album=OuterRef("pk"))))
                .order_by("pk")
                .select_for_update()
            )
            for album in empty:
                artist_ids = artist_ids | {album.artist_id}
                delete_cover_file_on_commit(album.cover.name)
            albums_deleted = Album.objects.filter(pk__in=[a.pk for a in empty]).delete()[0]
        if artist_ids:
            empty_artists = (
                Artist.objects.filter(pk__in=artist_ids)
                .exclude(Exists(Track.objects.filter(artist=OuterRef("pk"))))
                .exclude(Exists(Album.objects.filter(artist=OuterRef("pk"))))
            )
            artists_deleted = empty_artists.delete()[0]
        if albums_deleted or artists_deleted:
            catalog_version.changed()
    return albums_deleted, artists_deleted
