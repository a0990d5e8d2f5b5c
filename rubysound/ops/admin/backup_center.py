"""The admin backup center at /admin/backup/: superusers only. Actions that take time run
as BackupTask records in a background thread (rubysound.ops.backup.tasks); this module only
validates the request, starts the task and shows its status."""

import asyncio
import functools
from datetime import datetime
from uuid import UUID

from django import forms
from django.contrib import admin
from django.contrib.admin.models import CHANGE
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..backup import selectors, store, tasks
from ..backup.errors import BackupNotFound, InvalidName, VerificationFailed
from ..backup.store import Backup, utc_now
from ..models import BackupTask

DOWNLOAD_CHUNK_BYTES = 1024 * 1024
RECENT_TASKS = 15


def superuser_view(view):
    """Through the admin's own gate (anonymous users go to its login), then superusers only:
    staff who are not superusers get a 403."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


def _backup_or_404(name: str) -> Backup:
    try:
        return store.get_backup(name)
    except (InvalidName, BackupNotFound, VerificationFailed):
        raise Http404("No such backup") from None


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


SAFETY_REASON = "safety"


def _verified_at(backup: Backup) -> datetime | None:
    last = backup.last_verification
    if not last or not last.get("at"):
        return None
    try:
        return store.parse_time(last["at"])
    except ValueError:
        return None


@require_GET
def center(request):
    backups = selectors.list_backups()
    # A safety backup is the database as it was just before a restore: kept, listed and
    # labelled, but not what "your newest backup" means.
    regular = [backup for backup in backups if backup.reason != SAFETY_REASON]
    newest = regular[0] if regular else None
    recent = list(BackupTask.objects.all()[:RECENT_TASKS])
    context = _context(
        request,
        "Backup center",
        backups=[
            (backup, backup.reason == SAFETY_REASON, _verified_at(backup)) for backup in backups
        ],
        regular_count=len(regular),
        safety_count=len(backups) - len(regular),
        newest=newest,
        newest_age=(utc_now() - newest.created_at) if newest else None,
        leftovers=selectors.leftover_files(),
        tasks=[(task, tasks.is_interrupted(task)) for task in recent],
        backup_dir=store.backup_dir(),
    )
    return TemplateResponse(request, "admin/ops/backup/center.html", context)


def _start(request, kind: str, *, backup_name: str = "", options: dict | None = None):
    task = tasks.submit(kind, request.user, backup_name=backup_name, options=options)
    return redirect("ops_backup:task", task_id=task.pk)


@require_POST
def create(request):
    return _start(
        request, BackupTask.Kind.CREATE, options={"with_media": "with_media" in request.POST}
    )


@require_POST
def verify(request, name: str):
    backup = _backup_or_404(name)
    options = {"drill": "drill" in request.POST}
    return _start(request, BackupTask.Kind.VERIFY, backup_name=backup.name, options=options)


@require_POST
def prune(request):
    return _start(request, BackupTask.Kind.PRUNE)


class ConfirmNameForm(forms.Form):
    confirm_name = forms.CharField(label="Type the backup's name to confirm", max_length=120)

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.expected:
            raise forms.ValidationError("That is not this backup's name; nothing was done.")
        return value


class RestoreForm(ConfirmNameForm):
    with_media = forms.BooleanField(required=False, label="Also restore the media files")


def _confirm(request, name: str, kind: str):
    backup = _backup_or_404(name)
    form_class = RestoreForm if kind == BackupTask.Kind.RESTORE else ConfirmNameForm
    form = form_class(request.POST or None, expected=backup.name)
    if request.method == "POST" and form.is_valid():
        options = {"with_media": form.cleaned_data.get("with_media", False)}
        return _start(request, kind, backup_name=backup.name, options=options)
    context = _context(
        request,
        f"{kind.capitalize()} {backup.name}",
        backup=backup,
        kind=kind,
        form=form,
    )
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "admin/ops/backup/confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
def restore(request, name: str):
    return _confirm(request, name, BackupTask.Kind.RESTORE)


@require_http_methods(["GET", "POST"])
def delete(request, name: str):
    return _confirm(request, name, BackupTask.Kind.DELETE)


class _FileChunks:
    """The file read in a worker thread chunk by chunk: a 1 GB dump is never held in memory
    and never blocks the event loop."""

    def __init__(self, path):
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by the iterator

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        chunk = await asyncio.to_thread(self._handle.read, DOWNLOAD_CHUNK_BYTES)
        if not chunk:
            self.close()
            raise StopAsyncIteration
        return chunk

    def close(self) -> None:
        self._handle.close()


@require_GET
def download(request, name: str, part: str):
    backup = _backup_or_404(name)
    file_names = {
        "dump": backup.name,
        "manifest": store.manifest_name(backup.name),
        "media": store.media_name(backup.name) if backup.media else None,
    }
    file_name = file_names.get(part)
    if not file_name:
        raise Http404("No such part")
    path = store.path_in_dir(file_name)
    response = StreamingHttpResponse(_FileChunks(path), content_type="application/octet-stream")
    response["Content-Length"] = str(path.stat().st_size)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    task = BackupTask.objects.create(
        kind=BackupTask.Kind.DOWNLOAD,
        backup_name=backup.name,
        status=BackupTask.Status.SUCCEEDED,
        requested_by_id=request.user.pk,
        requested_by_username=request.user.get_username(),
        result=f"downloaded {file_name}",
    )
    tasks.log_admin_action(request.user.pk, task, f"Downloaded {file_name}", CHANGE)
    return response


@require_GET
def task_status(request, task_id: UUID):
    task = get_object_or_404(BackupTask, pk=task_id)
    interrupted = tasks.is_interrupted(task)
    context = _context(
        request,
        f"Backup {task.kind}",
        task=task,
        interrupted=interrupted,
        refresh=not task.finished and not interrupted,
        center_url=reverse("ops_backup:center"),
    )
    return TemplateResponse(request, "admin/ops/backup/task.html", context)
