import contextlib
import os
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from rubysound.catalog.models import Genre
from rubysound.ops.backup import store


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    """Every test has its own BACKUP_DIR, and a busy lock fails at once instead of waiting."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_LOCK_WAIT_SECONDS = 0
    return settings.BACKUP_DIR


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); running on SQLite")


def run_backup(*args: str) -> str:
    """``manage.py backup ...`` in-process; returns stdout, raises CommandError on failure."""
    from io import StringIO

    out = StringIO()
    call_command("backup", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def exit_code_of(*args: str) -> int:
    try:
        run_backup(*args)
    except CommandError as exc:
        return exc.returncode
    return 0


def genre_slugs() -> set[str]:
    return set(Genre.objects.values_list("slug", flat=True))


def flip_a_byte(path, offset_from_end: int = 100, length: int = 1) -> None:
    with open(path, "r+b") as handle:
        handle.seek(-offset_from_end, os.SEEK_END)
        original = handle.read(length)
        handle.seek(-length, os.SEEK_CUR)
        handle.write(bytes(byte ^ 0xFF for byte in original))


def truncate(path, keep_fraction: float = 0.6) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(int(size * keep_fraction))


def rewrite_manifest_checksum(name: str) -> None:
    """Makes the manifest agree with a damaged file, as if it had been damaged before the
    checksum was taken: only the restore itself can then notice."""
    backup = store.get_backup(name)
    digest, size = store.sha256_file(backup.path)
    backup.manifest["file"] = {"sha256": digest, "size": size}
    store.save_manifest(backup)


class GenreWriter:
    """Commits one genre after another from its own thread, recording each committed slug."""

    def __init__(self):
        self.committed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            index = 0
            while not self._stop.is_set():
                slug = f"concurrent-{index}"
                Genre.objects.create(name=slug, slug=slug)
                self.committed.append(slug)
                index += 1
                time.sleep(0.002)
        except BaseException as exc:  # surfaced by the test
            self.error = exc
        finally:
            connections.close_all()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert time.monotonic() < deadline, "the writer thread made no progress"
            assert self.error is None, self.error
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        assert self.error is None, self.error


@contextlib.contextmanager
def concurrent_genre_writes() -> Iterator[GenreWriter]:
    writer = GenreWriter()
    writer._thread.start()
    try:
        yield writer
    finally:
        writer.stop()
