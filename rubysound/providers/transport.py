"""The one way provider clients reach the network.

One pooled ``httpx.AsyncClient`` per event loop (one per process under uvicorn; tests that
run several loops get one each), with timeouts and our User-Agent. ``get`` raises a
``ProviderError`` for failures of the transport itself (timeouts, refused connections, 5xx,
429) and returns every other answer, 4xx included, for the client to interpret: services
put their own error codes in 4xx bodies. The error of a 5xx or 429 keeps the reply's body
and headers, for a client whose service says different things with the same status.

Around each request: the caller's deadline (``budget.deadline``), the service's circuit
breaker (``breaker.py``), its concurrency and rate limits (``limits.py``), retries of
transient failures, and the metrics and logs of ``metrics.py``. Nothing is cached here
(``cache.py`` does that, around the clients).
"""

import asyncio
import email.utils
import json
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

from . import budget, limits
from .breaker import CircuitState, breaker_for
from .errors import DeadlineExceeded, ErrorKind, ProviderError
from .metrics import observe_request, report_error


@dataclass(frozen=True)
class Reply:
    service: str
    status: int
    headers: httpx.Headers
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; a body that is not JSON is a MALFORMED ProviderError."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            raise ProviderError(self.service, ErrorKind.MALFORMED, "not JSON") from None

    def text(self) -> str:
        return self.content.decode(_charset(self.headers), errors="replace")


def _charset(headers: httpx.Headers) -> str:
    content_type = headers.get("content-type", "")
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def user_agent() -> str:
    """Who we are, as MusicBrainz and Wikipedia ask every client to say."""
    from rubysound import __version__

    return f"RubySound/{__version__} ( {settings.PROVIDERS_CONTACT} )"


def build_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.PROVIDERS_READ_TIMEOUT_SECONDS,
            connect=settings.PROVIDERS_CONNECT_TIMEOUT_SECONDS,
        ),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
    )


def per_event_loop(build: Callable[[], httpx.AsyncClient]) -> Callable[[], httpx.AsyncClient]:
    """A getter of ``build``'s client, one pooled per event loop (one per process under
    uvicorn): a client's connections belong to the loop that opened them."""
    clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
        weakref.WeakKeyDictionary()
    )

    def client_of_this_loop() -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = clients.get(loop)
        if client is None or client.is_closed:
            client = clients[loop] = build()
        return client

    return client_of_this_loop


shared_client = per_event_loop(build_client)


# Failures of the exchange itself that a GET may safely try again.
_RETRYABLE_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


# A request the deadline cut after this long in flight counts against the service's
# breaker like a timeout: a service that hangs must open its circuit even when callers'
# budgets are shorter than our read timeout. Shorter cuts are the caller's haste.
_SLOW_CUT_SECONDS = 1.0


class _Failure(Exception):
    """One failed attempt: the error to raise, whether another attempt may follow and
    whether it says the service is unwell."""

    def __init__(
        self,
        error: ProviderError,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        counts: bool = True,
    ):
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after
        self.counts = counts and error.transient


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _full_url(url: str, params: dict[str, Any] | None) -> str:
    """The address as sent, for the logs (``report_error`` removes the keys from it)."""
    try:
        return str(httpx.URL(url, params=params))
    except (httpx.InvalidURL, TypeError, ValueError):
        return url


def _backoff_seconds(retry_number: int) -> float:
    """Exponential backoff with "equal jitter": at least half the step, so a retry never
    comes straight back, plus a random half that spreads the retries of many callers."""
    step = settings.PROVIDERS_RETRY_BACKOFF_SECONDS * (2 ** (retry_number - 1))
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311 - jitter, not a secret


