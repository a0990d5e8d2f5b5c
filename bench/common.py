"""What the benchmarks share: the repository's root, a free port, percentiles, and the
PostgreSQL databases they fill (only ever ones named rs_bench*, never the dev or test ones).

The scripts run as ``python bench/<name>.py``, so this folder is on their path and they
import this module as ``common``.
"""

from __future__ import annotations

import math
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (``pct`` from 0 to 100); NaN when there is nothing."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))]


def bench_database(url: str) -> str:
    """``url``'s database name; exits when it is not one of the benchmarks' own."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("rs_bench"):
        raise SystemExit(f"refusing to use database {name!r}: the bench database must be rs_bench*")
    return name


def ensure_pg_database(url: str, *, rebuild: bool = False) -> None:
    """Creates ``url``'s rs_bench* database when missing; ``rebuild`` drops it first."""
    import psycopg
    from psycopg import sql

    name = bench_database(url)
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and rebuild:
            print(f"dropping database {name}", flush=True)
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            exists = None
        if not exists:
            print(f"creating database {name}", flush=True)
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
