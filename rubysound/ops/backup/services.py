"""Writes: create, verify, restore, prune and delete backups. The CLI, the admin's background
tasks and the Kubernetes jobs all call these functions; each reports progress through a
callback and raises a BackupError (with its exit code) on failure."""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

import rubysound
from rubysound.ops.models import BackupTask

from . import selectors, store
from .engines import engine_for_default_database
from .errors import BackupError, Incompatible, Refused, VerificationFailed
from .locking import file_lock, operation_lock
from .media import extract_media_tar, write_media_tar
from .store import Backup, Progress, format_time, no_progress, utc_now

logger = logging.getLogger("rubysound.backup")
VERIFICATIONS_KEPT = 10


@dataclass(frozen=True)
class VerifyReport:
    backup: Backup
    checks: str
    drill_seconds: float | None = None
    drill_rows: int | None = None


@dataclass(frozen=True)
class RestoreReport:
    backup: Backup
    safety_backup: Backup
    seconds: float
    row_count_notes: list[str] = field(default_factory=list)
    media_files: int | None = None


@dataclass(frozen=True)
class PruneReport:
    deleted: list[str]
    kept: list[str]
    protected: list[str]
    leftovers_removed: list[str]


# --- create ----------------------------------------------------------------------------------


def create_backup(
    *, with_media: bool = False, progress: Progress = no_progress, engine=None
) -> Backup:
    engine = engine or engine_for_default_database()
    with operation_lock(engine, "create a backup", progress=progress):
        return _create_locked(engine, with_media=with_media, reason="manual", progress=progress)


def _create_locked(engine, *, with_media: bool, reason: str, progress: Progress) -> Backup:
    started = time.monotonic()
    created_at = utc_now()
    name = store.new_name(engine.database_name, created_at)
    final = store.path_in_dir(name)
    if final.exists():
        raise BackupError(f"{name} already exists (is the clock going backwards?)")
    temp = store.temp_path_for(name)
    media_temp = store.temp_path_for(store.media_name(name)) if with_media else None
    published: list = []
    try:
        facts = engine.dump(temp, progress)
        progress(f"format: {engine.check_format(temp)}")
        digest, size = store.sha256_file(temp)
        media = None
        if media_temp is not None:
            count = write_media_tar(media_temp, progress)
            media_digest, media_size = store.sha256_file(media_temp)
            media = {
                "file": store.media_name(name),
                "sha256": media_digest,
                "size": media_size,
                "files": count,
            }
        manifest = {
            "tool": store.TOOL,
            "format": store.MANIFEST_FORMAT,
            "name": name,
            "reason": reason,
            "created_at": format_time(created_at),
            "app_version": rubysound.__version__,
            "database": {
                "engine": engine.vendor,
                "name": engine.database_name,
                "server_version": facts.server_version,
                "dump_tool": facts.dump_tool,
            },
            "file": {"sha256": digest, "size": size},
            "media": media,
            "migrations": facts.migrations,
            "row_counts": facts.row_counts,
            "verifications": [],
        }
        store.publish(temp, final)
        published.append(final)
        if media_temp is not None:
            media_final = store.path_in_dir(store.media_name(name))
            store.publish(media_temp, media_final)
            published.append(media_final)
        manifest["duration_seconds"] = round(time.monotonic() - started, 3)
        store.write_json(store.path_in_dir(store.manifest_name(name)), manifest)  # last: done
    except BaseException:
        for path in (temp, media_temp, *published):
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        raise
    backup = store.get_backup(name)
    logger.info(
        "backup created",
        extra={"backup": name, "bytes": backup.size_bytes, "reason": reason},
    )
    return backup


# --- verify ----------------------------------------------------------------------------------


def _record_verification(backup: Backup, entry: dict) -> None:
    # Re-read: a verify running beside this one may have recorded its own result.
    current = store.get_backup(backup.name)
    verifications = [*(current.manifest.get("verifications") or []), entry]
    current.manifest["verifications"] = verifications[-VERIFICATIONS_KEPT:]
    store.save_manifest(current)


def verify_backup(
    name: str | None = None,
    *,
    latest: bool = False,
    drill: bool = False,
    progress: Progress = no_progress,
    engine=None,
) -> VerifyReport:
    """Checksum and format; with ``drill``, a full restore into a scratch database whose
    row counts must equal the manifest's. The outcome is recorded in the manifest."""
    engine = engine or engine_for_default_database()
    with file_lock("verify a backup", shared=True, progress=progress):
        backup, checks = selectors.resolve(engine, name, latest, progress)
        entry = {"at": format_time(utc_now()), "drill": drill}
        try:
            checks = checks or selectors.check_backup(engine, backup, progress)
            drill_seconds = drill_rows = None
            if drill:
                started = time.monotonic()
                counts = engine.drill(backup.path, progress)
                drill_seconds = round(time.monotonic() - started, 3)
                differences = selectors.row_count_differences(
                    backup.manifest.get("row_counts") or {}, counts
                )
                if differences:
                    raise VerificationFailed(
                        f"{backup.name}: the drill restore differs from the manifest: "
                        + "; ".join(differences[:10])
                    )
                drill_rows = sum(counts.values())
                checks += f", drill restored {len(counts)} tables, {drill_rows} rows"
                entry.update(drill_seconds=drill_seconds, drill_rows=drill_rows)
        except (VerificationFailed, Incompatible) as exc:
            _record_verification(backup, {**entry, "ok": False, "error": str(exc)})
            raise
        _record_verification(backup, {**entry, "ok": True, "checks": checks})
    return VerifyReport(store.get_backup(backup.name), checks, drill_seconds, drill_rows)


# --- restore ---------------------------------------------------------------------------------


