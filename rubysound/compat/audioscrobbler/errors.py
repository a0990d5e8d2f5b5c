"""Last.fm's error codes and answers (``<lfm status="failed"><error code="N">``, or
``{"error": N, "message": ...}`` with ``format=json``)."""

from enum import IntEnum


class Code(IntEnum):
    INVALID_SERVICE = 2
    INVALID_METHOD = 3
    AUTHENTICATION_FAILED = 4
    INVALID_FORMAT = 5
    INVALID_PARAMETERS = 6
    OPERATION_FAILED = 8
    INVALID_SESSION_KEY = 9
    INVALID_API_KEY = 10
    RATE_LIMIT_EXCEEDED = 29


# HTTP statuses as Last.fm answers them: the body says the rest.
STATUS = {
    Code.INVALID_SERVICE: 400,
    Code.INVALID_METHOD: 400,
    Code.AUTHENTICATION_FAILED: 403,
    Code.INVALID_FORMAT: 400,
    Code.INVALID_PARAMETERS: 400,
    Code.OPERATION_FAILED: 500,
    Code.INVALID_SESSION_KEY: 403,
    Code.INVALID_API_KEY: 403,
    Code.RATE_LIMIT_EXCEEDED: 429,
}


class AudioscrobblerError(Exception):
    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return STATUS[self.code]


def invalid(message: str) -> AudioscrobblerError:
    return AudioscrobblerError(Code.INVALID_PARAMETERS, message)
