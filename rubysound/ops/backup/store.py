"""The backup directory: names, paths, manifests. Only files this tool wrote are listed.

A backup is ``<db>_<UTC timestamp>.dump`` plus its manifest ``<db>_<UTC timestamp>.json``
(and ``<db>_<UTC timestamp>.media.tar`` with ``--with-media``). Files are written under a
hidden temporary name, fsynced and renamed, the manifest last: a dump without a manifest is
an interrupted backup, never listed as one.
"""

import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from .errors import BackupNotFound, InvalidName, VerificationFailed

TOOL = "rubysound-backup"
MANIFEST_FORMAT = 1
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S"
TEMP_PREFIX = ".tmp-"
LOCK_FILE_NAME = ".lock"
# <db>_<YYYYmmddTHHMMSS>.<milliseconds>Z.dump; the database part never holds a dot or slash.
NAME_PATTERN = re.compile(
    r"^(?P<db>[A-Za-z0-9][A-Za-z0-9_-]{0,62})_(?P<ts>\d{8}T\d{6}\.\d{3})Z\.dump$"
)
CHUNK_BYTES = 1024 * 1024

Progress = Callable[[str], None]


def no_progress(_line: str) -> None:
    pass


@dataclass(frozen=True)
class Backup:
    name: str
    path: Path
    manifest: dict

    @property
    def created_at(self) -> datetime:
        return parse_time(self.manifest["created_at"])

    @property
    def database(self) -> str:
        return self.manifest["database"]["name"]

    @property
    def engine(self) -> str:
        return self.manifest["database"]["engine"]

    @property
    def reason(self) -> str:
        return self.manifest.get("reason", "manual")

    @property
    def media(self) -> dict | None:
        return self.manifest.get("media")

    @property
    def size_bytes(self) -> int:
        media = self.media
        return self.manifest["file"]["size"] + (media["size"] if media else 0)

    @property
    def last_verification(self) -> dict | None:
        verifications = self.manifest.get("verifications") or []
        return verifications[-1] if verifications else None


def backup_dir() -> Path:
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def database_label(database_name: str) -> str:
    """The database part of a backup's name: a file stem, so nothing but [A-Za-z0-9_-]."""
    label = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(database_name).stem).strip("-_")
    return (label or "database")[:63]


def new_name(database_name: str, moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    stamp = f"{moment.strftime(TIMESTAMP_FORMAT)}.{moment.microsecond // 1000:03d}"
    return f"{database_label(database_name)}_{stamp}Z.dump"


def validate_name(name: str) -> str:
    """The name of a backup this tool wrote, or InvalidName (no paths, no traversal)."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidName(
            f"{name!r} is not a backup name (expected <database>_<YYYYmmddTHHMMSS.mmm>Z.dump)"
        )
    return name


def stem(name: str) -> str:
    return validate_name(name)[: -len(".dump")]


def manifest_name(name: str) -> str:
    return f"{stem(name)}.json"


def media_name(name: str) -> str:
    return f"{stem(name)}.media.tar"


def path_in_dir(file_name: str) -> Path:
    folder = backup_dir().resolve()
    path = folder / file_name
    if path.parent != folder or "/" in file_name or file_name in {"", ".", ".."}:
        raise InvalidName(f"{file_name!r} is not a file of the backup directory")
    return path


def temp_path_for(final_name: str) -> Path:
    return path_in_dir(f"{TEMP_PREFIX}{final_name}.{secrets.token_hex(4)}")


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)  # a symlink is never ours
    except FileNotFoundError:
        return False


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Temp file fsynced, renamed into place, and the rename itself made durable."""
    fsync_path(temp)
    os.replace(temp, final)
    fsync_path(final.parent)


def write_json(path: Path, data: dict) -> None:
    temp = temp_path_for(path.name)
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    publish(temp, path)


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_manifest(name: str) -> dict:
    path = path_in_dir(manifest_name(name))
    if not _regular_file(path) or not _regular_file(path_in_dir(validate_name(name))):
        raise BackupNotFound(f"no backup named {name} in {backup_dir()}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VerificationFailed(f"{name}: the manifest cannot be read ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("tool") != TOOL
        or manifest.get("name") != name
        or not isinstance(manifest.get("file"), dict)
    ):
        raise VerificationFailed(f"{name}: the manifest was not written by this tool for it")
    return manifest


def get_backup(name: str) -> Backup:
    validate_name(name)
    return Backup(name=name, path=path_in_dir(name), manifest=read_manifest(name))


def save_manifest(backup: Backup) -> None:
    write_json(path_in_dir(manifest_name(backup.name)), backup.manifest)


def _sidecar_dump(file_name: str) -> str | None:
    for suffix in (".json", ".media.tar"):
        if file_name.endswith(suffix):
            dump = file_name[: -len(suffix)] + ".dump"
            return dump if NAME_PATTERN.fullmatch(dump) else None
    return None


def scan() -> tuple[list[Backup], list[str]]:
    """Complete backups (newest first, by the manifest's time) and leftover file names:
    interrupted writes, dumps without a manifest, manifests without a dump."""
    folder = backup_dir()
    backups: list[Backup] = []
    leftovers: list[str] = []
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry == LOCK_FILE_NAME or not _regular_file(path):
            continue
        if entry.startswith(TEMP_PREFIX):
            leftovers.append(entry)
        elif NAME_PATTERN.fullmatch(entry):
            try:
                backups.append(get_backup(entry))
            except (BackupNotFound, VerificationFailed):
                leftovers.append(entry)
        elif (dump := _sidecar_dump(entry)) and not _regular_file(folder / dump):
            leftovers.append(entry)  # a manifest or media tar whose dump is gone
    backups.sort(key=lambda backup: backup.created_at, reverse=True)
    return backups, leftovers


def remove_files(name: str) -> list[str]:
    """Deletes a backup's dump, media and manifest (manifest first: never a listed half)."""
    removed = []
    for file_name in (manifest_name(name), media_name(name), name):
        path = path_in_dir(file_name)
        if _regular_file(path):
            path.unlink()
            removed.append(file_name)
    fsync_path(backup_dir())
    return removed


def remove_leftover(file_name: str) -> None:
    path = path_in_dir(file_name)
    if _regular_file(path):
        path.unlink()
