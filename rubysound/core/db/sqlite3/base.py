"""SQLite with a process-wide pool of open connections (the embedded default's backend).

Django opens a new SQLite connection for every request that touches the database (the
ASGI server runs requests in short-lived or pooled threads, and CONN_MAX_AGE connections
are kept per thread), and each opening registers Django's SQL functions and runs our
pragmas: a quarter of a millisecond of CPU per request. Here closing a connection hands
it back to a small pool and the next opening takes it from there, whatever the thread:
Django already opens SQLite connections shareable between threads, and a pooled
connection is only ever used by one DatabaseWrapper at a time.

A connection goes back to the pool only in the state a fresh one starts in: no open
transaction, foreign keys enforced. Anything else (closed inside an atomic block, a failed
rollback, a full pool, an in-memory database) is closed as Django would close it.

The pool size comes from OPTIONS["pool_size"] (0: no pool, Django's behaviour).
"""

import os
import sqlite3
import threading

from django_prometheus.db.backends.sqlite3 import base as instrumented
from django_prometheus.db.common import ExportingCursorWrapper

DatabaseFeatures = instrumented.DatabaseFeatures


class ConnectionPool:
    """Idle connections to one database file, most recently used first."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def take(self) -> sqlite3.Connection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def give(self, connection: sqlite3.Connection) -> bool:
        with self._lock:
            if len(self._idle) >= self.size:
                return False
            self._idle.append(connection)
            return True

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


_pools: dict[tuple, ConnectionPool] = {}
_pools_lock = threading.Lock()
_pools_pid = os.getpid()


def pool_for(conn_params: dict, size: int) -> ConnectionPool:
    global _pools_pid
    key = tuple(sorted((name, repr(value)) for name, value in conn_params.items()))
    with _pools_lock:
        if _pools_pid != os.getpid():
            # A forked child must not use its parent's SQLite connections.
            _pools.clear()
            _pools_pid = os.getpid()
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ConnectionPool(size)
        return pool


class DatabaseWrapper(instrumented.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        # Ours, not an argument of sqlite3.connect().
        self.pool_size = params.pop("pool_size", 0)
        return params

    def _pool(self, conn_params: dict) -> ConnectionPool | None:
        if self.pool_size <= 0 or self.is_in_memory_db():
            return None
        return pool_for(conn_params, self.pool_size)

    def get_new_connection(self, conn_params):
        pool = self._pool(conn_params)
        self._connection_pool = pool
        reused = pool.take() if pool else None
        return reused if reused is not None else super().get_new_connection(conn_params)

    def _close(self):
        pool = getattr(self, "_connection_pool", None)
        if (
            pool is not None
            and self.connection is not None
            and not self.in_atomic_block
            and _reset_for_reuse(self.connection)
            and pool.give(self.connection)
        ):
            return
        super()._close()

    def create_cursor(self, name=None):
        # django-prometheus builds a new cursor class for every cursor; one per connection.
        factory = getattr(self, "_cursor_factory", None)
        if factory is None:
            factory = ExportingCursorWrapper(self.CURSOR_CLASS, self.alias, self.vendor)
            self._cursor_factory = factory
        return self.connection.cursor(factory=factory)


def _reset_for_reuse(connection: sqlite3.Connection) -> bool:
    try:
        if connection.in_transaction:
            connection.rollback()
        # A migration turns foreign keys off for its duration; never pool that state.
        return connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    except sqlite3.Error:
        return False
