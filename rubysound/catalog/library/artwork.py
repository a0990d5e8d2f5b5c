"""Album artwork as stored: the folder image or the embedded picture, re-encoded once.

The scanner finds the image (``find_folder_cover``, else the file's embedded art) and
hands it to ``set_album_cover``, which stores a bounded JPEG as ``Album.cover``. The
file is written before the row that names it and removed again if the transaction fails,
so a row never points at a missing file and a failed write leaves no orphan behind.
Sized renders for clients are made from that original on demand (``covers``).
"""

import hashlib
import io
import logging
import warnings
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from rubysound.catalog import version as catalog_version
from rubysound.catalog.models import Album
from rubysound.core.images import image_decoding

logger = logging.getLogger(__name__)

# Folder images, best first (matched without regard to case).
FOLDER_COVER_NAMES = (
    "cover.jpg",
    "cover.jpeg",
    "cover.png",
    "cover.webp",
    "folder.jpg",
    "folder.jpeg",
    "folder.png",
    "front.jpg",
    "front.jpeg",
    "front.png",
    "album.jpg",
    "album.png",
    "albumart.jpg",
)
COVER_MAX_SIDE = 1200
COVER_MAX_SOURCE_BYTES = 20 * 1024 * 1024
COVER_DIGEST_LENGTH = 16


def find_folder_cover(directory: Path, names: list[str] | None = None) -> Path | None:
    """The folder image of an album directory (cover.jpg, folder.jpg, front.png, ...)."""
    if names is None:
        try:
            names = [entry.name for entry in directory.iterdir() if entry.is_file()]
        except OSError:
            return None
    by_lower = {name.lower(): name for name in names}
    for candidate in FOLDER_COVER_NAMES:
        if candidate in by_lower:
            return directory / by_lower[candidate]
    return None


def cover_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:COVER_DIGEST_LENGTH]


def album_cover_digest(album: Album) -> str:
    """The digest of the source image the album's cover was made from ("" when none)."""
    if not album.cover:
        return ""
    stem = Path(album.cover.name).stem
    _, _, digest = stem.rpartition("-")
    return digest if len(digest) == COVER_DIGEST_LENGTH else ""


def set_album_cover(album: Album, image_data: bytes) -> bool:
    """Stores ``image_data`` (embedded art or a folder image) as the album's cover.

    Decoded and re-encoded with Pillow (JPEG, at most COVER_MAX_SIDE pixels a side), so
    whatever else the file carried is dropped. Nothing happens when the album already has
    a cover made from the same image. Returns True when the cover was (re)written; False
    when unchanged or when the image is not a usable picture.
    """
    if not image_data or len(image_data) > COVER_MAX_SOURCE_BYTES:
        return False
    digest = cover_digest(image_data)
    if album_cover_digest(album) == digest:
        return False
    encoded = _reencode_cover(image_data)
    if encoded is None:
        return False
    storage = album.cover.storage
    old_name = album.cover.name
    # The name carries the source image's digest: that is how "changed?" is answered later.
    target = f"{album.cover.field.upload_to}{album.pk}-{digest}.jpg"
    written = not storage.exists(target)  # else: the very same cover, left by a rollback
    name = storage.save(target, ContentFile(encoded)) if written else target
    try:
        with transaction.atomic():
            Album.objects.filter(pk=album.pk).update(cover=name, updated_at=timezone.now())
            if old_name and old_name != name:
                delete_cover_file_on_commit(old_name)
            catalog_version.changed()  # search results show the cover
    except Exception:
        if written:
            storage.delete(name)
        raise
    album.cover.name = name
    return True


@image_decoding
def _reencode_cover(data: bytes) -> bytes | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > settings.IMAGE_UPLOAD_MAX_PIXELS:
                return None
            image.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
    ):
        return None
    image = ImageOps.exif_transpose(image)
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (0, 0, 0))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail((COVER_MAX_SIDE, COVER_MAX_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=90, optimize=True)
    return output.getvalue()


def delete_cover_file_on_commit(name: str) -> None:
    """Removes a stored cover file once the transaction that dropped it commits."""
    if not name:
        return

    def delete():
        try:
            Album._meta.get_field("cover").storage.delete(name)
        except OSError:
            logger.warning("event=cover_delete_failed name=%s", name)

    transaction.on_commit(delete)
