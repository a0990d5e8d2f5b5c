import uuid

from django.db import models


class BackupTask(models.Model):
    """One backup-center action run outside the request, with its progress for the status
    page. The id is a UUID and the requester is kept by value, so a task that restores the
    very table it lives in can write itself back afterwards."""

    class Kind(models.TextChoices):
        CREATE = "create", "create"
        VERIFY = "verify", "verify"
        RESTORE = "restore", "restore"
        PRUNE = "prune", "prune"
        DELETE = "delete", "delete"
        DOWNLOAD = "download", "download"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    backup_name = models.CharField(max_length=120, blank=True)
    options = models.JSONField(default=dict, blank=True)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_by_username = models.CharField(max_length=150, blank=True)
    progress = models.TextField(blank=True)
    result = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "backup center"
        verbose_name_plural = "backup center"

    def __str__(self) -> str:
        target = f" {self.backup_name}" if self.backup_name else ""
        return f"{self.kind}{target} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
