"""The media folder as a tar next to the dump (uploaded avatars, banners, covers)."""

import tarfile
from pathlib import Path

from django.conf import settings

from .errors import VerificationFailed
from .store import Progress, no_progress


def write_media_tar(target: Path, progress: Progress = no_progress) -> int:
    """Tars MEDIA_ROOT (files only, relative paths, no symlinks followed); returns the count."""
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
                    count += 1
    progress(f"media: {count} files from {root}")
    return count


def check_media_tar(path: Path) -> int:
    try:
        with tarfile.open(path, "r:") as archive:
            return sum(1 for member in archive.getmembers() if member.isfile())
    except (tarfile.TarError, OSError) as exc:
        raise VerificationFailed(f"the media archive cannot be read: {exc}") from None


def extract_media_tar(path: Path, progress: Progress = no_progress) -> int:
    """Extracts over MEDIA_ROOT: files from the backup come back, newer files stay. The
    'data' filter refuses absolute paths, '..', links out of the folder and device files."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        archive.extractall(root, members=members, filter="data")
    progress(f"media: {len(members)} files restored into {root}")
    return len(members)
