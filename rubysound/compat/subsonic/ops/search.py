"""search3 (ID3) and search2 (folders). An empty, missing or ``""`` query answers the whole
library page by page, which is how apps sync it; a trailing ``*`` is ignored."""

from rubysound.catalog import selectors as catalog

from .. import presenters
from ..registry import Call, operation
from .browsing import annotated_rows, song_rows

MAX_COUNT = catalog.APP_PAGE_MAX


def _query(call: Call) -> str:
    query = (call.params.get("query") or "").strip()
    # Clients send "" quoted, or a prefix wildcard: neither is part of what they look for.
    if query in ('""', "''"):
        query = ""
    return query.rstrip("*").strip()


def _page(call: Call, prefix: str, default: int) -> tuple[int, int]:
    count = call.params.int(f"{prefix}Count", default, minimum=0, maximum=MAX_COUNT)
    offset = call.params.int(f"{prefix}Offset", 0, minimum=0)
    return count, offset


def _results(call: Call) -> tuple[list, list, list]:
    query = _query(call)
    artist_count, artist_offset = _page(call, "artist", 20)
    album_count, album_offset = _page(call, "album", 20)
    song_count, song_offset = _page(call, "song", 20)
    call.params.int("musicFolderId")
    if not query:
        return (
            catalog.library_page("artist", offset=artist_offset, size=artist_count),
            catalog.library_page("album", offset=album_offset, size=album_count),
            catalog.library_page("track", offset=song_offset, size=song_count),
        )
    artists = catalog.in_order(
        catalog.app_artists(),
        catalog.matching_ids("artist", query, offset=artist_offset, count=artist_count),
    )
    albums = catalog.in_order(
        catalog.app_albums(),
        catalog.matching_ids("album", query, offset=album_offset, count=album_count),
    )
    tracks = catalog.in_order(
        catalog.app_tracks(),
        catalog.matching_ids("track", query, offset=song_offset, count=song_count),
    )
    return artists, albums, tracks


@operation("search3")
def search3(call: Call) -> dict:
    artists, albums, tracks = _results(call)
    return {
        "searchResult3": {
            "artist": annotated_rows(call, "artist", artists),
            "album": annotated_rows(call, "album", albums),
            "song": song_rows(call, tracks),
        }
    }


@operation("search2")
def search2(call: Call) -> dict:
    artists, albums, tracks = _results(call)
    return {
        "searchResult2": {
            "artist": [
                {"id": row["id"], "name": row["name"]} for row in map(presenters.artist, artists)
            ],
            "album": [presenters.album_as_child(row) for row in albums],
            "song": song_rows(call, tracks),
        }
    }
