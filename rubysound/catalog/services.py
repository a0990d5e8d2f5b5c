"""The catalog's write side: one named function per action, each in a transaction.

The scanner, the demo generator and the admin call these; they never write catalog rows
themselves. Artists are matched by their folded name (``Artist.name_key``), albums by
(album artist, folded title), genres by slug. Files on disk (album covers) are written
before the row that names them and removed again if the transaction fails, so a row never
points at a missing file and a failed write leaves no orphan behind.
"""

import hashlib
import io
import logging
import os
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from . import catalog_version
from .models import Album, Artist, Genre, Track
from .tags import AUDIO_EXTENSIONS, UNKNOWN_ARTIST, AudioTags, TagError, read_tags
from .text import fold

logger = logging.getLogger(__name__)

# Folder images, best first (matched without regard to case).
FOLDER_COVER_NAMES = (
    "cover.jpg",
    "cover.jpeg",
    "cover.png",
    "cover.webp",
    "folder.jpg",
    "folder.jpeg",
    "folder.png",
    "front.jpg",
    "front.jpeg",
    "front.png",
    "album.jpg",
    "album.png",
    "albumart.jpg",
)
COVER_MAX_SIDE = 1200
COVER_MAX_SOURCE_BYTES = 20 * 1024 * 1024
COVER_DIGEST_LENGTH = 16


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


def genre_slug(name: str) -> str:
    return slugify(fold(name))[:64] or "unknown"


def get_or_create_genres(names: list[str], *, cache: LookupCache | None = None) -> list[Genre]:
    """Genres by slug ("Hip-Hop", "hip hop" and "HIP-HOP" are one), in the given order."""
    genres: list[Genre] = []
    seen: set[str] = set()
    for name in names:
        slug = genre_slug(name)
        if slug in seen:
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
        catalog_version.changed()
        return TrackWrite(track, created, left_album_id, left_artist_id)


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


def touch_library_track(track_id: int, *, size: int, mtime: float) -> None:
    """Records new file facts for a file whose content did not change (e.g. ``touch``)."""
    with transaction.atomic():
        Track.objects.filter(pk=track_id).update(size=size, mtime=mtime)


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
                _delete_cover_file_on_commit(album.cover.name)
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


# --- Uploads ------------------------------------------------------------------------------

UPLOAD_FOLDER = "Uploads"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def audio_upload_max_bytes() -> int:
    """The size cap of one uploaded audio file (``AUDIO_UPLOAD_MAX_BYTES``, default 200 MB)."""
    return settings.AUDIO_UPLOAD_MAX_BYTES


def save_uploaded_audio(upload, *, library_dir: Path | None = None) -> Path:
    """Checks one uploaded file and stores it in ``<first library folder>/Uploads/``.

    Refused with a ValidationError (message names the file): a name that is not an audio
    type, a file over the size cap, content mutagen cannot read as audio, or content already
    in the library. The file is written under a hidden name first (the scanner skips hidden
    files) and linked into place under a free name, so nothing half-written is ever seen
    and no existing file is overwritten. Returns the stored file's path; the caller scans it.
    """
    name = _upload_name(getattr(upload, "name", "") or "")
    extension = Path(name).suffix.lower()
    if extension not in AUDIO_EXTENSIONS:
        kinds = ", ".join(sorted(ext.lstrip(".") for ext in AUDIO_EXTENSIONS))
        raise ValidationError(f"{name}: not an audio file type (accepted: {kinds})")
    limit = audio_upload_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"{name}: too large (the limit is {limit // (1024 * 1024)} MB)")
    folder = Path(library_dir or settings.LIBRARY_DIRS[0]) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".upload-{uuid.uuid4().hex}{extension}"
    digest = hashlib.sha256()
    written = 0
    try:
        with open(scratch, "xb") as output:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > limit:
                    raise ValidationError(
                        f"{name}: too large (the limit is {limit // (1024 * 1024)} MB)"
                    )
                digest.update(chunk)
                output.write(chunk)
        tags = read_tags(scratch)
        if isinstance(tags, TagError):
            raise ValidationError(f"{name}: {tags.reason}")
        duplicate = (
            Track.objects.filter(source=Track.Source.LIBRARY, content_hash=digest.hexdigest())
            .order_by()
            .values_list("path", flat=True)
            .first()
        )
        if duplicate is not None:
            raise ValidationError(f"{name}: already in the library as {duplicate}")
        return _link_under_free_name(scratch, folder, name)
    finally:
        scratch.unlink(missing_ok=True)


def _upload_name(raw: str) -> str:
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip().lstrip(".")
    stem, extension = os.path.splitext(base)
    return (stem[:150] or "upload") + extension[:10]


def _link_under_free_name(scratch: Path, folder: Path, name: str) -> Path:
    stem, extension = os.path.splitext(name)
    for number in range(1, 1000):
        candidate = folder / (name if number == 1 else f"{stem} ({number}){extension}")
        try:
            os.link(scratch, candidate)  # fails if the name is taken: never overwrites
            return candidate
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links
            if not candidate.exists():
                os.replace(scratch, candidate)
                return candidate
    raise ValidationError(f"{name}: too many files of that name in {folder}")


# --- Album covers ------------------------------------------------------------------------


