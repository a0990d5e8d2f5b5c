"""The one exception a provider client raises."""

from collections.abc import Mapping
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
    """``status``, ``body`` and ``headers`` are the service's reply when there was one (the
    transport keeps them on the 5xx and 429 it raises for), so a client can tell apart
    answers that share a status: MusicBrainz's rate-limit 503 from a maintenance 503. The
    body is cut to BODY_KEPT_BYTES; neither is kept when the error is cached."""

    BODY_KEPT_BYTES = 4096

    def __init__(
        self,
        service: str,
        kind: ErrorKind,
        message: str = "",
        *,
        status: int = 0,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ):
        self.service = service
        self.kind = ErrorKind(kind)
        self.message = message
        self.status = status
        self.body = bytes(body[: self.BODY_KEPT_BYTES])
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        # Set once the error has been counted in the metrics and logged, so the layers it
        # passes through (transport, cache) report it once.
        self.reported = False
        super().__init__(f"{service}: {self.kind}{f' ({message})' if message else ''}")

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS

    def __reduce__(self):
        # Picklable (for caches and process pools) although __init__ takes more than args.
        return (_rebuild, (type(self), self.service, self.kind, self.message, self.status))


def _rebuild(cls, service, kind, message, status):
    error = cls.__new__(cls)
    ProviderError.__init__(error, service, kind, message, status=status)
    return error


class DeadlineExceeded(ProviderError):
    """The caller's time budget ran out (see ``budget.deadline``).

    A TIMEOUT for the caller, but not a sign the service is unwell: it does not count
    against the circuit breaker and is not cached as a negative answer.
    """

    def __init__(self, service: str, message: str = "deadline reached"):
        super().__init__(service, ErrorKind.TIMEOUT, message)
