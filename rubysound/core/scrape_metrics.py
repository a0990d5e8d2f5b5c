"""Gauges computed when ``/metrics`` is scraped, from state that other processes write: the
backups on their volume (the CronJob's pod), the catalog in the database (a scan run by
``manage.py scan_library``), the scrobble outbox (emptied by ``manage.py scrobble_worker``).
Nothing of it is kept in a worker's memory.

An app registers a collector here from its AppConfig.ready. In a single process the
collectors sit in prometheus_client's default registry; in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, ``make run``'s workers) the exported registry holds only the
per-process files, so ``/metrics`` appends ``multiprocess_exposition()``.
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

_collectors: list = []


def register_collector(collector) -> None:
    if any(type(known) is type(collector) for known in _collectors):
        return  # AppConfig.ready may run twice (tests, autoreload)
    _collectors.append(collector)
    REGISTRY.register(collector)


def multiprocess_exposition() -> bytes:
    """The registered collectors' exposition when the workers share a metrics folder, empty
    otherwise (the default registry already has them)."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ and "prometheus_multiproc_dir" not in (
        os.environ
    ):
        return b""
    registry = CollectorRegistry(auto_describe=False)
    for collector in _collectors:
        registry.register(collector)
    return generate_latest(registry)