class Transport:
    """Sends GET requests to the services, within the caller's deadline (``budget``).

    Around every request: the service's circuit breaker, its concurrency and rate limits,
    and retries (PROVIDERS_RETRY_ATTEMPTS tries in all) with exponential backoff and jitter
    for transient failures only: timeouts, dropped connections, 502/503/504 and 429 (after
    its Retry-After when that fits). A retry that would not fit in the deadline is not made.
    """

    async def get(
        self,
        service: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        attempts: int | None = None,
    ) -> Reply:
        """The service's answer (any status below 500 but 429), or ProviderError."""
        breaker = breaker_for(service)
        tries = max(1, attempts if attempts is not None else settings.PROVIDERS_RETRY_ATTEMPTS)
        attempt = 0
        while True:
            attempt += 1
            if budget.expired():
                raise self._deadline_error(service, url)
            is_probe = self._acquire(breaker)
            started = time.monotonic()
            try:
                reply = await self._attempt(service, url, params, headers)
            except _Failure as failure:
                elapsed = time.monotonic() - started
                error = failure.error
                observe_request(service, str(error.kind), elapsed)
                if failure.counts:
                    breaker.record_failure(error)
                elif is_probe:
                    breaker.release_probe()
                delay = self._retry_delay(failure, attempt, tries, breaker)
                report_error(
                    error,
                    url=_full_url(url, params),
                    attempt=attempt,
                    retrying=delay is not None,
                    elapsed=elapsed,
                )
                if delay is None:
                    raise error from None
                await asyncio.sleep(delay)
                continue
            except BaseException:
                # Cancelled by the caller: the probe told us nothing.
                if is_probe:
                    breaker.release_probe()
                raise
            observe_request(service, "ok", time.monotonic() - started)
            breaker.record_success()
            return reply

    @staticmethod
    def _acquire(breaker) -> bool:
        try:
            return breaker.acquire()
        except ProviderError as error:
            report_error(error)
            raise

    @staticmethod
    def _deadline_error(service: str, url: str) -> DeadlineExceeded:
        error = DeadlineExceeded(service)
        report_error(error, url=url)  # nothing was sent: the address alone says enough
        return error

    @staticmethod
    def _retry_delay(failure: _Failure, attempt: int, tries: int, breaker) -> float | None:
        """Seconds to wait before the next attempt, or None when there is none."""
        if not failure.retryable or attempt >= tries:
            return None
        if breaker.state is not CircuitState.CLOSED:
            return None
        if failure.retry_after is not None:
            if failure.retry_after > settings.PROVIDERS_RETRY_AFTER_MAX_SECONDS:
                return None
            delay = failure.retry_after
        else:
            delay = _backoff_seconds(attempt)
        left = budget.remaining()
        if left is not None and delay >= left:
            return None
        return delay

    async def _attempt(
        self,
        service: str,
        url: str,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> Reply:
        left = budget.remaining()
        sent_at: float | None = None
        try:
            # The whole attempt (waiting for a slot included) ends with the deadline.
            async with asyncio.timeout(left):
                async with limits.concurrency_slot(service):
                    limiter = limits.rate_limiter(service)
                    if limiter is not None:
                        await limiter.wait()
                    sent_at = time.monotonic()
                    response = await shared_client().get(url, params=params, headers=headers)
        except TimeoutError:
            in_flight = time.monotonic() - sent_at if sent_at is not None else 0.0
            error = DeadlineExceeded(
                service,
                "deadline reached in flight" if sent_at is not None else "deadline reached",
            )
            raise _Failure(error, counts=in_flight >= _SLOW_CUT_SECONDS) from None
        except DeadlineExceeded as error:
            raise _Failure(error, counts=False) from None
        except httpx.TimeoutException as exc:
            error = ProviderError(service, ErrorKind.TIMEOUT, type(exc).__name__)
            raise _Failure(error, retryable=True) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            # Our mistake, not the service's: nothing to retry, nothing against its health.
            error = ProviderError(service, ErrorKind.BAD_REQUEST, type(exc).__name__)
            raise _Failure(error, counts=False) from None
        except httpx.HTTPError as exc:
            error = ProviderError(service, ErrorKind.UNAVAILABLE, type(exc).__name__)
            raise _Failure(error, retryable=isinstance(exc, _RETRYABLE_EXCEPTIONS)) from None
        status = response.status_code
        if status == 429 or status >= 500:
            kind = ErrorKind.RATE_LIMITED if status == 429 else ErrorKind.UNAVAILABLE
            error = ProviderError(
                service,
                kind,
                f"HTTP {status}",
                status=status,
                body=response.content,
                headers=response.headers,
            )
            raise _Failure(
                error,
                retryable=status in _RETRYABLE_STATUSES,
                retry_after=_retry_after_seconds(response.headers),
            )
        return Reply(
            service=service,
            status=status,
            headers=response.headers,
            content=response.content,
            url=str(response.url),
        )


_default_transport = Transport()


def default_transport() -> Transport:
    return _default_transport