def find_folder_cover(directory: Path, names: list[str] | None = None) -> Path | None:
    """The folder image of an album directory (cover.jpg, folder.jpg, front.png, ...)."""
    if names is None:
        try:
            names = [entry.name for entry in directory.iterdir() if entry.is_file()]
        except OSError:
            return None
    by_lower = {name.lower(): name for name in names}
    for candidate in FOLDER_COVER_NAMES:
        if candidate in by_lower:
            return directory / by_lower[candidate]
    return None


def cover_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:COVER_DIGEST_LENGTH]


def album_cover_digest(album: Album) -> str:
    """The digest of the source image the album's cover was made from ("" when none)."""
    if not album.cover:
        return ""
    stem = Path(album.cover.name).stem
    _, _, digest = stem.rpartition("-")
    return digest if len(digest) == COVER_DIGEST_LENGTH else ""


def set_album_cover(album: Album, image_data: bytes) -> bool:
    """Stores ``image_data`` (embedded art or a folder image) as the album's cover.

    Decoded and re-encoded with Pillow (JPEG, at most COVER_MAX_SIDE pixels a side), so
    whatever else the file carried is dropped. Nothing happens when the album already has
    a cover made from the same image. Returns True when the cover was (re)written; False
    when unchanged or when the image is not a usable picture.
    """
    if not image_data or len(image_data) > COVER_MAX_SOURCE_BYTES:
        return False
    digest = cover_digest(image_data)
    if album_cover_digest(album) == digest:
        return False
    encoded = _reencode_cover(image_data)
    if encoded is None:
        return False
    storage = album.cover.storage
    old_name = album.cover.name
    # The name carries the source image's digest: that is how "changed?" is answered later.
    target = f"{album.cover.field.upload_to}{album.pk}-{digest}.jpg"
    written = not storage.exists(target)  # else: the very same cover, left by a rollback
    name = storage.save(target, ContentFile(encoded)) if written else target
    try:
        with transaction.atomic():
            Album.objects.filter(pk=album.pk).update(cover=name, updated_at=timezone.now())
            if old_name and old_name != name:
                _delete_cover_file_on_commit(old_name)
            catalog_version.changed()  # search results show the cover
    except Exception:
        if written:
            storage.delete(name)
        raise
    album.cover.name = name
    return True


def _reencode_cover(data: bytes) -> bytes | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > settings.IMAGE_UPLOAD_MAX_PIXELS:
                return None
            image.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
    ):
        return None
    image = ImageOps.exif_transpose(image)
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (0, 0, 0))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail((COVER_MAX_SIDE, COVER_MAX_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=90, optimize=True)
    return output.getvalue()


def _delete_cover_file_on_commit(name: str) -> None:
    if not name:
        return

    def delete():
        try:
            Album._meta.get_field("cover").storage.delete(name)
        except OSError:
            logger.warning("event=cover_delete_failed name=%s", name)

    transaction.on_commit(delete)


# --- Tracks known only to a provider -------------------------------------------------------


def get_or_create_remote_track(
    name: str,
    artist: str,
    *,
    mbid: str | uuid.UUID | None = None,
    album: str | None = None,
    duration: float | None = None,
    preview_url: str = "",
    image_url: str = "",
    provider_ids: dict | None = None,
) -> Track:
    """The remote track ``name`` by ``artist`` (folded title and name), created when new.

    A track a provider told us about (a search result, a chart entry) becomes a row when
    someone keeps it, e.g. in a playlist: one row per (artist, folded title), however
    often and however concurrently it is asked for. Facts the row lacks (MBID, album,
    duration, preview, image) are filled in from later calls; known ones are kept.
    """
    title = name.strip()[: Track._meta.get_field("title").max_length]
    if not title:
        raise ValueError("a track needs a name")
    key = fold(title)
    recording = uuid.UUID(str(mbid)) if mbid else None
    if duration is not None and duration < 0:
        duration = None
    album = (album or "").strip()[: Album._meta.get_field("title").max_length]
    with transaction.atomic(savepoint=False):
        artist_row = get_or_create_artist(artist[: Artist._meta.get_field("name").max_length])
        album_row = get_or_create_album(artist_row, album) if album else None
        remote = Track.objects.filter(
            source=Track.Source.REMOTE, artist=artist_row, title_key=key
        ).order_by("pk")  # the default ordering would join artist and album for nothing
        track = remote.first()
        if track is None:
            catalog_version.changed()  # from now on, a search finds it
            try:
                with transaction.atomic():
                    return Track.objects.create(
                        source=Track.Source.REMOTE,
                        title=title,
                        artist=artist_row,
                        album=album_row,
                        mbid=recording,
                        duration=duration,
                        preview_url=preview_url,
                        remote_image_url=image_url,
                        provider_ids=provider_ids or {},
                    )
            except IntegrityError:  # created meanwhile by a concurrent request
                track = remote.get()
        changed = []
        if album_row is not None and track.album_id is None:
            track.album = album_row
            changed.append("album")
        for field, value in (
            ("mbid", recording),
            ("duration", duration),
            ("preview_url", preview_url),
            ("remote_image_url", image_url),
        ):
            if value and not getattr(track, field):
                setattr(track, field, value)
                changed.append(field)
        if provider_ids and any(k not in track.provider_ids for k in provider_ids):
            track.provider_ids = {**provider_ids, **track.provider_ids}
            changed.append("provider_ids")
        if changed:
            track.save(update_fields=[*changed, "updated_at"])
            catalog_version.changed()
        return track
