"""Recomputes the cached charts, for a schedule (cron, a Kubernetes CronJob) or by hand."""

import time

from django.core.management.base import BaseCommand, CommandError

from rubysound.catalog.listening import charts


class Command(BaseCommand):
    help = (
        "Recompute the charts the public routes serve (top artists, top tracks, trending; "
        "per window and genre) and store them in the cache. Run it more often than "
        "CHARTS_CACHE_TTL (default 300 s) so visitors never meet a cold chart."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--genre",
            action="append",
            dest="genres",
            metavar="GENRE",
            help="Only this genre (repeatable); default: every genre that has tracks.",
        )
        parser.add_argument("--no-genres", action="store_true", help="Only the all-genre charts.")
        parser.add_argument(
            "--window",
            action="append",
            dest="windows",
            choices=list(charts.WINDOWS),
            help="Only this window (repeatable); default: all of them.",
        )

    def handle(self, *args, genres=None, no_genres=False, windows=None, **options):
        if no_genres and genres:
            raise CommandError("--genre and --no-genres exclude each other")
        started = time.monotonic()
        refreshed = charts.refresh_charts(genres=[] if no_genres else genres, windows=windows)
        elapsed = time.monotonic() - started
        self.stdout.write(f"refresh_charts refreshed={refreshed} seconds={elapsed:.2f}")
