"""``python manage.py demo_library [--seed 7] [--path DIR] [--artists 12] [--force]``."""

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rubysound.catalog.services import ScanError, resolve_targets, scan_library
from rubysound.demo.activity import seed_demo_activity
from rubysound.demo.library import demo_root, generate_demo_library
from rubysound.demo.plan import plan_demo_library


class Command(BaseCommand):
    help = (
        "Generate the demo library (real, tagged audio files with covers, deterministic from "
        "the seed), scan it, and add demo listeners with listening activity. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--path", help="where to write it (default: <first library folder>/RubySound Demo)"
        )
        parser.add_argument("--artists", type=int, default=12)
        parser.add_argument("--albums-per-artist", type=int, default=2)
        parser.add_argument("--tracks-per-album", type=int, default=6)
        parser.add_argument("--min-seconds", type=float, default=10.0, help="shortest track")
        parser.add_argument("--max-seconds", type=float, default=30.0, help="longest track")
        parser.add_argument("--force", action="store_true", help="rewrite every file")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        started = time.monotonic()
        seed = options["seed"]
        if not 1 <= options["artists"] <= 200:
            raise CommandError("--artists must be between 1 and 200")
        if not 0.1 <= options["min_seconds"] <= options["max_seconds"] <= 600:
            raise CommandError("need 0.1 <= --min-seconds <= --max-seconds <= 600")
        root = Path(options["path"]).expanduser().resolve() if options["path"] else demo_root()
        libraries = [Path(p) for p in settings.LIBRARY_DIRS]
        if not any(root == lib or lib in root.parents for lib in libraries):
            self.stdout.write(
                self.style.WARNING(
                    f"{root} is outside RUBYSOUND_LIBRARY_DIRS; it is scanned as its own "
                    "library root, which the streaming routes may not serve."
                )
            )
        sizes = {
            "artists": options["artists"],
            "albums_per_artist": options["albums_per_artist"],
            "tracks_per_album": options["tracks_per_album"],
            "min_seconds": options["min_seconds"],
            "max_seconds": options["max_seconds"],
        }
        _, planned = plan_demo_library(seed=seed, **sizes)
        show = not options["quiet"] and sys.stderr.isatty()
        with tqdm(
            total=len(planned), desc="Generating", unit="track", disable=not show, leave=False
        ) as bar:
            library = generate_demo_library(
                root,
                seed=seed,
                force=options["force"],
                workers=min(4, os.cpu_count() or 1),
                on_progress=bar.update,
                **sizes,
            )
        if library.generated:
            self.stdout.write(
                f"Generated the demo library in {library.seconds:.1f} s: {len(library.tracks)} "
                f"tracks, {library.albums} albums, {len(library.artists)} artists "
                f"({library.written} files written, {library.kept} kept) at {root}"
            )
        else:
            self.stdout.write(
                f"Demo library already present at {root} (seed {seed}, {len(library.tracks)} "
                "tracks): nothing to generate, rescanning only."
            )

        try:
            summary = scan_library([root], prune=True, progress=show, silence_decoder_messages=True)
            target = resolve_targets([root])[0]
        except ScanError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(summary.line())
        for issue in summary.failed:
            self.stdout.write(f"  failed: {issue}")

        activity = seed_demo_activity(
            str(target.root), library.tracks, prefix=target.scope, seed=seed
        )
        self.stdout.write(
            f"Demo listeners: {activity.listeners} accounts ({activity.listeners_created} new), "
            f"{activity.listens} listens over {activity.tracks} tracks "
            f"({activity.created} added, {activity.removed} replaced)"
        )
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo library ready in {elapsed:.1f} s."))
