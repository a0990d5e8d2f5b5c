"""``stream`` with ``format``, ``maxBitRate``, ``timeOffset`` and ``estimateContentLength``:
mapped onto the catalog's transcoder. Whatever needs no transcode (no format and no cap,
``format=raw``, a cap at or above the file's bitrate, no ffmpeg) is left to the original
file's answer in ``media``.

Over the per-process limit of running transcodes the answer is HTTP 429 with Retry-After
(the one place this protocol answers another status than 200): apps retry on it, while an
error body with 200 would be played as audio by some of them.
"""

from rubysound.catalog import selectors as catalog
from rubysound.catalog.errors import TranscodeBusy

from ..errors import Code, SubsonicError, invalid, not_found
from ..ids import Kind, decode
from ..registry import Call
from ..rendering import failed, wanted_format

# An offset past a day into a song is a client bug, not a seek.
MAX_OFFSET_SECONDS = 24 * 60 * 60


def extensions() -> list[dict]:
    # transcodeOffset: timeOffset seeks in music, which only a transcode can do.
    if catalog.transcoding_available():
        return [{"name": "transcodeOffset", "versions": [1]}]
    return []


def _offset(call: Call) -> float:
    raw = call.params.get("timeOffset")
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise invalid("timeOffset") from None
    if not (0 <= value <= MAX_OFFSET_SECONDS):  # NaN fails this too
        raise invalid("timeOffset")
    return value


async def transcoded_stream(call: Call):
    """The transcoded answer to ``stream``, or None when the original file answers it."""
    params = call.params
    wanted = params.get("format")
    max_kbps = params.int("maxBitRate", minimum=0)
    offset = _offset(call)
    estimate = params.bool("estimateContentLength", False)
    if not wanted and not max_kbps:
        return None
    pk = decode(params.required("id"), Kind.SONG)
    track = await catalog.aget_library_track_file(pk)
    if track is None:
        raise not_found("Song")
    transcode = catalog.plan_transcode(
        track, format=wanted, max_kbps=max_kbps, offset_seconds=offset
    )
    if transcode is None:
        return None
    if track.duration and offset >= track.duration:
        raise invalid("timeOffset")
    try:
        response = await catalog.transcode_response(
            call.request, track, transcode, estimate_length=estimate
        )
    except TranscodeBusy as exc:
        fmt, callback = wanted_format(params)
        busy = failed(Code.GENERIC, exc.message, fmt, callback)
        busy.status_code = 429
        busy["Retry-After"] = str(exc.retry_after)
        return busy
    if response.status_code == 404:
        raise SubsonicError(Code.NOT_FOUND, "The song's file is not available.")
    return response
