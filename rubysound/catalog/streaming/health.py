"""The readiness report's line on transcoding: informational, never failing readiness. A
server without ffmpeg still streams every original file; apps only lose transcodes and
seeking into them (``transcodeOffset`` is not advertised)."""

from rubysound.core.health import register_check

from .transcode import ffmpeg_binary


async def check_transcoding() -> str:
    if ffmpeg_binary() is None:
        raise RuntimeError("no ffmpeg (FFMPEG_BINARY or PATH): original files only")
    return "ffmpeg"


def register_streaming_checks() -> None:
    register_check("transcoding", check_transcoding, critical=False)
