"""Browsing by tags: getMusicFolders, getIndexes, getArtists, getArtist, getAlbum, getSong,
getGenres."""

from rubysound.catalog import selectors as catalog
from rubysound.social.selectors import annotations as annotation_selectors
from rubysound.social.selectors.playlists import favorites_added_at

from .. import presenters
from ..errors import not_found
from ..ids import Kind, decode, encode, parse
from ..registry import Call, operation

# We have one library: every folder answers all of it, so a client's folder filter is read
# (checked to be a number) and otherwise ignored.
MUSIC_FOLDER_ID = 1


def music_folder_id(call: Call) -> int | None:
    return call.params.int("musicFolderId")


@operation("getMusicFolders")
def get_music_folders(call: Call) -> dict:
    return {"musicFolders": {"musicFolder": [{"id": MUSIC_FOLDER_ID, "name": "Music"}]}}


def _artists_body(call: Call) -> dict:
    music_folder_id(call)
    rows = catalog.app_artists()
    return {
        "ignoredArticles": presenters.IGNORED_ARTICLES,
        # The caller's stars and ratings of artists: as many as they made, not the library.
        "index": presenters.artist_indexes(
            rows,
            annotation_selectors.starred_at(call.user, "artist"),
            annotation_selectors.ratings_of(call.user, "artist"),
        ),
    }


@operation("getArtists")
def get_artists(call: Call) -> dict:
    return {"artists": _artists_body(call)}


@operation("getIndexes")
def get_indexes(call: Call) -> dict:
    body = _artists_body(call)
    return {"indexes": {"lastModified": 0, **body}}


@operation("getArtist")
def get_artist(call: Call) -> dict:
    pk = decode(call.params.required("id"), Kind.ARTIST)
    artist = catalog.app_artists().filter(pk=pk).first()
    if artist is None:
        raise not_found("Artist")
    albums = catalog.app_albums().filter(artist_id=pk).order_by("year", "title_key", "pk")
    return {
        "artist": {
            **annotated_rows(call, "artist", [artist])[0],
            "album": annotated_rows(call, "album", albums),
        }
    }


def song_rows(call: Call, tracks) -> list[dict]:
    """Songs as ``Child`` dicts with their genres, starred from the caller's Favorites and
    with the caller's ratings (one query each for all)."""
    tracks = list(tracks)
    ids = [track.pk for track in tracks]
    starred = favorites_added_at(call.user, ids) if tracks else {}
    ratings = annotation_selectors.ratings_of(call.user, "track", ids)
    genres = catalog.genre_names_of(ids)
    return [presenters.song(track, genres, starred, ratings) for track in tracks]


# How each ID3 entry an app can star and rate is presented.
_PRESENTERS = {"album": presenters.album, "artist": presenters.artist}


def annotated_rows(call: Call, kind: str, rows) -> list[dict]:
    """Albums (``AlbumID3``) or artists (``ArtistID3``), as ``kind`` says, with the caller's
    stars and ratings (one query each for all)."""
    present = _PRESENTERS[kind]
    rows = list(rows)
    ids = [row.pk for row in rows]
    starred = annotation_selectors.starred_at(call.user, kind, ids) if ids else {}
    ratings = annotation_selectors.ratings_of(call.user, kind, ids)
    return [
        presenters.annotated(present(row), starred.get(row.pk), ratings.get(row.pk)) for row in rows
    ]


@operation("getAlbum")
def get_album(call: Call) -> dict:
    pk = decode(call.params.required("id"), Kind.ALBUM)
    album = catalog.app_albums().filter(pk=pk).first()
    if album is None:
        raise not_found("Album")
    tracks = catalog.app_tracks().filter(album_id=pk).order_by(*catalog.ALBUM_TRACK_ORDER)
    return {"album": {**annotated_rows(call, "album", [album])[0], "song": song_rows(call, tracks)}}


@operation("getSong")
def get_song(call: Call) -> dict:
    pk = decode(call.params.required("id"), Kind.SONG)
    track = catalog.app_tracks().filter(pk=pk).first()
    if track is None:
        raise not_found("Song")
    return {"song": song_rows(call, [track])[0]}


@operation("getGenres")
def get_genres(call: Call) -> dict:
    return {"genres": {"genre": [presenters.genre(row) for row in catalog.app_genres()]}}


@operation("getMusicDirectory")
def get_music_directory(call: Call) -> dict:
    """Folder browsing over the tags: an artist holds their albums, an album its songs."""
    kind, pk = parse(call.params.required("id"))
    if kind == Kind.ARTIST:
        artist = catalog.app_artists().filter(pk=pk).first()
        if artist is None:
            raise not_found("Directory")
        albums = catalog.app_albums().filter(artist_id=pk).order_by("year", "title_key", "pk")
        return {
            "directory": {
                "id": encode(Kind.ARTIST, pk),
                "name": artist.name,
                "child": [presenters.album_as_child(album) for album in albums],
            }
        }
    if kind == Kind.ALBUM:
        album = catalog.app_albums().filter(pk=pk).first()
        if album is None:
            raise not_found("Directory")
        tracks = catalog.app_tracks().filter(album_id=pk).order_by(*catalog.ALBUM_TRACK_ORDER)
        return {
            "directory": {
                "id": encode(Kind.ALBUM, pk),
                "parent": encode(Kind.ARTIST, album.artist_id),
                "name": album.title,
                "child": song_rows(call, tracks),
            }
        }
    raise not_found("Directory")


@operation("getArtistInfo2")
def get_artist_info2(call: Call) -> dict:
    """The biography the library stores (photos and similar artists: none yet)."""
    pk = decode(call.params.required("id"), Kind.ARTIST)
    artist = catalog.app_artists().filter(pk=pk).first()
    if artist is None:
        raise not_found("Artist")
    call.params.int("count", minimum=0)
    return {
        "artistInfo2": {
            "biography": artist.bio or None,
            "musicBrainzId": str(artist.mbid) if artist.mbid else None,
        }
    }


@operation("getAlbumInfo2")
def get_album_info2(call: Call) -> dict:
    pk = decode(call.params.required("id"), Kind.ALBUM)
    album = catalog.app_albums().filter(pk=pk).first()
    if album is None:
        raise not_found("Album")
    return {"albumInfo": {"musicBrainzId": str(album.mbid) if album.mbid else None}}


@operation("getTopSongs")
def get_top_songs(call: Call) -> dict:
    """The artist's (by name) most listened songs in our library."""
    name = call.params.required("artist")
    count = call.params.int("count", 50, minimum=0, maximum=catalog.APP_PAGE_MAX)
    tracks = catalog.top_tracks_of_artist_named(name, count=count)
    return {"topSongs": {"song": song_rows(call, tracks)}}
