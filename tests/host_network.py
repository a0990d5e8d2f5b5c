"""Chromium aborts a page's requests with ``net::ERR_NETWORK_CHANGED`` whenever the host's
network interfaces change, and the pod test changes them: podman adds a bridge and a virtual
interface per container. With pytest-xdist the pod test and a browser test can run at the same
time on two workers, so they take turns through this lock: each browser test holds it shared,
the pod test holds it alone while its network and containers exist."""

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = Path(tempfile.gettempdir()) / "rubysound-tests-host-network.lock"


@contextmanager
def host_network(*, changes_it: bool) -> Iterator[None]:
    with LOCK_FILE.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if changes_it else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
