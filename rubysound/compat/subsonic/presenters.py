"""The protocol's shapes of our rows: one function per Subsonic type (``Child`` for a
song, ``AlbumID3``, ``ArtistID3``, ``Playlist``, ``Genre``), reading only what the
selectors loaded."""

from datetime import datetime

from rubysound.catalog import selectors as catalog

from .ids import Kind, encode

IGNORED_ARTICLES = "The El La Los Las Le Les"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _seconds(value: float | None) -> int:
    return round(value) if value else 0


def _suffix(track) -> str:
    if track.format:
        return track.format.lower()
    return track.path.rsplit(".", 1)[-1].lower() if "." in (track.path or "") else ""


def annotated(entry: dict, starred: datetime | None, rating: int | None) -> dict:
    """An album or artist entry with the caller's star and rating (``starred``/``userRating``
    are left out when there are none, as the schemas allow)."""
    if starred is not None:
        entry["starred"] = iso(starred)
    if rating:
        entry["userRating"] = rating
    return entry


def song(
    track,
    genres: dict[int, list[str]],
    starred: dict[int, datetime] | None = None,
    ratings: dict[int, int] | None = None,
) -> dict:
    """A track as a ``Child``; ``genres`` maps tracks to their genres' names
    (``catalog.genre_names_of``), ``starred`` the caller's Favorites to when each was added,
    ``ratings`` the caller's ratings to their value."""
    album = track.album
    genres = genres.get(track.pk, [])
    suffix = _suffix(track)
    return {
        "id": encode(Kind.SONG, track.pk),
        "parent": encode(Kind.ALBUM, album.pk) if album else None,
        "isDir": False,
        "title": track.title,
        "album": album.title if album else None,
        "artist": track.artist.name,
        "track": track.track_number,
        "year": track.year,
        "genre": genres[0] if genres else None,
        "coverArt": encode(Kind.ALBUM, album.pk) if album else None,
        "size": track.size,
        "contentType": catalog.content_type_for(track),
        "suffix": suffix,
        "duration": _seconds(track.duration),
        "bitRate": track.bitrate // 1000 if track.bitrate else None,
        "samplingRate": track.sample_rate,
        "channelCount": track.channels,
        # A path as a folder-browsing app shows it (the real one stays on the server).
        "path": f"{track.artist.name}/{album.title if album else '-'}/{track.title}.{suffix}",
        "discNumber": track.disc_number,
        "created": iso(track.created_at),
        "starred": iso((starred or {}).get(track.pk)),
        "userRating": (ratings or {}).get(track.pk),
        "albumId": encode(Kind.ALBUM, album.pk) if album else None,
        "artistId": encode(Kind.ARTIST, track.artist_id),
        "type": "music",
        "mediaType": "song",
        "isVideo": False,
        "musicBrainzId": str(track.mbid) if track.mbid else None,
        "genres": [{"name": name} for name in genres],
        "artists": [{"id": encode(Kind.ARTIST, track.artist_id), "name": track.artist.name}],
        "displayArtist": track.artist.name,
    }


def album(row) -> dict:
    """An album from ``catalog.app_albums()`` (artist joined, track count and duration)."""
    return {
        "id": encode(Kind.ALBUM, row.pk),
        "name": row.title,
        "artist": row.artist.name,
        "artistId": encode(Kind.ARTIST, row.artist_id),
        "coverArt": encode(Kind.ALBUM, row.pk),
        "songCount": row.track_count,
        "duration": _seconds(row.total_duration),
        "created": iso(row.created_at),
        "year": row.year,
        "musicBrainzId": str(row.mbid) if row.mbid else None,
        "artists": [{"id": encode(Kind.ARTIST, row.artist_id), "name": row.artist.name}],
        "displayArtist": row.artist.name,
        "sortName": row.title_key,
    }


def album_as_child(row) -> dict:
    """An album in the folder-based lists (``getAlbumList``): a directory ``Child``."""
    return {
        "id": encode(Kind.ALBUM, row.pk),
        "parent": encode(Kind.ARTIST, row.artist_id),
        "isDir": True,
        "title": row.title,
        "album": row.title,
        "artist": row.artist.name,
        "year": row.year,
        "coverArt": encode(Kind.ALBUM, row.pk),
        "created": iso(row.created_at),
    }


def artist(row) -> dict:
    """An artist from ``catalog.app_artists()`` (with ``album_count``)."""
    return {
        "id": encode(Kind.ARTIST, row.pk),
        "name": row.name,
        "albumCount": row.album_count,
        # getCoverArt answers an artist with the cover of one of their albums.
        "coverArt": encode(Kind.ARTIST, row.pk),
        "musicBrainzId": str(row.mbid) if row.mbid else None,
        "sortName": row.sort_name or row.name,
    }


def artist_as_index_entry(row) -> dict:
    """An artist in search2's folder-based answer (``Artist``: id and name)."""
    return {"id": encode(Kind.ARTIST, row.pk), "name": row.name}


def index_key(name: str) -> str:
    """The letter an artist is filed under ("#" for digits and symbols), articles ignored."""
    words = name.split(" ", 1)
    if len(words) == 2 and words[0] in IGNORED_ARTICLES.split():
        name = words[1]
    first = name[:1].upper()
    return first if first.isalpha() else "#"


def artist_indexes(
    rows, starred: dict[int, datetime] | None = None, ratings: dict[int, int] | None = None
) -> list[dict]:
    """Artists filed by letter, with the caller's ``starred`` times and ``ratings``."""
    starred, ratings = starred or {}, ratings or {}
    indexes: dict[str, list[dict]] = {}
    for row in rows:
        entry = annotated(artist(row), starred.get(row.pk), ratings.get(row.pk))
        indexes.setdefault(index_key(row.name), []).append(entry)
    return [{"name": key, "artist": indexes[key]} for key in sorted(indexes)]


def playlist(row, *, song_count: int, duration: float | None) -> dict:
    return {
        "id": encode(Kind.PLAYLIST, row.pk),
        "name": row.title,
        "comment": row.description or None,
        "owner": row.owner.username,
        "public": row.is_public,
        "songCount": song_count,
        "duration": _seconds(duration),
        "created": iso(row.created_at),
        "changed": iso(row.updated_at),
        "readonly": None,
    }


def genre(row) -> dict:
    return {"value": row.name, "songCount": row.track_count, "albumCount": row.album_count}
