"""Lists: getAlbumList2 (ID3) and getAlbumList (folders) with every list type,
getRandomSongs, getSongsByGenre."""

from rubysound.catalog import selectors as catalog
from rubysound.social.selectors import annotations as annotation_selectors
from rubysound.social.selectors.playlists import favorite_track_ids

from .. import presenters
from ..errors import invalid, missing
from ..registry import Call, operation
from .browsing import annotated_rows, song_rows

MAX_SIZE = catalog.APP_PAGE_MAX


def _albums(call: Call) -> list:
    params = call.params
    list_type = params.required("type")
    if list_type not in catalog.AlbumListType.ALL:
        raise invalid("type")
    size = params.int("size", 10, minimum=0, maximum=MAX_SIZE)
    offset = params.int("offset", 0, minimum=0)
    options = {}
    if list_type == catalog.AlbumListType.BY_YEAR:
        for name in ("fromYear", "toYear"):
            if not params.has(name):
                raise missing(name)
        options["year_from"] = params.int("fromYear", required=True)
        options["year_to"] = params.int("toYear", required=True)
    elif list_type == catalog.AlbumListType.BY_GENRE:
        options["genre"] = params.required("genre")
    elif list_type == catalog.AlbumListType.STARRED:
        options["track_ids"] = favorite_track_ids(call.user)
    params.int("musicFolderId")
    if list_type == catalog.AlbumListType.HIGHEST:
        return _highest(call.user, offset=offset, size=size)
    return catalog.album_list(list_type, offset=offset, size=size, user=call.user, **options)


def _highest(user, *, offset: int, size: int) -> list:
    """The albums the user rated, best first, then the rest by listens."""
    rated = annotation_selectors.rated_albums(user)
    rated_count = rated.count()
    page = list(rated.values_list("album_id", flat=True)[offset : offset + size])
    albums = catalog.in_order(catalog.app_albums(), page) if page else []
    if len(page) < size:
        albums += catalog.album_list(
            catalog.AlbumListType.HIGHEST,
            offset=max(0, offset - rated_count),
            size=size - len(page),
            exclude_ids=rated.values("album_id") if rated_count else None,
        )
    return albums


@operation("getAlbumList2")
def get_album_list2(call: Call) -> dict:
    return {"albumList2": {"album": annotated_rows(call, "album", _albums(call))}}


@operation("getAlbumList")
def get_album_list(call: Call) -> dict:
    return {"albumList": {"album": [presenters.album_as_child(row) for row in _albums(call)]}}


@operation("getRandomSongs")
def get_random_songs(call: Call) -> dict:
    params = call.params
    size = params.int("size", 10, minimum=0, maximum=MAX_SIZE)
    params.int("musicFolderId")
    tracks = catalog.random_tracks(
        size,
        genre=params.get("genre") or None,
        year_from=params.int("fromYear"),
        year_to=params.int("toYear"),
    )
    return {"randomSongs": {"song": song_rows(call, tracks)}}


@operation("getSongsByGenre")
def get_songs_by_genre(call: Call) -> dict:
    params = call.params
    genre = params.required("genre")
    count = params.int("count", 10, minimum=0, maximum=MAX_SIZE)
    offset = params.int("offset", 0, minimum=0)
    params.int("musicFolderId")
    tracks = catalog.tracks_of_genre(genre, offset=offset, count=count)
    return {"songsByGenre": {"song": song_rows(call, tracks)}}
