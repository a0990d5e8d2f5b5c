"""Backups on /metrics and /health/ready, read from the manifests at scrape time: the
CronJob that writes them is another process (another pod), so nothing is kept in memory."""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from prometheus_client.core import GaugeMetricFamily

from . import selectors
from .store import parse_time, utc_now

logger = logging.getLogger("rubysound.backup")


def _newest_verification_time(backups, *, ok: bool) -> float:
    times = [
        parse_time(entry["at"]).timestamp()
        for backup in backups
        for entry in backup.manifest.get("verifications") or []
        if bool(entry.get("ok")) is ok
    ]
    return max(times, default=0.0)


class BackupCollector:
    """Gauges about the newest backup and the verifications; 0 when there is none (so an
    alert on the age of the last success fires on a platform that never backed up). A failed
    verification newer than the last successful one is an alert of its own."""

    def collect(self):
        try:
            backups = selectors.list_backups()
        except Exception:  # a scrape must never fail because the volume is unreadable
            logger.exception("backup metrics unavailable")
            backups = []
        newest = backups[0] if backups else None
        values = {
            "rubysound_backup_last_success_timestamp_seconds": (
                "Time the newest complete backup was taken (Unix seconds; 0: none)",
                newest.created_at.timestamp() if newest else 0.0,
            ),
            "rubysound_backup_last_verified_timestamp_seconds": (
                "Time of the newest successful backup verification (Unix seconds; 0: none)",
                _newest_verification_time(backups, ok=True),
            ),
            "rubysound_backup_last_failed_verification_timestamp_seconds": (
                "Time of the newest failed backup verification (Unix seconds; 0: none)",
                _newest_verification_time(backups, ok=False),
            ),
            "rubysound_backup_duration_seconds": (
                "How long the newest backup took",
                float(newest.manifest.get("duration_seconds", 0)) if newest else 0.0,
            ),
            "rubysound_backup_size_bytes": (
                "Size of the newest backup (dump plus media)",
                float(newest.size_bytes) if newest else 0.0,
            ),
        }
        for name, (documentation, value) in values.items():
            yield GaugeMetricFamily(name, documentation, value=value)


def _backup_age_detail() -> str:
    newest = selectors.newest_backup()
    if newest is None:
        raise RuntimeError("no backup yet")
    hours, seconds = divmod(int((utc_now() - newest.created_at).total_seconds()), 3600)
    age = f"{hours} h {seconds // 60} min"
    if hours >= settings.BACKUP_MAX_AGE_HOURS:
        raise RuntimeError(f"newest backup is {age} old (over {settings.BACKUP_MAX_AGE_HOURS} h)")
    return f"newest backup {age} old"


async def check_backups() -> str:
    return await sync_to_async(_backup_age_detail, thread_sensitive=False)()
