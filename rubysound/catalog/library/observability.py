"""The library on /metrics: how many tracks and bytes it holds, and when a track was last
added, read from the database at scrape time (scans run in other processes: the admin's
task, ``manage.py scan_library``). One aggregate query per scrape."""

import logging

from django.db.models import Count, Max, Sum
from prometheus_client.core import GaugeMetricFamily

from ..models import Track

logger = logging.getLogger("rubysound.catalog")


SERIES = {
    "rubysound_library_tracks": "Tracks with a file in the library",
    "rubysound_library_size_bytes": "Size of the library's audio files",
    "rubysound_library_last_added_timestamp_seconds": (
        "Time the newest library track was added by a scan or an upload (0: none)"
    ),
}


class LibraryCollector:
    def describe(self):
        # Without it prometheus_client calls collect() on registration: a query while the
        # apps load, before the database may even exist.
        for name, documentation in SERIES.items():
            yield GaugeMetricFamily(name, documentation)

    def collect(self):
        try:
            figures = Track.objects.filter(source=Track.Source.LIBRARY).aggregate(
                tracks=Count("id"), size=Sum("size"), newest=Max("created_at")
            )
        except Exception:  # a scrape must never fail because the database is away
            logger.exception("library metrics unavailable")
            return
        newest = figures["newest"]
        values = {
            "rubysound_library_tracks": figures["tracks"],
            "rubysound_library_size_bytes": figures["size"] or 0,
            "rubysound_library_last_added_timestamp_seconds": (
                newest.timestamp() if newest else 0.0
            ),
        }
        for name, value in values.items():
            yield GaugeMetricFamily(name, SERIES[name], value=float(value))
