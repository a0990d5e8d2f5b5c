"""``python manage.py scan_library [PATH ...] [--prune] [--watch] [--interval S] [--quiet]``."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from rubysound.catalog.library.scan_report import ScanSummary
from rubysound.catalog.library.scan_targets import ScanError, resolve_targets
from rubysound.catalog.library.scanner import scan_library, watch_library

SHOWN_PER_LIST = 50


class Command(BaseCommand):
    help = (
        "Scan library folders (RUBYSOUND_LIBRARY_DIRS, or the given paths) into the catalog. "
        "Unchanged files are skipped; broken files are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="folders or files (default: every library folder)"
        )
        parser.add_argument("--prune", action="store_true", help="remove tracks whose file is gone")
        parser.add_argument(
            "--force", action="store_true", help="re-read every file, even unchanged ones"
        )
        parser.add_argument("--watch", action="store_true", help="rescan every --interval seconds")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between scans with --watch"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar, no notes")

    def handle(self, *args, **options):
        paths = options["paths"] or None
        quiet = options["quiet"]
        if options["interval"] <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        try:
            targets = resolve_targets(paths)
        except ScanError as exc:
            raise CommandError(str(exc)) from None
        if not quiet:
            for target in targets:
                inside = f" ({target.scope})" if target.scope else ""
                self.stdout.write(f"Library root: {target.root}{inside}")

        if options["watch"]:
            self.stdout.write(
                f"Watching: rescanning every {options['interval']:g} s (Ctrl+C to stop)."
            )
            first = True

            def report(summary: ScanSummary) -> None:
                nonlocal first
                if first or summary.changed or summary.failed:
                    self._report(summary, quiet=quiet)
                first = False

            try:
                watch_library(
                    paths, interval=options["interval"], prune=options["prune"], report=report
                )
            except KeyboardInterrupt:
                self.stdout.write("Stopped watching.")
            except ScanError as exc:
                raise CommandError(str(exc)) from None
            return

        try:
            summary = scan_library(
                paths,
                prune=options["prune"],
                force=options["force"],
                progress=not quiet,
                silence_decoder_messages=True,
            )
        except ScanError as exc:
            raise CommandError(str(exc)) from None
        self._report(summary, quiet=quiet)

    def _report(self, summary: ScanSummary, *, quiet: bool) -> None:
        style = self.style.ERROR if summary.failed else self.style.SUCCESS
        self.stdout.write(style(summary.line()))
        for issue in summary.failed[:SHOWN_PER_LIST]:
            self.stdout.write(f"  failed: {issue.path}: {issue.reason}")
        if len(summary.failed) > SHOWN_PER_LIST:
            self.stdout.write(f"  ... and {len(summary.failed) - SHOWN_PER_LIST} more failures")
        if quiet or not summary.notes:
            return
        # Notes repeat (every M4A has no waveform): one line per kind, with an example.
        kinds = Counter(issue.reason for issue in summary.notes)
        example = {}
        for issue in summary.notes:
            example.setdefault(issue.reason, issue.path)
        for reason, count in kinds.most_common(SHOWN_PER_LIST):
            where = example[reason] if count == 1 else f"{count} files, e.g. {example[reason]}"
            self.stdout.write(f"  note: {reason} ({where})")
