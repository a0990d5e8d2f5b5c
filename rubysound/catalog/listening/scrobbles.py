"""Listens a scrobbler sends by name: matched to the catalog's tracks, then recorded.

A scrobbler (a ListenBrainz or Last.fm client, a phone app) names what was played by artist
and title, maybe with the release and a MusicBrainz recording id; it never knows our track
ids. Each listen is matched to a catalog track: by MBID first, then by the folded artist and
title (the release, when given, picks between several), a file of our library before a
track known only by name. A listen that matches nothing becomes such a track known only by
name (``library.remote_tracks``), as a favorite named by a client does, so nothing a
scrobbler sends is lost.

A batch is recorded in one transaction: the tracks it creates and its listens are written
together or not at all. Matching takes a bounded number of queries whatever the size of the
batch; only tracks seen for the first time cost queries each.
"""

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from rubysound.catalog import version as catalog_version
from rubysound.catalog.library.remote_tracks import get_or_create_remote_track
from rubysound.catalog.listening.imports import ImportedListen, ListenImport, import_listens
from rubysound.catalog.listening.listens import normalize_listened_at
from rubysound.catalog.models import Album, Artist, Track
from rubysound.core.text import fold

# The names the catalog can hold (Track.title, Artist.name, Album.title); longer names are
# cut as the remote tracks' rows cut them, so a second listen of the song matches the first.
NAME_MAX_LENGTH = 255


@dataclass(frozen=True)
class Scrobble:
    """One listen as a scrobbler names it."""

    artist: str
    title: str
    listened_at: datetime | None = None
    release: str = ""
    recording_mbid: uuid.UUID | None = None
    duration: float | None = None  # seconds, when the client knows

    def key(self) -> tuple:
        return (
            fold(self.artist[:NAME_MAX_LENGTH]),
            fold(self.title[:NAME_MAX_LENGTH]),
            fold(self.release[:NAME_MAX_LENGTH]),
            self.recording_mbid,
        )


def _library_first(tracks):
    library_first = Case(When(source=Track.Source.LIBRARY, then=Value(0)), default=Value(1))
    return tracks.select_related("artist", "album").order_by(library_first, "pk")


def match_tracks(scrobbles: Sequence[Scrobble]) -> dict[tuple, Track]:
    """The catalog's track for each distinct scrobble key that has one (two queries)."""
    keys = {scrobble.key() for scrobble in scrobbles}
    found: dict[tuple, Track] = {}
    mbids = {key[3] for key in keys if key[3] is not None}
    if mbids:
        by_mbid: dict[uuid.UUID, Track] = {}
        for track in _library_first(Track.objects.filter(mbid__in=mbids)):
            by_mbid.setdefault(track.mbid, track)
        for key in keys:
            if key[3] in by_mbid:
                found[key] = by_mbid[key[3]]
    by_name = [key for key in keys if key not in found]
    if not by_name:
        return found
    candidates: dict[tuple[str, str], list[Track]] = {}
    rows = Track.objects.filter(
        title_key__in={title for _, title, _, _ in by_name},
        artist__name_key__in={artist for artist, _, _, _ in by_name},
    )
    for track in _library_first(rows):
        candidates.setdefault((track.artist.name_key, track.title_key), []).append(track)
    for key in by_name:
        artist, title, release, _ = key
        tracks = candidates.get((artist, title))
        if not tracks:
            continue
        on_release = [t for t in tracks if release and t.album and t.album.title_key == release]
        found[key] = (on_release or tracks)[0]
    return found


def _name(text: str) -> str:
    return text.strip()[:NAME_MAX_LENGTH]


def _create_by_name(misses: dict[tuple, Scrobble]) -> dict[tuple, Track]:
    """Tracks known only by name for scrobbles that matched nothing: their artists, albums
    and tracks created in bulk (a few queries for a whole import), each once however many
    listens name it. A row a concurrent request created meanwhile is read back instead."""
    artist_names: dict[str, str] = {}
    for scrobble in misses.values():
        artist_names.setdefault(fold(_name(scrobble.artist)), _name(scrobble.artist))
    artists = {a.name_key: a for a in Artist.objects.filter(name_key__in=artist_names)}
    new_artists = [
        Artist(name=name, name_key=key) for key, name in artist_names.items() if key not in artists
    ]
    Artist.objects.bulk_create(new_artists, ignore_conflicts=True)
    artists = {a.name_key: a for a in Artist.objects.filter(name_key__in=artist_names)}

    album_titles: dict[tuple[int, str], str] = {}
    for scrobble in misses.values():
        if _name(scrobble.release):
            artist = artists[fold(_name(scrobble.artist))]
            album_titles.setdefault(
                (artist.pk, fold(_name(scrobble.release))), _name(scrobble.release)
            )
    albums: dict[tuple[int, str], Album] = {}
    if album_titles:
        existing = Album.objects.filter(
            artist__in={artist_pk for artist_pk, _ in album_titles},
            title_key__in={key for _, key in album_titles},
        )
        albums = {(a.artist_id, a.title_key): a for a in existing}
        Album.objects.bulk_create(
            [
                Album(artist_id=artist_pk, title=title, title_key=key)
                for (artist_pk, key), title in album_titles.items()
                if (artist_pk, key) not in albums
            ],
            ignore_conflicts=True,
        )
        albums = {(a.artist_id, a.title_key): a for a in existing.all()}

    rows: dict[tuple[int, str], Track] = {}
    for scrobble in misses.values():
        artist = artists[fold(_name(scrobble.artist))]
        title = _name(scrobble.title)
        album = albums.get((artist.pk, fold(_name(scrobble.release))))
        rows.setdefault(
            (artist.pk, fold(title)),
            Track(
                source=Track.Source.REMOTE,
                title=title,
                title_key=fold(title),
                artist=artist,
                album=album,
                mbid=scrobble.recording_mbid,
                duration=scrobble.duration if scrobble.duration and scrobble.duration > 0 else None,
            ),
        )
    Track.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
    stored = Track.objects.filter(
        source=Track.Source.REMOTE,
        artist__in={artist_pk for artist_pk, _ in rows},
        title_key__in={key for _, key in rows},
    ).select_related("artist", "album")
    by_name = {(t.artist_id, t.title_key): t for t in stored}
    catalog_version.changed()  # from now on, a search finds them
    return {
        key: by_name[(artists[fold(_name(s.artist))].pk, fold(_name(s.title)))]
        for key, s in misses.items()
    }


