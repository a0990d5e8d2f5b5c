"""A circuit breaker per service, so a service that is down costs us nothing.

Closed: calls pass. After PROVIDERS_BREAKER_FAILURES consecutive transient failures
(timeouts, refused connections, 5xx, 429) the circuit opens: calls fail at once with
ProviderError(UNAVAILABLE, "circuit open") and never reach the network. After
PROVIDERS_BREAKER_RESET_MS it is half-open: exactly one call goes through as a probe while
the others keep failing fast; the probe's success closes the circuit, its failure opens it
for another cool-down.

State is per process (each uvicorn worker learns on its own that a service is down, which
costs each a few failed calls, and needs no shared store that could itself be down).
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from .errors import ErrorKind, ProviderError
from .metrics import observe_circuit

logger = logging.getLogger("rubysound.providers")


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    service: str
    state: CircuitState
    consecutive_failures: int
    last_error_at: float | None  # time.time() of the last transient failure
    last_error_kind: str
    opened_at: float | None  # time.time() when the circuit last opened


class CircuitBreaker:
    def __init__(
        self,
        service: str,
        *,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.service = service
        self.failure_threshold = max(1, failure_threshold)
        self.reset_seconds = reset_seconds
        self.clock = clock
        # Several event loops may share the process (a thread per loop); state changes are
        # short and never await, so a plain lock keeps them whole.
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at_clock = 0.0
        self._probe_in_flight = False
        self._last_error_at: float | None = None
        self._last_error_kind = ""
        self._opened_at: float | None = None
        observe_circuit(service, is_open=False)

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._current_state()

    def _current_state(self) -> CircuitState:
        if (
            self._state is CircuitState.OPEN
            and self.clock() - self._opened_at_clock >= self.reset_seconds
        ):
            self._state = CircuitState.HALF_OPEN
            self._probe_in_flight = False
        return self._state

    def acquire(self) -> bool:
        """Asks to make one call. Returns True when the call is the half-open probe (its
        outcome must then be recorded, or the probe released); raises ProviderError
        (UNAVAILABLE, "circuit open") when the call must not be made."""
        with self._lock:
            state = self._current_state()
            if state is CircuitState.CLOSED:
                return False
            if state is CircuitState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                return True
        raise ProviderError(self.service, ErrorKind.UNAVAILABLE, "circuit open")

    def record_success(self) -> None:
        with self._lock:
            was = self._state
            self._state = CircuitState.CLOSED
            self._failures = 0
            self._probe_in_flight = False
        if was is not CircuitState.CLOSED:
            observe_circuit(self.service, is_open=False)
            logger.info("provider circuit closed", extra={"service": self.service})

    def record_failure(self, error: ProviderError) -> None:
        """Counts a failure of the service; failures that are not transient (a refused key,
        a malformed answer) say nothing about its health and are ignored."""
        if not error.transient:
            return
        with self._lock:
            self._last_error_at = time.time()
            self._last_error_kind = str(error.kind)
            self._failures += 1
            state = self._current_state()
            opens = state is CircuitState.HALF_OPEN or (
                state is CircuitState.CLOSED and self._failures >= self.failure_threshold
            )
            if opens:
                self._state = CircuitState.OPEN
                self._opened_at_clock = self.clock()
                self._opened_at = time.time()
                self._probe_in_flight = False
        if opens:
            observe_circuit(self.service, is_open=True)
            logger.warning(
                "provider circuit opened",
                extra={
                    "service": self.service,
                    "failures": self._failures,
                    "kind": str(error.kind),
                    "cooldown_s": self.reset_seconds,
                },
            )

    def release_probe(self) -> None:
        """The probe ended without telling us anything (cancelled, out of budget): let the
        next call probe instead."""
        with self._lock:
            self._probe_in_flight = False

    def snapshot(self) -> BreakerSnapshot:
        with self._lock:
            return BreakerSnapshot(
                service=self.service,
                state=self._current_state(),
                consecutive_failures=self._failures,
                last_error_at=self._last_error_at,
                last_error_kind=self._last_error_kind,
                opened_at=self._opened_at,
            )


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(service: str) -> CircuitBreaker:
    """The process's breaker for ``service``, made with the current settings."""
    breaker = _breakers.get(service)
    if breaker is not None:
        return breaker
    with _breakers_lock:
        return _breakers.setdefault(
            service,
            CircuitBreaker(
                service,
                failure_threshold=settings.PROVIDERS_BREAKER_FAILURES,
                reset_seconds=settings.PROVIDERS_BREAKER_RESET_SECONDS,
            ),
        )


def breaker_snapshot(service: str) -> BreakerSnapshot:
    return breaker_for(service).snapshot()


def reset_breakers() -> None:
    """Forgets every breaker (tests; settings changes take effect on the next call)."""
    with _breakers_lock:
        _breakers.clear()
