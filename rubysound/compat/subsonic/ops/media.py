"""Media: stream (the original bytes, or transcoded: see ``transcoding``), download,
getCoverArt.

The catalog's own streaming and cover code answers, so ranges, ETags, conditional
requests and content types are the same as the web player's. ``stream`` never counts a
play: apps report plays with ``scrobble``. The answers are marked private: the URL carries
the app's credentials, and no shared cache may keep it after they are revoked.
"""

from rubysound.catalog import selectors as catalog

from ..errors import Code, SubsonicError, not_found
from ..ids import Kind, decode, parse
from ..registry import Call, operation
from . import transcoding


def _private(response):
    cache_control = response.get("Cache-Control", "")
    if cache_control.startswith("public"):
        response["Cache-Control"] = "private" + cache_control.removeprefix("public")
    return response


async def _file_response(call: Call):
    pk = decode(call.params.required("id"), Kind.SONG)
    track = await catalog.aget_library_track_file(pk)
    if track is None:
        raise not_found("Song")
    response = await catalog.stream_response(call.request, track)
    if response.status_code == 404:
        raise SubsonicError(Code.NOT_FOUND, "The song's file is not available.")
    if response.status_code >= 400 and response.status_code != 416:
        raise SubsonicError(Code.GENERIC, "The song could not be streamed.")
    return _private(response)


@operation("stream", media=True)
async def stream(call: Call):
    # format, maxBitRate, timeOffset, estimateContentLength: see ops/transcoding.py.
    transcoded = await transcoding.transcoded_stream(call)
    if transcoded is not None:
        return transcoded
    return await _file_response(call)


@operation("download", media=True)
async def download(call: Call):
    return await _file_response(call)


@operation("getCoverArt", media=True)
async def get_cover_art(call: Call):
    kind, pk = parse(call.params.required("id"))
    size = catalog.snap_size(call.params.get("size"))
    if kind == Kind.ALBUM:
        album = await catalog.aget_album_cover(pk)
    elif kind == Kind.SONG:
        album = await catalog.aget_cover_album_of_track(pk)
    elif kind == Kind.ARTIST:
        album = await catalog.aget_cover_album_of_artist(pk)
    else:
        album = None
    if album is None:
        raise not_found("Cover art")
    return _private(await catalog.cover_response(call.request, album, size))