def restore_backup(
    name: str | None = None,
    *,
    latest: bool = False,
    with_media: bool = False,
    progress: Progress = no_progress,
    confirm: Callable[[Backup], bool] | None = None,
    engine=None,
) -> RestoreReport:
    """Replaces the database with a backup: verified first, refused if its migrations are
    unknown to this code, a safety backup taken, then restored atomically under the lock."""
    engine = engine or engine_for_default_database()
    if name:
        store.validate_name(name)  # before anything else, the lock included
    started = time.monotonic()
    with operation_lock(engine, "restore", progress=progress):
        backup, checks = selectors.resolve(engine, name, latest, progress)
        progress(f"verify: {checks or selectors.check_backup(engine, backup, progress)}")
        unknown = sorted(
            set(backup.manifest.get("migrations") or []) - selectors.migrations_known_to_code()
        )
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise Incompatible(
                f"{backup.name} has {len(unknown)} migration(s) this code does not know "
                f"({shown}): deploy the code it was taken with, then restore"
            )
        if with_media and not backup.media:
            raise Incompatible(f"{backup.name} was made without --with-media")
        if confirm is not None and not confirm(backup):
            raise Refused(f"restore of {backup.name} not confirmed; nothing was changed")
        progress("safety backup of the current database")
        safety = _create_locked(engine, with_media=False, reason="safety", progress=progress)
        progress(f"safety backup: {safety.name}")
        progress(f"restoring {backup.name} (the database is locked until it completes)")
        task_log = _task_log()
        counts = engine.restore(backup.path, progress)
        _write_back_task_log(task_log)
        notes = selectors.row_count_differences(backup.manifest.get("row_counts") or {}, counts)
        media_files = None
        if with_media:
            media_path = store.path_in_dir(store.media_name(backup.name))
            media_files = extract_media_tar(media_path, progress)
    logger.warning("backup restored", extra={"backup": backup.name, "safety_backup": safety.name})
    return RestoreReport(backup, safety, round(time.monotonic() - started, 3), notes, media_files)


def _task_log() -> list[dict]:
    """The backup center's history as it is now (a few hundred rows at most)."""
    return list(BackupTask.objects.values())


def _write_back_task_log(rows: list[dict]) -> None:
    """The history survives the restore that replaced its table: the backup holds the log as
    it was then, with the task that took it still "running" and nameless. Every row known
    before the restore is written back as it was; rows only the backup knows stay."""
    for row in rows:
        values = dict(row)
        BackupTask.objects.update_or_create(pk=values.pop("id"), defaults=values)


# --- prune and delete ------------------------------------------------------------------------


def retention_plan(
    backups: list[Backup],
    *,
    now: datetime,
    keep_days: int,
    keep_count: int,
    protected: set[str],
) -> list[Backup]:
    """The backups to delete. Per database, a backup goes when it is older than
    ``keep_days`` or beyond the newest ``keep_count`` (0 switches a limit off); a protected
    backup (the newest that verifies) always stays."""
    doomed = []
    by_database: dict[tuple[str, str], list[Backup]] = {}
    for backup in sorted(backups, key=lambda b: b.created_at, reverse=True):
        by_database.setdefault((backup.engine, backup.database), []).append(backup)
    for group in by_database.values():
        for position, backup in enumerate(group):
            too_old = keep_days > 0 and now - backup.created_at > timedelta(days=keep_days)
            too_many = keep_count > 0 and position >= keep_count
            if (too_old or too_many) and backup.name not in protected:
                doomed.append(backup)
    return doomed


def _newest_verifying_per_database(engine, backups: list[Backup], progress: Progress) -> set[str]:
    protected: set[str] = set()
    seen: set[tuple[str, str]] = set()
    ordered = sorted(backups, key=lambda b: (b.reason == "safety", -b.created_at.timestamp()))
    for backup in ordered:
        key = (backup.engine, backup.database)
        if key in seen:
            continue
        if backup.engine != engine.vendor:
            seen.add(key)  # cannot be checked here: keep its newest
            protected.add(backup.name)
            continue
        try:
            selectors.check_backup(engine, backup)
        except (VerificationFailed, Incompatible) as exc:
            progress(f"{backup.name} does not verify: {exc}")
            continue
        seen.add(key)
        protected.add(backup.name)
    return protected


def prune_backups(
    *, dry_run: bool = False, progress: Progress = no_progress, engine=None
) -> PruneReport:
    engine = engine or engine_for_default_database()
    with operation_lock(engine, "prune", progress=progress):
        backups, leftovers = store.scan()
        protected = _newest_verifying_per_database(engine, backups, progress)
        doomed = retention_plan(
            backups,
            now=utc_now(),
            keep_days=settings.BACKUP_KEEP_DAYS,
            keep_count=settings.BACKUP_KEEP_COUNT,
            protected=protected,
        )
        doomed_names = {backup.name for backup in doomed}
        for backup in doomed:
            progress(f"{'would delete' if dry_run else 'deleting'} {backup.name}")
            if not dry_run:
                store.remove_files(backup.name)
        # Under the exclusive lock no backup is being written: temp files are orphans.
        for leftover in leftovers:
            progress(f"{'would remove' if dry_run else 'removing'} leftover {leftover}")
            if not dry_run:
                store.remove_leftover(leftover)
    return PruneReport(
        deleted=sorted(doomed_names),
        kept=[b.name for b in backups if b.name not in doomed_names],
        protected=sorted(protected),
        leftovers_removed=leftovers,
    )


def delete_backup(name: str, *, progress: Progress = no_progress, engine=None) -> list[str]:
    engine = engine or engine_for_default_database()
    store.validate_name(name)
    with operation_lock(engine, "delete a backup", progress=progress):
        store.get_backup(name)
        removed = store.remove_files(name)
    logger.warning("backup deleted", extra={"backup": name})
    return removed
