"""Sends the scrobble outbox to the linked services, until SIGTERM (or once, with --once)."""

import signal
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rubysound.catalog.listening import scrobble_outbox


class Command(BaseCommand):
    help = (
        "Pass listens on to the users' linked Last.fm and ListenBrainz accounts: claims due "
        "outbox entries (several workers share the work on PostgreSQL; one on SQLite), sends "
        "them in batches, retries with backoff and dead-letters what is refused for good."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument(
            "--batch",
            type=int,
            default=scrobble_outbox.MAX_BATCH[scrobble_outbox.Service.LISTENBRAINZ],
            help="Listens per request at most (each service's own maximum still holds).",
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=2.0,
            help="Seconds between looks at the outbox when nothing is due.",
        )
        parser.add_argument(
            "--heartbeat-file",
            default=settings.SCROBBLE_WORKER_HEARTBEAT_FILE,
            help="Touched on every round, for a liveness probe; empty: none.",
        )

    def handle(self, *args, once, batch, poll_interval, heartbeat_file, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if poll_interval <= 0:
            raise CommandError("--poll-interval must be positive")
        stop = threading.Event()

        def finish(signum, frame):
            # The batch in flight is settled first: its entries are neither lost nor resent.
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        started = time.monotonic()
        handled = scrobble_outbox.run_worker(
            batch=batch,
            poll_interval=poll_interval,
            stop=stop,
            once=once,
            heartbeat=Path(heartbeat_file) if heartbeat_file else None,
        )
        elapsed = time.monotonic() - started
        self.stdout.write(f"scrobble_worker handled={handled} seconds={elapsed:.2f}")
