"""Failures of a backup operation, each with the exit code scripts can rely on."""

# Exit codes of ``manage.py backup`` (documented in the command's help and the README).
EXIT_OK = 0
EXIT_ERROR = 1  # unexpected failure
EXIT_USAGE = 2  # bad arguments (argparse uses 2 as well)
EXIT_NOT_FOUND = 3  # no such backup, or no backup verifies for --latest
EXIT_VERIFY_FAILED = 4  # checksum, format or drill row counts do not match
EXIT_INCOMPATIBLE = 5  # migrations unknown to this code, or another database engine
EXIT_LOCKED = 6  # another backup, restore or prune holds the lock
EXIT_REFUSED = 7  # restore not confirmed (no --yes and no terminal, or answered no)
EXIT_ENGINE_FAILED = 8  # pg_dump / pg_restore / psql / SQLite failed; restore rolled back

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_ERROR: "unexpected error",
    EXIT_USAGE: "bad arguments",
    EXIT_NOT_FOUND: "backup not found (or none verifies for --latest)",
    EXIT_VERIFY_FAILED: "verification failed (checksum, format or drill)",
    EXIT_INCOMPATIBLE: "backup incompatible with this code or database engine",
    EXIT_LOCKED: "another backup operation holds the lock",
    EXIT_REFUSED: "restore not confirmed",
    EXIT_ENGINE_FAILED: "database tool failed (a failed restore is rolled back)",
}


class BackupError(Exception):
    exit_code = EXIT_ERROR
    code = "backup_error"


class InvalidName(BackupError):
    exit_code = EXIT_USAGE
    code = "invalid_name"


class BackupNotFound(BackupError):
    exit_code = EXIT_NOT_FOUND
    code = "not_found"


class VerificationFailed(BackupError):
    exit_code = EXIT_VERIFY_FAILED
    code = "verification_failed"


class Incompatible(BackupError):
    exit_code = EXIT_INCOMPATIBLE
    code = "incompatible"


class LockBusy(BackupError):
    exit_code = EXIT_LOCKED
    code = "locked"


class Refused(BackupError):
    exit_code = EXIT_REFUSED
    code = "refused"


class EngineFailed(BackupError):
    exit_code = EXIT_ENGINE_FAILED
    code = "engine_failed"
