"""Annotation: star/unstar (a starred song is a song in the user's Favorites, the web
app's heart; albums and artists have stars of their own), getStarred2/getStarred, scrobble
(listens and now playing), getNowPlaying."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rubysound.catalog import selectors as catalog
from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from rubysound.social.errors import AnnotatedItemNotFound
from rubysound.social.selectors import annotations as annotation_selectors
from rubysound.social.selectors.playlists import favorites_added_at
from rubysound.social.services import annotations as annotation_services
from rubysound.social.services import playlists as playlist_services

from .. import presenters
from ..errors import invalid, missing, not_found
from ..ids import Kind, decode, parse
from ..params import parse_int
from ..registry import Call, operation

# Apps star in batches; more ids than this in one request is no app's doing.
MAX_IDS = 500


def _targets(call: Call) -> dict[Kind, list[int]]:
    """The songs, albums and artists of a star/unstar: ``id`` (any kind: the folder-based
    apps star albums and artists by ``id`` too), ``albumId`` and ``artistId``."""
    ids, album_ids, artist_ids = (call.params.list(name) for name in ("id", "albumId", "artistId"))
    if len(ids) + len(album_ids) + len(artist_ids) > MAX_IDS:
        raise invalid("id")
    if not (ids or album_ids or artist_ids):
        raise missing("id")
    targets: dict[Kind, list[int]] = {Kind.SONG: [], Kind.ALBUM: [], Kind.ARTIST: []}
    for value in ids:
        kind, pk = parse(value)
        if kind not in targets:  # a playlist, say: nothing starred by that id
            raise not_found()
        targets[kind].append(pk)
    targets[Kind.ALBUM] += [decode(value, Kind.ALBUM) for value in album_ids]
    targets[Kind.ARTIST] += [decode(value, Kind.ARTIST) for value in artist_ids]
    return targets


@operation("star")
def star(call: Call) -> None:
    targets = _targets(call)
    try:
        with transaction.atomic():
            annotation_services.star(call.user, "album", targets[Kind.ALBUM])
            annotation_services.star(call.user, "artist", targets[Kind.ARTIST])
            for track_id in targets[Kind.SONG]:
                if playlist_services.add_favorite(call.user, track_id).track is None:
                    raise not_found("Song")
    except AnnotatedItemNotFound:
        raise not_found() from None


@operation("unstar")
def unstar(call: Call) -> None:
    targets = _targets(call)
    with transaction.atomic():
        annotation_services.unstar(call.user, "album", targets[Kind.ALBUM])
        annotation_services.unstar(call.user, "artist", targets[Kind.ARTIST])
        for track_id in targets[Kind.SONG]:
            playlist_services.remove_favorite(call.user, track_id)


def _starred(call: Call, *, folders: bool) -> dict:
    """The caller's starred artists, albums (each list in the order starred) and songs."""
    user = call.user
    songs_at = favorites_added_at(user)
    tracks = catalog.in_order(catalog.app_tracks(), sorted(songs_at, key=songs_at.get))
    song_ratings = annotation_selectors.ratings_of(user, "track", songs_at)
    genres = catalog.genre_names_of(songs_at)
    albums_at = annotation_selectors.starred_at(user, "album")
    albums = catalog.in_order(catalog.app_albums(), sorted(albums_at, key=albums_at.get))
    album_ratings = annotation_selectors.ratings_of(user, "album", albums_at)
    artists_at = annotation_selectors.starred_at(user, "artist")
    artists = catalog.in_order(catalog.app_artists(), sorted(artists_at, key=artists_at.get))
    artist_ratings = annotation_selectors.ratings_of(user, "artist", artists_at)
    if folders:
        present_album, present_artist = presenters.album_as_child, presenters.artist_as_index_entry
    else:
        present_album, present_artist = presenters.album, presenters.artist
    return {
        "artist": [
            presenters.annotated(
                present_artist(row), artists_at.get(row.pk), artist_ratings.get(row.pk)
            )
            for row in artists
        ],
        "album": [
            presenters.annotated(
                present_album(row), albums_at.get(row.pk), album_ratings.get(row.pk)
            )
            for row in albums
        ],
        "song": [presenters.song(track, genres, songs_at, song_ratings) for track in tracks],
    }


@operation("getStarred2")
def get_starred2(call: Call) -> dict:
    return {"starred2": _starred(call, folders=False)}


@operation("getStarred")
def get_starred(call: Call) -> dict:
    return {"starred": _starred(call, folders=True)}


@operation("scrobble")
def scrobble(call: Call) -> None:
    """``submission=true`` (the default) records a listen at ``time`` (ms since the epoch,
    default now) for each ``id``; ``false`` says the (last) ``id`` is playing now."""
    ids = call.params.list("id")
    if not ids:
        raise missing("id")
    if len(ids) > MAX_IDS:
        raise invalid("id")
    times = [parse_int(raw, "time") for raw in call.params.list("time")]
    if times and len(times) != len(ids):
        raise invalid("time")
    track_ids = [decode(value, Kind.SONG) for value in ids]
    submission = call.params.bool("submission", True)
    tracks = {track.pk: track for track in catalog.app_tracks().filter(pk__in=track_ids)}
    if not submission:
        playing = tracks.get(track_ids[-1])
        if playing is None:
            raise not_found("Song")
        catalog_services.set_now_playing(
            call.user, playing, source=Listen.Source.SUBSONIC, client=call.params.get("c") or ""
        )
        return None
    for index, track_id in enumerate(track_ids):
        track = tracks.get(track_id)
        if track is None:
            raise not_found("Song")
        listened_at = None
        if times:
            try:
                listened_at = datetime.datetime.fromtimestamp(times[index] / 1000, tz=datetime.UTC)
            except (OverflowError, ValueError, OSError):
                raise invalid("time") from None
        try:
            catalog_services.record_listen(
                user=call.user,
                track=track,
                played_seconds=None,
                listened_at=listened_at,
                source=Listen.Source.SUBSONIC,
            )
        except ValidationError:
            raise invalid("time") from None
    return None


@operation("getNowPlaying")
def get_now_playing(call: Call) -> dict:
    """What people are playing now (the caller, and those whose profile is public), from
    any source; only songs of the library, the ones an app can open."""
    rows = catalog.now_playing_entries(call.user)
    now = timezone.now()
    tracks = {
        track.pk: track
        for track in catalog.app_tracks().filter(pk__in=[row.track_id for row in rows])
    }
    genres = catalog.genre_names_of(tracks)
    entries = []
    for row in rows:
        track = tracks.get(row.track_id)
        if track is None:
            continue
        entry = presenters.song(track, genres)
        entry.update(
            username=row.user.username,
            minutesAgo=int((now - row.started_at).total_seconds() // 60),
            playerId=0,
            playerName=row.client or row.get_source_display(),
        )
        entries.append(entry)
    return {"nowPlaying": {"entry": entries}}
