"""The protocol's errors: HTTP 200, ``status="failed"``, ``error{code, message}``."""

from enum import IntEnum


class Code(IntEnum):
    GENERIC = 0
    MISSING_PARAMETER = 10
    CLIENT_TOO_OLD = 20
    SERVER_TOO_OLD = 30
    WRONG_CREDENTIALS = 40
    TOKEN_AUTH_NOT_SUPPORTED = 41
    MECHANISM_NOT_SUPPORTED = 42
    CONFLICTING_MECHANISMS = 43
    INVALID_API_KEY = 44
    NOT_AUTHORIZED = 50
    TRIAL_OVER = 60
    NOT_FOUND = 70


class SubsonicError(Exception):
    """Raised anywhere under an operation; the dispatcher answers it in the protocol's shape."""

    def __init__(self, code: Code, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def missing(name: str) -> SubsonicError:
    return SubsonicError(Code.MISSING_PARAMETER, f"Required parameter is missing: {name}")


def invalid(name: str) -> SubsonicError:
    # Subsonic has no "invalid parameter" code: clients treat 0 as a generic refusal.
    return SubsonicError(Code.GENERIC, f"Invalid value for parameter: {name}")


def not_found(what: str = "Requested data") -> SubsonicError:
    return SubsonicError(Code.NOT_FOUND, f"{what} was not found.")


def not_authorized(
    message: str = "User is not authorized for the given operation.",
) -> SubsonicError:
    return SubsonicError(Code.NOT_AUTHORIZED, message)
