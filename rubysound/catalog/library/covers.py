"""Album covers resized on demand, cached on disk.

``GET /api/albums/<id>/cover?size=N`` answers the album's original cover (``Album.cover``)
resized to fit an N×N box, never enlarged. N snaps to the nearest of ``COVER_SIZES`` so the
cache stays small whatever clients ask; a value that is not a whole number is a 400
(``InvalidCoverSize``). WebP goes to clients that accept it (every current browser says so in
``Accept``), JPEG to the others. Renders are written under
``settings.COVER_CACHE_DIR/<album id>/`` atomically (a temporary file renamed into place),
named after a fingerprint of the original (name, size, mtime), so a new cover gets new files
and the old ones are removed when the new one is drawn.

An album without a cover, or whose cover cannot be read, redirects (302) to the default
cover image: an ``<img src>`` pointing here always shows something.
"""

import asyncio
import hashlib
import logging
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_vary_headers
from PIL import Image, ImageOps

from rubysound.catalog.errors import InvalidCoverSize
from rubysound.catalog.models import DEFAULT_COVER, Album
from rubysound.core.exceptions import json_error_response
from rubysound.core.images import image_decoding

logger = logging.getLogger("rubysound.catalog.library.covers")

COVER_SIZES = (64, 128, 300, 600, 1200)
DEFAULT_COVER_SIZE = 300
COVER_CACHE_CONTROL = "public, max-age=86400"
# The default image may be replaced by a real cover at the next scan: revisit it sooner.
DEFAULT_COVER_CACHE_CONTROL = "public, max-age=300"
# Refuse to decode originals bigger than this (a 7,000 × 7,000 scan is 49 Mpx).
MAX_SOURCE_PIXELS = 50_000_000
_SIZE_VALUE = re.compile(r"\d{1,9}", re.ASCII)


class CoverUnavailable(Exception):
    pass


@dataclass(frozen=True)
class CoverFormat:
    extension: str
    content_type: str
    pillow_format: str
    options: tuple[tuple[str, object], ...]


WEBP = CoverFormat("webp", "image/webp", "WEBP", (("quality", 82), ("method", 4)))
JPEG = CoverFormat(
    "jpg", "image/jpeg", "JPEG", (("quality", 85), ("optimize", True), ("progressive", True))
)


def snap_size(raw: str | None) -> int:
    """The served size for a ``size`` query value: the nearest allowed one (ties go up)."""
    if raw is None or raw.strip() == "":
        return DEFAULT_COVER_SIZE
    if not _SIZE_VALUE.fullmatch(raw.strip()):
        raise InvalidCoverSize()
    wanted = int(raw.strip())
    return min(COVER_SIZES, key=lambda size: (abs(size - wanted), -size))


def negotiate_format(accept: str) -> CoverFormat:
    """WebP when the client lists ``image/webp`` (with a non-zero q), JPEG otherwise."""
    for part in accept.lower().split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media != "image/webp":
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    if float(value) <= 0:
                        return JPEG
                except ValueError:
                    return JPEG
        return WEBP
    return JPEG


@dataclass(frozen=True)
class CoverSource:
    album_id: int
    name: str  # storage name of the original
    fingerprint: str  # changes whenever the original does

    def etag(self, size: int, fmt: CoverFormat) -> str:
        return f'"{self.fingerprint}-{size}-{fmt.extension}"'

    def cache_path(self, size: int, fmt: CoverFormat) -> Path:
        return (
            Path(settings.COVER_CACHE_DIR)
            / str(self.album_id)
            / f"{size}-{self.fingerprint}.{fmt.extension}"
        )


def cover_source(album: Album) -> CoverSource:
    """The album's original cover and its fingerprint; CoverUnavailable when it is gone."""
    if not album.cover:
        raise CoverUnavailable("no cover")
    storage = album.cover.storage
    name = album.cover.name
    try:
        size = storage.size(name)
        modified = storage.get_modified_time(name).timestamp()
    except (OSError, NotImplementedError, ValueError) as exc:
        raise CoverUnavailable(f"cannot stat the original: {type(exc).__name__}") from None
    digest = hashlib.sha256(f"{name}\0{size}\0{modified!r}".encode()).hexdigest()
    return CoverSource(album.pk, name, digest[:16])


@image_decoding
def render(original: bytes, size: int, fmt: CoverFormat) -> bytes:
    """``original`` fitted into a size×size box (never enlarged), encoded as ``fmt``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(original))
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise CoverUnavailable(f"original too large: {width}x{height}")
            # JPEG originals decode straight at a fraction of their size: much faster.
            image.draft("RGB", (size, size))
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (0, 0, 0))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            elif image.mode == "L":
                image = image.convert("RGB")
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            out = BytesIO()
            image.save(out, format=fmt.pillow_format, **dict(fmt.options))
        except CoverUnavailable:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:  # fmt: skip
            raise CoverUnavailable(f"undecodable original: {type(exc).__name__}") from None
    return out.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=".render-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _remove_stale(path: Path, size: int, fmt: CoverFormat) -> None:
    for old in path.parent.glob(f"{size}-*.{fmt.extension}"):
        if old != path:
            old.unlink(missing_ok=True)


def cached_cover(album: Album, source: CoverSource, size: int, fmt: CoverFormat) -> bytes:
    """The rendered cover from the disk cache, drawing and storing it on a miss (blocking)."""
    path = source.cache_path(size, fmt)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    try:
        with album.cover.storage.open(source.name, "rb") as handle:
            original = handle.read()
    except OSError as exc:
        raise CoverUnavailable(f"cannot read the original: {type(exc).__name__}") from None
    data = render(original, size, fmt)
    try:
        _write_atomically(path, data)
        _remove_stale(path, size, fmt)
    except OSError:
        # A read-only or full cache still serves covers, only slower.
        logger.warning("cover cache not writable", extra={"cache_path": str(path)})
    return data


# --- The response ---------------------------------------------------------------------


def _default_cover_redirect() -> HttpResponseRedirect:
    response = HttpResponseRedirect(static(DEFAULT_COVER))
    response["Cache-Control"] = DEFAULT_COVER_CACHE_CONTROL
    return response


def _cover_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = COVER_CACHE_CONTROL
    patch_vary_headers(response, ["Accept"])
    return response


async def cover_response(request, album: Album, size: int) -> HttpResponseBase:
    """The album's cover at ``size`` (304 when the client has it, 302 to the default)."""
    if not album.cover:
        return _default_cover_redirect()
    fmt = negotiate_format(request.headers.get("Accept", ""))
    try:
        source = await asyncio.to_thread(cover_source, album)
        etag = source.etag(size, fmt)
        conditional = get_conditional_response(request, etag=etag)
        if conditional is not None:
            if conditional.status_code == 304:
                return _cover_headers(conditional, etag)
            return json_error_response(412, "A precondition failed.", "precondition_failed")
        data = await asyncio.to_thread(cached_cover, album, source, size, fmt)
    except CoverUnavailable as exc:
        logger.warning("cover unavailable", extra={"album_id": album.pk, "reason": str(exc)})
        return _default_cover_redirect()
    response = HttpResponse(
        data if request.method != "HEAD" else b"", content_type=fmt.content_type
    )
    response["Content-Length"] = str(len(data))
    return _cover_headers(response, etag)
