"""Backup-center actions run in a background thread, so a long restore never holds a
request open. The task record is written before, during and after; a restore replaces the
table the record lives in, so the runner writes the whole record (and the admin log entry)
back once the restore is over."""

import logging
import os
import socket
from concurrent.futures import Future, ThreadPoolExecutor
from uuid import UUID

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone

from rubysound.ops.models import BackupTask

from . import services
from .errors import BackupError

logger = logging.getLogger("rubysound.backup")
PROGRESS_LINES_KEPT = 300

# One worker per process: actions queue behind each other; across processes the backup lock
# serialises them.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup-task")
_futures: dict[UUID, Future] = {}


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_interrupted(task: BackupTask) -> bool:
    """A task left running by a process of this host that no longer exists."""
    if task.finished or not task.worker:
        return False
    host, _, pid = task.worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def log_admin_action(user_id: int | None, task: BackupTask, message: str, flag=CHANGE) -> None:
    if user_id is None:
        return
    try:
        with transaction.atomic():
            LogEntry.objects.log_actions(
                user_id, [task], flag, change_message=message, single_object=True
            )
    except DatabaseError:
        # After a restore the requesting user may not exist in the restored database.
        logger.warning(
            "admin log entry not written", extra={"task": str(task.pk), "action": message}
        )


def submit(kind: str, user, *, backup_name: str = "", options: dict | None = None) -> BackupTask:
    task = BackupTask.objects.create(
        kind=kind,
        backup_name=backup_name,
        options=options or {},
        requested_by_id=user.pk,
        requested_by_username=user.get_username(),
        worker=worker_id(),
    )
    target = f" of {backup_name}" if backup_name else ""
    log_admin_action(
        user.pk, task, f"Requested backup {kind}{target} {options or ''}".strip(), ADDITION
    )
    future = _executor.submit(_run, task.pk)
    _futures[task.pk] = future
    future.add_done_callback(lambda _done: _futures.pop(task.pk, None))
    return task


def wait(task_id: UUID | str, timeout: float | None = None) -> None:
    """Blocks until a task this process started has run (the tests use it)."""
    future = _futures.get(UUID(str(task_id)))
    if future is not None:
        future.result(timeout=timeout)


def _run(task_id: UUID) -> None:
    try:
        task = BackupTask.objects.get(pk=task_id)
        record = {
            field.attname: getattr(task, field.attname)
            for field in BackupTask._meta.concrete_fields
        }
        lines: list[str] = []

        def progress(line: str) -> None:
            lines.append(line)
            BackupTask.objects.filter(pk=task_id).update(
                progress="\n".join(lines[-PROGRESS_LINES_KEPT:])
            )

        record.update(status=BackupTask.Status.RUNNING, started_at=timezone.now())
        BackupTask.objects.filter(pk=task_id).update(
            status=record["status"], started_at=record["started_at"]
        )
        try:
            backup_name, result = _ACTIONS[task.kind](task, progress)
            record.update(status=BackupTask.Status.SUCCEEDED, result=result)
            if backup_name:
                record["backup_name"] = backup_name
        except BackupError as exc:
            record.update(status=BackupTask.Status.FAILED, result=f"{exc.code}: {exc}")
        except Exception as exc:
            logger.exception("backup task failed", extra={"task": str(task_id)})
            record.update(status=BackupTask.Status.FAILED, result=f"unexpected error: {exc!r}")
        record.update(progress="\n".join(lines[-PROGRESS_LINES_KEPT:]), finished_at=timezone.now())
        task_id_value = record.pop("id")
        task, _created = BackupTask.objects.update_or_create(pk=task_id_value, defaults=record)
        if task.kind == BackupTask.Kind.RESTORE:
            ContentType.objects.clear_cache()  # the restored table may number them otherwise
            log_admin_action(task.requested_by_id, task, f"Restore {task.status}: {task.result}")
    finally:
        close_old_connections()
        connections.close_all()


def _create(task: BackupTask, progress) -> tuple[str, str]:
    backup = services.create_backup(
        with_media=bool(task.options.get("with_media")), progress=progress
    )
    return backup.name, f"created {backup.name} ({backup.size_bytes} bytes)"


def _verify(task: BackupTask, progress) -> tuple[str, str]:
    drill = bool(task.options.get("drill"))
    report = services.verify_backup(task.backup_name, drill=drill, progress=progress)
    if drill:
        return "", f"{report.checks}; full restore took {report.drill_seconds} s"
    return "", report.checks


def _restore(task: BackupTask, progress) -> tuple[str, str]:
    report = services.restore_backup(
        task.backup_name, with_media=bool(task.options.get("with_media")), progress=progress
    )
    notes = (
        f"; {len(report.row_count_notes)} table(s) changed since" if report.row_count_notes else ""
    )
    return "", (
        f"restored {report.backup.name} in {report.seconds} s; "
        f"safety backup {report.safety_backup.name}{notes}"
    )


def _prune(task: BackupTask, progress) -> tuple[str, str]:
    report = services.prune_backups(progress=progress)
    deleted = ", ".join(report.deleted) or "nothing"
    return "", f"deleted {deleted}; kept {len(report.kept)}"


def _delete(task: BackupTask, progress) -> tuple[str, str]:
    removed = services.delete_backup(task.backup_name, progress=progress)
    return "", f"deleted {', '.join(removed)}"


_ACTIONS = {
    BackupTask.Kind.CREATE: _create,
    BackupTask.Kind.VERIFY: _verify,
    BackupTask.Kind.RESTORE: _restore,
    BackupTask.Kind.PRUNE: _prune,
    BackupTask.Kind.DELETE: _delete,
}