def resolve_tracks(scrobbles: Sequence[Scrobble]) -> list[Track]:
    """The track of each scrobble, in order: matched, else created as known only by name.

    Call it inside a transaction: the tracks it creates belong with the listens.
    """
    found = match_tracks(scrobbles)
    misses = {}
    for scrobble in scrobbles:
        key = scrobble.key()
        if key in found or key in misses:
            continue
        if key[0] and key[1]:
            misses[key] = scrobble
        else:  # a name that folds to nothing: the one-by-one path knows what to do
            found[key] = get_or_create_remote_track(
                scrobble.title,
                scrobble.artist,
                mbid=scrobble.recording_mbid,
                album=scrobble.release or None,
                duration=scrobble.duration,
            )
    if misses:
        found.update(_create_by_name(misses))
    return [found[scrobble.key()] for scrobble in scrobbles]


def record_scrobbles(
    user, scrobbles: Sequence[Scrobble], *, source: str, now: datetime | None = None
) -> ListenImport:
    """Records ``scrobbles`` as listens of ``user`` from ``source``, all or nothing.

    Each needs its ``listened_at``, held to ``record_listen``'s rules (not in the future,
    not before 2002-10-01; raises ValidationError before anything is written). A listen
    already stored (same user, track and time) is left as it is.
    """
    for scrobble in scrobbles:
        if scrobble.listened_at is None:
            raise ValueError("a scrobbled listen needs its listened_at")
        normalize_listened_at(scrobble.listened_at, now=now)
    with transaction.atomic():
        tracks = resolve_tracks(scrobbles)
        return import_listens(
            (
                ImportedListen(user_id=user.pk, track_id=track.pk, listened_at=scrobble.listened_at)
                for scrobble, track in zip(scrobbles, tracks, strict=True)
            ),
            source=source,
            now=now,
        )


# Scrobbles matched and written at a time by ``import_scrobbles``: the size of a
# ListenBrainz import request, whose cost the bench measures.
IMPORT_CHUNK_SIZE = 1000


@dataclass(frozen=True)
class ImportStep:
    """How far an import in chunks has come."""

    done: int  # scrobbles recorded so far
    total: int  # scrobbles of the whole import
    result: ListenImport  # what the chunks recorded so far did, together


def import_scrobbles_in_chunks(
    user,
    scrobbles: Sequence[Scrobble],
    *,
    source: str,
    now: datetime | None = None,
    chunk_size: int = IMPORT_CHUNK_SIZE,
) -> Iterator[ImportStep]:
    """``record_scrobbles`` for a whole history file, a chunk at a time (each one's lookups
    stay bounded, each one its own transaction), yielding how far it has come after each.

    Every listen's time is checked before the first chunk is written, so a history with
    one bad listen is refused whole (ValidationError). An import cut short between chunks
    is completed by importing the same history again: the listens already stored are left
    as they are.
    """
    now = now or timezone.now()
    for scrobble in scrobbles:
        if scrobble.listened_at is None:
            raise ValueError("a scrobbled listen needs its listened_at")
        normalize_listened_at(scrobble.listened_at, now=now)
    stored = created = 0
    for start in range(0, len(scrobbles), chunk_size):
        chunk = scrobbles[start : start + chunk_size]
        result = record_scrobbles(user, chunk, source=source, now=now)
        stored += result.stored
        created += result.created
        yield ImportStep(
            done=start + len(chunk),
            total=len(scrobbles),
            result=ListenImport(stored=stored, created=created),
        )


def import_scrobbles(
    user,
    scrobbles: Sequence[Scrobble],
    *,
    source: str,
    now: datetime | None = None,
    chunk_size: int = IMPORT_CHUNK_SIZE,
) -> ListenImport:
    """``import_scrobbles_in_chunks`` in one transaction: a history stored whole or not at
    all, for a caller that does not report progress."""
    result = ListenImport(stored=0, created=0)
    with transaction.atomic():
        for step in import_scrobbles_in_chunks(
            user, scrobbles, source=source, now=now, chunk_size=chunk_size
        ):
            result = step.result
    return result
