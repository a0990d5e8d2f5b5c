"""The circuit breaker's states, on a clock the test moves."""

import pytest
from prometheus_client import REGISTRY

from rubysound.providers.breaker import (
    CircuitBreaker,
    CircuitState,
    breaker_for,
    breaker_snapshot,
    reset_breakers,
)
from rubysound.providers.errors import ErrorKind, ProviderError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    return CircuitBreaker("lastfm", failure_threshold=3, reset_seconds=30, clock=clock)


def _timeout() -> ProviderError:
    return ProviderError("lastfm", ErrorKind.TIMEOUT)


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.acquire()
        breaker.record_failure(_timeout())


def test_closed_until_the_threshold_of_consecutive_failures(breaker):
    _fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.acquire() is False  # an ordinary call, not a probe
    breaker.record_failure(_timeout())
    assert breaker.state is CircuitState.OPEN


def test_a_success_resets_the_count(breaker):
    _fail(breaker, 2)
    breaker.record_success()
    _fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.snapshot().consecutive_failures == 2


@pytest.mark.parametrize(
    "kind", [ErrorKind.INVALID_KEY, ErrorKind.MALFORMED, ErrorKind.NOT_FOUND, ErrorKind.BAD_REQUEST]
)
def test_answers_that_say_nothing_of_health_do_not_count(breaker, kind):
    for _ in range(10):
        breaker.record_failure(ProviderError("lastfm", kind))
    assert breaker.state is CircuitState.CLOSED
    assert breaker.snapshot().last_error_at is None


@pytest.mark.parametrize("kind", [ErrorKind.TIMEOUT, ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED])
def test_transient_failures_count(breaker, kind):
    for _ in range(3):
        breaker.record_failure(ProviderError("lastfm", kind))
    assert breaker.state is CircuitState.OPEN
    assert breaker.snapshot().last_error_kind == str(kind)


def test_an_open_circuit_fails_fast(breaker):
    _fail(breaker, 3)
    with pytest.raises(ProviderError) as caught:
        breaker.acquire()
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert caught.value.message == "circuit open"
    assert caught.value.service == "lastfm"


def test_after_the_cool_down_exactly_one_probe_goes_through(breaker, clock):
    _fail(breaker, 3)
    clock.now += 29
    assert breaker.state is CircuitState.OPEN
    clock.now += 1
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.acquire() is True
    for _ in range(3):
        with pytest.raises(ProviderError):
            breaker.acquire()


def test_a_successful_probe_closes_the_circuit(breaker, clock):
    _fail(breaker, 3)
    clock.now += 30
    assert breaker.acquire() is True
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.acquire() is False
    assert breaker.acquire() is False


def test_a_failed_probe_opens_it_for_another_cool_down(breaker, clock):
    _fail(breaker, 3)
    clock.now += 30
    assert breaker.acquire() is True
    breaker.record_failure(_timeout())  # one failure is enough when half-open
    assert breaker.state is CircuitState.OPEN
    clock.now += 29
    with pytest.raises(ProviderError):
        breaker.acquire()
    clock.now += 1
    assert breaker.acquire() is True


def test_a_released_probe_lets_the_next_call_probe(breaker, clock):
    _fail(breaker, 3)
    clock.now += 30
    assert breaker.acquire() is True
    breaker.release_probe()
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.acquire() is True


def test_the_snapshot_tells_health_what_happened(breaker):
    snapshot = breaker.snapshot()
    assert snapshot.state is CircuitState.CLOSED
    assert snapshot.last_error_at is None
    assert snapshot.opened_at is None
    _fail(breaker, 3)
    snapshot = breaker.snapshot()
    assert snapshot.state is CircuitState.OPEN
    assert snapshot.consecutive_failures == 3
    assert snapshot.last_error_kind == "timeout"
    assert snapshot.last_error_at is not None
    assert snapshot.opened_at is not None


def test_one_breaker_per_service_made_from_the_settings(settings):
    settings.PROVIDERS_BREAKER_FAILURES = 2
    settings.PROVIDERS_BREAKER_RESET_SECONDS = 7
    reset_breakers()
    lastfm = breaker_for("lastfm")
    assert lastfm is breaker_for("lastfm")
    assert lastfm is not breaker_for("deezer")
    assert (lastfm.failure_threshold, lastfm.reset_seconds) == (2, 7)
    for _ in range(2):
        lastfm.record_failure(ProviderError("lastfm", ErrorKind.UNAVAILABLE))
    assert breaker_snapshot("lastfm").state is CircuitState.OPEN
    assert breaker_snapshot("deezer").state is CircuitState.CLOSED


def _circuit_gauge(service: str) -> float | None:
    return REGISTRY.get_sample_value("rubysound_provider_circuit_open", {"service": service})


def test_the_circuit_gauge_is_one_from_opening_until_a_call_succeeds(clock):
    breaker = CircuitBreaker("deezer", failure_threshold=2, reset_seconds=30, clock=clock)
    assert _circuit_gauge("deezer") == 0
    _fail(breaker, 2)
    assert _circuit_gauge("deezer") == 1
    clock.now += 31
    assert breaker.acquire() is True  # half-open: still not closed
    assert _circuit_gauge("deezer") == 1
    breaker.record_success()
    assert _circuit_gauge("deezer") == 0
