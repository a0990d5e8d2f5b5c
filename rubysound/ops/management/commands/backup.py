"""``manage.py backup create|list|verify|restore|prune``: the one entry point for operators,
cron and the Kubernetes CronJob (``backup create`` then ``backup prune``) and restore Job
(``backup restore --latest --yes``)."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from rubysound.ops.backup import selectors, services
from rubysound.ops.backup.errors import EXIT_CODES, EXIT_REFUSED, BackupError
from rubysound.ops.backup.store import Backup, format_time, utc_now


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def human_age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def verified_label(backup: Backup) -> str:
    last = backup.last_verification
    if last is None:
        return "never verified"
    if not last.get("ok"):
        return f"FAILED {last['at']}"
    kind = f"drill {last.get('drill_seconds')} s" if last.get("drill") else "checksum+format"
    return f"{kind} {last['at']}"


EPILOG = "exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())


class Command(BaseCommand):
    help = (
        "Create, list, verify (with a restore drill), restore and prune database backups in "
        "BACKUP_DIR. Every command prints progress lines and a one-line summary. " + EPILOG
    )

    def add_arguments(self, parser):
        parser.epilog = EPILOG
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="dump the database (and media) now")
        create.add_argument(
            "--with-media", action="store_true", help="also tar MEDIA_ROOT next to the dump"
        )
        listing = actions.add_parser("list", help="backups, newest first")
        listing.add_argument("--json", action="store_true", help="machine-readable output")
        for action, text in (
            ("verify", "checksum and format; --drill also restores into a scratch database"),
            ("restore", "replace the database with a backup (a safety backup is taken first)"),
        ):
            sub = actions.add_parser(action, help=text)
            sub.add_argument("name", nargs="?", help="backup file name (see `backup list`)")
            sub.add_argument(
                "--latest",
                action="store_true",
                help="the newest backup that verifies, by its manifest's timestamp",
            )
            if action == "verify":
                sub.add_argument("--drill", action="store_true", help="full restore drill")
            else:
                sub.add_argument("--yes", action="store_true", help="do not ask to confirm")
                sub.add_argument(
                    "--with-media", action="store_true", help="also restore the media files"
                )
        prune = actions.add_parser("prune", help="apply BACKUP_KEEP_DAYS and BACKUP_KEEP_COUNT")
        prune.add_argument("--dry-run", action="store_true", help="only say what would go")

    def progress(self, line: str) -> None:
        self.stdout.write(f"  {line}")
        self.stdout.flush()

    def handle(self, *args, action: str, **options):
        started = time.monotonic()
        try:
            summary = getattr(self, f"handle_{action}")(**options)
        except BackupError as exc:
            raise CommandError(
                f"backup {action} failed code={exc.code}: {exc}", returncode=exc.exit_code
            ) from None
        self.stdout.write(f"backup {action} ok {summary} seconds={time.monotonic() - started:.1f}")

    def handle_create(self, *, with_media=False, **options) -> str:
        backup = services.create_backup(with_media=with_media, progress=self.progress)
        return (
            f"name={backup.name} size={backup.size_bytes} "
            f"tables={len(backup.manifest['row_counts'])} "
            f"rows={sum(backup.manifest['row_counts'].values())}"
        )

    def handle_list(self, *, json=False, **options) -> str:
        backups = selectors.list_backups()
        leftovers = selectors.leftover_files()
        if json:
            self.stdout.write(_json_listing(backups, leftovers))
        else:
            for backup in backups:
                media = " +media" if backup.media else ""
                self.stdout.write(
                    f"{backup.name}  {format_time(backup.created_at)}  "
                    f"{human_size(backup.size_bytes):>10}  {backup.reason:<6}  "
                    f"{verified_label(backup)}{media}"
                )
            for leftover in leftovers:
                self.stdout.write(f"{leftover}  (incomplete, removed by prune)")
        newest = backups[0] if backups else None
        age = human_age((utc_now() - newest.created_at).total_seconds()) if newest else "none"
        return f"backups={len(backups)} newest_age={age.replace(' ', '')}"

    def handle_verify(self, *, name=None, latest=False, drill=False, **options) -> str:
        report = services.verify_backup(name, latest=latest, drill=drill, progress=self.progress)
        self.progress(report.checks)
        summary = f"name={report.backup.name}"
        if drill:
            summary += f" drill_seconds={report.drill_seconds} drill_rows={report.drill_rows}"
        return summary

    def handle_restore(
        self, *, name=None, latest=False, yes=False, with_media=False, **options
    ) -> str:
        confirm = None
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    "backup restore refused: pass --yes to restore without a terminal",
                    returncode=EXIT_REFUSED,
                )
            confirm = self._ask
        report = services.restore_backup(
            name, latest=latest, with_media=with_media, progress=self.progress, confirm=confirm
        )
        for note in report.row_count_notes:
            self.progress(f"note: {note} (the app may have written since the restore)")
        return (
            f"name={report.backup.name} safety_backup={report.safety_backup.name} "
            f"restore_seconds={report.seconds}"
        )

    def _ask(self, backup: Backup) -> bool:
        self.stdout.write(
            f"Restore {backup.name} (taken {format_time(backup.created_at)}) over the "
            "current database? Every row written since will be replaced; a safety backup "
            "is taken first."
        )
        answer = input("Type yes to restore: ")
        return answer.strip().lower() == "yes"

    def handle_prune(self, *, dry_run=False, **options) -> str:
        report = services.prune_backups(dry_run=dry_run, progress=self.progress)
        verb = "would_delete" if dry_run else "deleted"
        return (
            f"{verb}={len(report.deleted)} kept={len(report.kept)} "
            f"protected={','.join(report.protected) or '-'} "
            f"leftovers={len(report.leftovers_removed)}"
        )


def _json_listing(backups: list[Backup], leftovers: list[str]) -> str:
    return json.dumps(
        {
            "backups": [
                {
                    "name": backup.name,
                    "created_at": format_time(backup.created_at),
                    "size_bytes": backup.size_bytes,
                    "database": backup.database,
                    "engine": backup.engine,
                    "reason": backup.reason,
                    "media": bool(backup.media),
                    "last_verification": backup.last_verification,
                }
                for backup in backups
            ],
            "leftovers": leftovers,
        },
        indent=2,
    )
