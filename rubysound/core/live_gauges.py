"""Gauges of live processes only, in Prometheus multiprocess mode.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``make run``'s workers), each process writes its
metrics to files named after its pid and ``/metrics`` adds the files up. A gauge declared
with a ``live*`` mode (the open WebSocket connections) must count live processes only, but
prometheus_client never learns that a process died: a worker killed with -9 runs no exit
code, and its file would keep its sockets counted for good. So the files of processes that
no longer run are removed before each collection, and a process starts by removing any file
left under its own pid by a dead process that had it before.

The directory belongs to the processes of one host (one pid namespace), as it does when one
server's workers share it: a pid is looked up on this machine.
"""

import os
import re
from pathlib import Path

# What prometheus_client's ``mark_process_dead`` removes; done here with ``missing_ok``, as
# two workers answering /metrics at once may sweep the same file.
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def _directory() -> Path | None:
    # The variable prometheus_client reads (its lower-case spelling is deprecated).
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(path) if path else None


def is_running(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a zombie does not: it died and
    only waits for its parent to read its exit status)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc here: the signal check is all there is
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _live_gauge_files() -> list[tuple[int, Path]]:
    directory = _directory()
    if directory is None or not directory.is_dir():
        return []
    files = []
    for entry in directory.iterdir():
        match = _LIVE_GAUGE_FILE.fullmatch(entry.name)
        if match:
            files.append((int(match.group(1)), entry))
    return files


def forget_this_process() -> None:
    """Removes live-gauge files left under this process's pid. Call before the process's
    first live-gauge value exists (values read their file when they are created)."""
    for pid, path in _live_gauge_files():
        if pid == os.getpid():
            path.unlink(missing_ok=True)


def forget_dead_processes() -> list[int]:
    """Removes the live-gauge files of processes that no longer run; returns their pids."""
    files = _live_gauge_files()
    dead = {pid for pid in {pid for pid, _ in files} if not is_running(pid)}
    for pid, path in files:
        if pid in dead:
            path.unlink(missing_ok=True)
    return sorted(dead)
