"""One backup operation at a time: a file lock in BACKUP_DIR plus, on PostgreSQL, an
advisory lock in the database itself (two pods with separate volumes share only that).

Create, restore and prune take both exclusively; verify takes the file lock shared, so it
never reads a file that a prune is deleting. A busy lock is waited for up to
BACKUP_LOCK_WAIT_SECONDS, then the operation fails with LockBusy naming the holder.
"""

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Iterator

from django.conf import settings

from .errors import LockBusy
from .store import LOCK_FILE_NAME, Progress, backup_dir, format_time, no_progress, utc_now

POLL_SECONDS = 0.25


def _holder_description(path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextlib.contextmanager
def file_lock(operation: str, *, shared: bool = False, progress: Progress = no_progress):
    path = backup_dir() / LOCK_FILE_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + settings.BACKUP_LOCK_WAIT_SECONDS
    announced = acquired = False
    try:
        while True:
            try:
                fcntl.flock(fd, mode)
                acquired = True
                break
            except BlockingIOError:
                holder = _holder_description(path)
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"cannot {operation}: the backup lock is held by {holder}"
                    ) from None
                if not announced:
                    progress(f"waiting for the backup lock held by {holder}")
                    announced = True
                time.sleep(POLL_SECONDS)
        if not shared:
            os.ftruncate(fd, 0)
            os.pwrite(
                fd,
                f"{operation} (pid {os.getpid()} on {socket.gethostname()}, "
                f"since {format_time(utc_now())})".encode(),
                0,
            )
        yield
    finally:
        if acquired and not shared:  # a failed attempt must not erase the holder's name
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock


@contextlib.contextmanager
def operation_lock(
    engine, operation: str, *, shared: bool = False, progress: Progress = no_progress
) -> Iterator[None]:
    with file_lock(operation, shared=shared, progress=progress):
        if shared:
            yield
            return
        deadline = time.monotonic() + settings.BACKUP_LOCK_WAIT_SECONDS
        with engine.database_lock(operation, deadline, progress):
            yield
