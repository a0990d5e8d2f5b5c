"""Audio files uploaded by staff, checked and stored in the library for the scanner."""

import hashlib
import os
import re
import uuid
from pathlib import Path

from django.conf import settings

from rubysound.catalog.errors import UploadRefused
from rubysound.catalog.library.tags import AUDIO_EXTENSIONS, TagError, read_tags
from rubysound.catalog.models import Track

UPLOAD_FOLDER = "Uploads"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def audio_upload_max_bytes() -> int:
    """The size cap of one uploaded audio file (``AUDIO_UPLOAD_MAX_BYTES``, default 200 MB)."""
    return settings.AUDIO_UPLOAD_MAX_BYTES


def save_uploaded_audio(upload, *, library_dir: Path | None = None) -> Path:
    """Checks one uploaded file and stores it in ``<first library folder>/Uploads/``.

    Refused with UploadRefused (message names the file): a name that is not an audio
    type, a file over the size cap, content mutagen cannot read as audio, or content already
    in the library. The file is written under a hidden name first (the scanner skips hidden
    files) and linked into place under a free name, so nothing half-written is ever seen
    and no existing file is overwritten. Returns the stored file's path; the caller scans it.
    """
    name = _upload_name(getattr(upload, "name", "") or "")
    extension = Path(name).suffix.lower()
    if extension not in AUDIO_EXTENSIONS:
        kinds = ", ".join(sorted(ext.lstrip(".") for ext in AUDIO_EXTENSIONS))
        raise UploadRefused(f"{name}: not an audio file type (accepted: {kinds})")
    limit = audio_upload_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(f"{name}: too large (the limit is {limit // (1024 * 1024)} MB)")
    folder = Path(library_dir or settings.LIBRARY_DIRS[0]) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".upload-{uuid.uuid4().hex}{extension}"
    digest = hashlib.sha256()
    written = 0
    try:
        with open(scratch, "xb") as output:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > limit:
                    raise UploadRefused(
                        f"{name}: too large (the limit is {limit // (1024 * 1024)} MB)"
                    )
                digest.update(chunk)
                output.write(chunk)
        tags = read_tags(scratch)
        if isinstance(tags, TagError):
            raise UploadRefused(f"{name}: {tags.reason}")
        duplicate = (
            Track.objects.filter(source=Track.Source.LIBRARY, content_hash=digest.hexdigest())
            .order_by()
            .values_list("path", flat=True)
            .first()
        )
        if duplicate is not None:
            raise UploadRefused(f"{name}: already in the library as {duplicate}")
        return _link_under_free_name(scratch, folder, name)
    finally:
        scratch.unlink(missing_ok=True)


def _upload_name(raw: str) -> str:
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip().lstrip(".")
    stem, extension = os.path.splitext(base)
    return (stem[:150] or "upload") + extension[:10]


def _link_under_free_name(scratch: Path, folder: Path, name: str) -> Path:
    stem, extension = os.path.splitext(name)
    for number in range(1, 1000):
        candidate = folder / (name if number == 1 else f"{stem} ({number}){extension}")
        try:
            os.link(scratch, candidate)  # fails if the name is taken: never overwrites
            return candidate
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links
            if not candidate.exists():
                os.replace(scratch, candidate)
                return candidate
    raise UploadRefused(f"{name}: too many files of that name in {folder}")
