"""The two database engines: PostgreSQL through its client tools, SQLite through Python.

Each engine dumps a consistent snapshot together with the facts the manifest records (row
counts, applied migrations, server version) taken from that same snapshot, checks a dump's
format, restores a dump into a scratch database (the drill) and restores it into the live
database atomically: a restore that fails at any point leaves the database as it was.
"""

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

from .errors import BackupError, EngineFailed, LockBusy, VerificationFailed
from .store import CHUNK_BYTES, Progress, no_progress

# Arbitrary but fixed: every RubySound backup operation on one database takes this key.
ADVISORY_LOCK_KEY = 0x52534B55  # "RSKU"
STDERR_TAIL_LINES = 20
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class DumpFacts:
    server_version: str
    dump_tool: str
    migrations: list[str]
    row_counts: dict[str, int]


def engine_for_default_database():
    """The engine of the database Django is connected to (under pytest, the test database)."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        return PostgresEngine(connection.settings_dict)
    if connection.vendor == "sqlite":
        return SqliteEngine(connection.settings_dict)
    raise BackupError(f"backups do not support the {connection.vendor} database engine")


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-STDERR_TAIL_LINES:] if line.strip())


# --- PostgreSQL ------------------------------------------------------------------------------


class PostgresEngine:
    vendor = "postgresql"
    # Lines of pg_dump/pg_restore --verbose worth showing as progress.
    _PROGRESS_LINE = re.compile(r"(dumping contents of table|processing data for table) (.+)$")

    def __init__(self, settings_dict: dict):
        self.settings_dict = settings_dict
        self.database_name = settings_dict["NAME"]

    # Connection parameters go to the tools through the environment, so a password never
    # appears on a command line (visible to every local user in ps).
    def _env(self, database: str | None = None) -> dict[str, str]:
        params = self.settings_dict
        env = {**os.environ, "PGDATABASE": database or self.database_name}
        env["PGAPPNAME"] = "rubysound-backup"
        for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
            if params.get(key):
                env[var] = str(params[key])
        if params.get("PASSWORD"):
            env["PGPASSWORD"] = str(params["PASSWORD"])
        options = params.get("OPTIONS") or {}
        for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
            if options.get(key):
                env[var] = str(options[key])
        return env

    def _connect(self, database: str | None = None) -> psycopg.Connection:
        params = self.settings_dict
        kwargs = {
            "dbname": database or self.database_name,
            "user": params.get("USER") or None,
            "password": params.get("PASSWORD") or None,
            "host": params.get("HOST") or None,
            "port": params.get("PORT") or None,
            "application_name": "rubysound-backup",
            "autocommit": True,
        }
        options = params.get("OPTIONS") or {}
        for key in ("sslmode", "sslrootcert"):
            if options.get(key):
                kwargs[key] = options[key]
        try:
            return psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None})
        except psycopg.Error as exc:
            raise EngineFailed(f"cannot connect to PostgreSQL: {exc}") from None

    @staticmethod
    def _binary(name: str) -> str:
        folder = settings.BACKUP_PG_BIN_DIR
        found = str(Path(folder) / name) if folder else shutil.which(name)
        if not found or not os.access(found, os.X_OK):
            raise EngineFailed(
                f"{name} not found (install the PostgreSQL client tools or set BACKUP_PG_BIN_DIR)"
            )
        return found

    def _run_tool(self, args: list[str], progress: Progress, database: str | None = None) -> None:
        """Runs pg_dump/pg_restore, forwarding its per-table lines as progress."""
        tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        process = subprocess.Popen(  # noqa: S603 - our argv, no shell
            args,
            env=self._env(database),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        with process:
            for line in process.stderr:
                tail.append(line.strip())
                match = self._PROGRESS_LINE.search(line)
                if match:
                    progress(f"{match.group(1).split()[0]} {match.group(2).strip()}")
        if process.returncode != 0:
            name = Path(args[0]).name
            raise EngineFailed(f"{name} failed (exit {process.returncode}): {' | '.join(tail)}")

    def tool_version(self) -> str:
        result = subprocess.run(  # noqa: S603 - our argv, no shell
            [self._binary("pg_dump"), "--version"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    @contextlib.contextmanager
    def database_lock(self, operation: str, deadline: float, progress: Progress):
        connection = self._connect()
        try:
            announced = False
            while not connection.execute(
                "SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]
            ).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"cannot {operation}: another backup operation holds the database's "
                        f"advisory lock on {self.database_name}"
                    )
                if not announced:
                    progress("waiting for the database's backup lock")
                    announced = True
                time.sleep(0.25)
            yield
        finally:
            connection.close()  # the session ends, and its advisory lock with it

    @staticmethod
    def _row_counts(connection: psycopg.Connection) -> dict[str, int]:
        tables = connection.execute(
            """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (
                SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
              )
            ORDER BY 1, 2
            """
        ).fetchall()
        counts = {}
        for schema, table in tables:
            query = sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            key = table if schema == "public" else f"{schema}.{table}"
            counts[key] = connection.execute(query).fetchone()[0]
        return counts

    @staticmethod
    def _migrations(connection: psycopg.Connection) -> list[str]:
        exists = connection.execute("SELECT to_regclass('public.django_migrations')").fetchone()
        if exists[0] is None:
            return []
        rows = connection.execute("SELECT app, name FROM public.django_migrations ORDER BY 1, 2")
        return [f"{app}.{name}" for app, name in rows.fetchall()]

    def dump(self, target: Path, progress: Progress = no_progress) -> DumpFacts:
        """pg_dump of an exported snapshot; counts and migrations read in that snapshot, so
        the manifest describes exactly what the dump holds while the app keeps writing."""
        pg_dump = self._binary("pg_dump")
        with self._connect() as snapshot:
            snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_id = snapshot.execute("SELECT pg_export_snapshot()").fetchone()[0]
            server_version = snapshot.execute("SHOW server_version").fetchone()[0]
            progress("counting rows")
            row_counts = self._row_counts(snapshot)
            migrations = self._migrations(snapshot)
            progress(f"pg_dump of {self.database_name} ({sum(row_counts.values())} rows)")
            self._run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--verbose",
                    "--no-password",
                    f"--snapshot={snapshot_id}",
                    f"--file={target}",
                ],
                progress,
            )
            snapshot.execute("COMMIT")
        return DumpFacts(server_version, self.tool_version(), migrations, row_counts)

    def check_format(self, path: Path) -> str:
        result = subprocess.run(  # noqa: S603 - our argv, no shell
            [self._binary("pg_restore"), "--list", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[-1:] or ["unreadable archive"]
            raise VerificationFailed(f"pg_restore cannot read the archive: {reason[0]}")
        entries = [line for line in result.stdout.splitlines() if line and line[0].isdigit()]
        return f"custom archive with {len(entries)} entries"

    def _schema_reset_sql(self, database: str) -> str:
        """SQL run first inside the restore's transaction: an empty ``public`` schema with
        the owner and grants the current one has, so tables the dump does not know (from
        newer migrations) do not survive the restore."""
        with self._connect(database) as connection:
            row = connection.execute(
                "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'"
            ).fetchone()
            owner = row[0] if row else connection.execute("SELECT current_user").fetchone()[0]
            grants = connection.execute(
                """
                SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                       a.privilege_type
                FROM pg_namespace n, aclexplode(n.nspacl) a
                WHERE n.nspname = 'public'
                """
            ).fetchall()
        lines = [
            f"SET lock_timeout = '{int(settings.BACKUP_RESTORE_LOCK_TIMEOUT_SECONDS)}s';",
            "DROP SCHEMA IF EXISTS public CASCADE;",
            "CREATE SCHEMA public;",
            f"ALTER SCHEMA public OWNER TO {owner};",
        ]
        for grantee, privilege in grants:
            if privilege in {"USAGE", "CREATE"}:
                lines.append(f"GRANT {privilege} ON SCHEMA public TO {grantee};")
        lines.append("RESET lock_timeout;")
        return "\n".join(lines) + "\n"

    def _restore_into(self, database: str, path: Path) -> None:
        """pg_restore's SQL piped into one psql transaction that starts by emptying the
        schema. psql commits only on end of input, which it gets only after pg_restore
        exited cleanly; on any failure psql is killed mid-transaction and the server rolls
        everything back."""
        preamble = self._schema_reset_sql(database).encode()
        with tempfile.TemporaryDirectory(prefix="rubysound-restore-") as scratch:
            restore_log, psql_log = Path(scratch) / "pg_restore.log", Path(scratch) / "psql.log"
            with open(restore_log, "wb") as restore_err, open(psql_log, "wb") as psql_err:
                producer = subprocess.Popen(  # noqa: S603 - our argv, no shell
                    [
                        self._binary("pg_restore"),
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--file=-",
                        str(path),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=restore_err,
                    env=self._env(database),
                )
                consumer = subprocess.Popen(  # noqa: S603 - our argv, no shell
                    [
                        self._binary("psql"),
                        "--no-psqlrc",
                        "--quiet",
                        "--no-password",
                        "--single-transaction",
                        "--set=ON_ERROR_STOP=1",
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=psql_err,
                    env=self._env(database),
                )
                try:
                    self._pipe(preamble, producer, consumer)
                finally:
                    for process in (producer, consumer):
                        if process.poll() is None:
                            process.kill()
                        process.wait()
                        if process.stdin:
                            with contextlib.suppress(OSError):
                                process.stdin.close()
                        if process.stdout:
                            process.stdout.close()
            self._raise_on_failure(producer, consumer, restore_log, psql_log)

    @staticmethod
    def _pipe(preamble: bytes, producer, consumer) -> None:
        try:
            consumer.stdin.write(preamble)
            while chunk := producer.stdout.read(CHUNK_BYTES):
                consumer.stdin.write(chunk)
            if producer.wait() != 0:
                return  # psql is killed with its input unfinished: no COMMIT is ever sent
            consumer.stdin.close()  # end of input: psql commits
        except BrokenPipeError:
            pass  # psql stopped on an error and rolled back; reported by the caller
        consumer.wait()

    @staticmethod
    def _raise_on_failure(producer, consumer, restore_log: Path, psql_log: Path) -> None:
        if producer.returncode != 0:
            raise EngineFailed(
                "pg_restore failed, nothing was changed: "
                f"{_tail(restore_log) or f'exit {producer.returncode}'}"
            )
        if consumer.returncode != 0:
            raise EngineFailed(
                "the restore failed and was rolled back, nothing was changed: "
                f"{_tail(psql_log) or f'psql exit {consumer.returncode}'}"
            )

    def restore(self, path: Path, progress: Progress = no_progress) -> dict[str, int]:
        # No progress while psql runs: the restore holds every table's lock, so a progress
        # writer that touches the database would wait on it for ever.
        self._restore_into(self.database_name, path)
        with self._connect() as connection:
            return self._row_counts(connection)

    def drill(self, path: Path, progress: Progress = no_progress) -> dict[str, int]:
        scratch = f"rs_drill_{secrets.token_hex(6)}"
        with self._connect() as connection:
            try:
                connection.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch))
                )
            except psycopg.Error as exc:
                raise EngineFailed(f"cannot create the drill database: {exc}") from None
        try:
            progress(f"restoring into the scratch database {scratch}")
            self._restore_into(scratch, path)
            with self._connect(scratch) as connection:
                return self._row_counts(connection)
        finally:
            with self._connect() as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(scratch)
                    )
                )


# --- SQLite ----------------------------------------------------------------------------------


class SqliteEngine:
    vendor = "sqlite"

    def __init__(self, settings_dict: dict):
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            raise BackupError("an in-memory SQLite database cannot be backed up")
        self.path = Path(name)
        self.database_name = self.path.name

    @contextlib.contextmanager
    def database_lock(self, operation: str, deadline: float, progress: Progress):
        yield  # one file, one host: the file lock in BACKUP_DIR is enough

    @staticmethod
    def _open_read_only(path: Path) -> sqlite3.Connection:
        # immutable: never create a journal or WAL file next to a backup
        return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)

    @staticmethod
    def _facts_from(connection: sqlite3.Connection) -> tuple[dict[str, int], list[str]]:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' "
                "ORDER BY name"
            )
        ]
        counts = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            counts[table] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
        migrations = []
        if "django_migrations" in counts:
            migrations = [
                f"{app}.{name}"
                for app, name in connection.execute(
                    "SELECT app, name FROM django_migrations ORDER BY 1, 2"
                )
            ]
        return counts, migrations

    def dump(self, target: Path, progress: Progress = no_progress) -> DumpFacts:
        if not self.path.exists():
            raise EngineFailed(f"the SQLite database {self.path} does not exist")
        progress(f"copying {self.path.name} with SQLite's online backup")
        source = sqlite3.connect(self.path, timeout=30)
        copy = sqlite3.connect(target)
        try:
            # One step: the copy is a single consistent snapshot while the app keeps writing.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal
        except sqlite3.Error as exc:
            raise EngineFailed(f"SQLite backup failed: {exc}") from None
        finally:
            copy.close()
            source.close()
        reader = self._open_read_only(target)
        try:
            counts, migrations = self._facts_from(reader)
        finally:
            reader.close()
        version = sqlite3.sqlite_version
        return DumpFacts(version, f"sqlite3 online backup {version}", migrations, counts)

    def check_format(self, path: Path) -> str:
        with open(path, "rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise VerificationFailed("not an SQLite database file")
        reader = self._open_read_only(path)
        try:
            result = reader.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise VerificationFailed(f"SQLite cannot read the file: {exc}") from None
        finally:
            reader.close()
        if result != "ok":
            raise VerificationFailed(f"SQLite quick_check: {result}")
        return "SQLite database, quick_check ok"

    def drill(self, path: Path, progress: Progress = no_progress) -> dict[str, int]:
        with tempfile.TemporaryDirectory(prefix="rubysound-drill-") as scratch:
            target = Path(scratch) / "drill.sqlite3"
            progress(f"restoring into the scratch file {target}")
            source = self._open_read_only(path)
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise VerificationFailed(f"SQLite integrity_check: {check}")
                counts, _migrations = self._facts_from(copy)
            except sqlite3.DatabaseError as exc:
                raise VerificationFailed(f"the drill restore failed: {exc}") from None
            finally:
                copy.close()
                source.close()
        return counts

    def restore(self, path: Path, progress: Progress = no_progress) -> dict[str, int]:
        """The online backup API in reverse, in one step: one write transaction on the live
        database, so open connections see either the old or the new content, never a mix,
        and a failure rolls back."""
        source = self._open_read_only(path)
        live = sqlite3.connect(self.path, timeout=30)
        try:
            source.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
            counts, _migrations = self._facts_from(live)
        except sqlite3.Error as exc:
            raise EngineFailed(f"the restore failed and was rolled back: {exc}") from None
        finally:
            live.close()
            source.close()
        return counts
