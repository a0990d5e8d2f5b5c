"""Reads: the backups in BACKUP_DIR, whether one verifies, which one is the latest."""

from django.db.migrations.loader import MigrationLoader

from . import store
from .errors import BackupNotFound, Incompatible, InvalidName, VerificationFailed
from .media import check_media_tar
from .store import Backup, Progress, no_progress


def list_backups() -> list[Backup]:
    """Complete backups written by this tool, newest first by the time in their manifest."""
    return store.scan()[0]


def leftover_files() -> list[str]:
    return store.scan()[1]


def newest_backup() -> Backup | None:
    backups = list_backups()
    return backups[0] if backups else None


def check_backup(engine, backup: Backup, progress: Progress = no_progress) -> str:
    """Checksum, size and format of the dump (and media tar); VerificationFailed if any is
    off. Returns a one-line description of what was checked."""
    if backup.engine != engine.vendor:
        raise Incompatible(
            f"{backup.name} is a {backup.engine} backup; this installation runs {engine.vendor}"
        )
    expected = backup.manifest["file"]
    progress(f"checksum of {backup.name}")
    digest, size = store.sha256_file(backup.path)
    if size != expected.get("size"):
        raise VerificationFailed(
            f"{backup.name}: size {size} bytes, the manifest says {expected.get('size')} "
            "(truncated or replaced)"
        )
    if digest != expected.get("sha256"):
        raise VerificationFailed(f"{backup.name}: sha256 differs from the manifest (corrupted)")
    described = engine.check_format(backup.path)
    media = backup.media
    if media:
        media_path = store.path_in_dir(store.media_name(backup.name))
        if not media_path.is_file():
            raise VerificationFailed(f"{backup.name}: the media archive is missing")
        media_digest, media_size = store.sha256_file(media_path)
        if (media_digest, media_size) != (media.get("sha256"), media.get("size")):
            raise VerificationFailed(f"{backup.name}: the media archive differs from the manifest")
        check_media_tar(media_path)
        described += f", media tar of {media.get('files', 0)} files"
    return f"sha256 ok, {described}"


def latest_verified(engine, progress: Progress = no_progress) -> tuple[Backup, str]:
    """The newest backup of this database that verifies now, by the manifest's timestamp.

    Safety backups (taken automatically before a restore) are skipped: they hold the state
    a restore replaced, which is what a second ``--latest`` must not bring back."""
    candidates = [
        backup
        for backup in list_backups()
        if backup.database == engine.database_name
        and backup.engine == engine.vendor
        and backup.reason != "safety"
    ]
    for backup in candidates:
        try:
            checks = check_backup(engine, backup, progress)
        except (VerificationFailed, Incompatible) as exc:
            progress(f"skipping {backup.name}: {exc}")
            continue
        return backup, checks
    raise BackupNotFound(
        f"no backup of {engine.database_name} verifies in {store.backup_dir()} "
        f"({len(candidates)} examined)"
    )


def resolve(
    engine, name: str | None, latest: bool, progress: Progress = no_progress
) -> tuple[Backup, str | None]:
    """The backup a command names, with the checks already passed (``--latest`` verifies
    while choosing; a named backup is not checked yet: None)."""
    if latest == bool(name):
        raise InvalidName("give a backup NAME or --latest (one of them)")
    if latest:
        backup, checks = latest_verified(engine, progress)
        progress(f"latest verified backup: {backup.name}")
        return backup, checks
    return store.get_backup(name), None


def migrations_known_to_code() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def row_count_differences(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    differences = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            differences.append(f"{table}: missing")
        elif table not in expected:
            differences.append(f"{table}: not in the manifest")
        elif expected[table] != actual[table]:
            differences.append(f"{table}: {actual[table]} rows, manifest {expected[table]}")
    return differences
