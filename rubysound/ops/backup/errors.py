"""Failures of a backup operation, each with the exit code scripts can rely on.

They are the ops domain's errors (``DomainError``): a code from ``BackupErrorCode``, which
``manage.py backup`` prints and the backup center records, and an HTTP status for a view
that lets one through.
"""

from enum import StrEnum

from rubysound.core.errors import DomainError

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


class BackupErrorCode(StrEnum):
    BACKUP_ERROR = "backup_error"
    INVALID_NAME = "invalid_name"
    NOT_FOUND = "not_found"
    VERIFICATION_FAILED = "verification_failed"
    INCOMPATIBLE = "incompatible"
    LOCKED = "locked"
    REFUSED = "refused"
    ENGINE_FAILED = "engine_failed"


class BackupError(DomainError):
    exit_code = EXIT_ERROR
    code = BackupErrorCode.BACKUP_ERROR
    status = 500
    message = "The backup operation failed."


class InvalidName(BackupError):
    exit_code = EXIT_USAGE
    code = BackupErrorCode.INVALID_NAME
    status = 400


class BackupNotFound(BackupError):
    exit_code = EXIT_NOT_FOUND
    code = BackupErrorCode.NOT_FOUND
    status = 404


class VerificationFailed(BackupError):
    exit_code = EXIT_VERIFY_FAILED
    code = BackupErrorCode.VERIFICATION_FAILED
    status = 422


class Incompatible(BackupError):
    exit_code = EXIT_INCOMPATIBLE
    code = BackupErrorCode.INCOMPATIBLE
    status = 409


class LockBusy(BackupError):
    exit_code = EXIT_LOCKED
    code = BackupErrorCode.LOCKED
    status = 409


class Refused(BackupError):
    exit_code = EXIT_REFUSED
    code = BackupErrorCode.REFUSED
    status = 400


class EngineFailed(BackupError):
    exit_code = EXIT_ENGINE_FAILED
    code = BackupErrorCode.ENGINE_FAILED
    status = 500
