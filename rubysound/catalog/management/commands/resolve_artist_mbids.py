"""``python manage.py resolve_artist_mbids [--limit N]``: MusicBrainz ids for library artists
that have none (see ``catalog.discovery.mbids``), at MusicBrainz's one request a second."""

from django.core.management.base import BaseCommand, CommandError

from rubysound.catalog.discovery.mbids import (
    pending_artist_count,
    resolution_enabled,
    resolve_artist_mbids,
)


class Command(BaseCommand):
    help = (
        "Look up library artists without a MusicBrainz id on MusicBrainz (one a second) and "
        "record the ids matched beyond doubt. Artists left ambiguous or not found are not "
        "asked again for 30 days. Needs MusicBrainz switched on (PROVIDERS_ENABLED)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="look up at most this many artists"
        )

    def handle(self, *args, limit=None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of artists")
        if not resolution_enabled():
            self.stdout.write(
                "MusicBrainz is off (PROVIDERS_ENABLED, MUSICBRAINZ_ENABLED): nothing looked up."
            )
            return
        pending = pending_artist_count()
        total = pending if limit is None else min(limit, pending)
        self.stdout.write(
            f"{pending} artists without a MusicBrainz id; looking up {total} at most."
        )
        done = 0

        def progress(artist, outcome, mbid):
            nonlocal done
            done += 1
            found = f" {mbid}" if mbid else ""
            self.stdout.write(f"[{done}/{total}] {artist.name}: {outcome}{found}")

        summary = resolve_artist_mbids(limit=limit, progress=progress)
        if summary.stopped:
            self.stderr.write("MusicBrainz kept failing: stopped; the rest waits for the next run.")
        self.stdout.write(
            f"resolve_artist_mbids looked_up={summary.looked_up} matched={summary.matched} "
            f"ambiguous={summary.ambiguous} not_found={summary.not_found} "
            f"failed={summary.failed}"
        )
