"""The one exception a provider client raises."""

from enum import StrEnum


class ErrorKind(StrEnum):
    DISABLED = "disabled"  # switched off, or a key it needs is missing
    INVALID_KEY = "invalid_key"  # the service refused our credentials
    RATE_LIMITED = "rate_limited"  # the service asked us to slow down
    NOT_FOUND = "not_found"  # the service says the thing does not exist
    BAD_REQUEST = "bad_request"  # the service refused our parameters
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"  # connection failures, 5xx, open circuit
    MALFORMED = "malformed"  # an answer we could not read


# Failures worth trying again (and that count against a service's health).
TRANSIENT_KINDS = frozenset({ErrorKind.TIMEOUT, ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED})


class ProviderError(Exception):
    def __init__(self, service: str, kind: ErrorKind, message: str = "", *, status: int = 0):
        self.service = service
        self.kind = ErrorKind(kind)
        self.message = message
        self.status = status
        super().__init__(f"{service}: {self.kind}{f' ({message})' if message else ''}")

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS
