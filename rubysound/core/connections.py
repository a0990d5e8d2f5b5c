"""HTTP connections a slow, stalled or idle client cannot hold open.

uvicorn closes a keep-alive connection that stays idle after a response, but it has no
deadline for a request that is arriving: a client that connects and sends nothing, sends
half its headers, or stops in the middle of a body keeps its socket (and a file descriptor)
for as long as it likes, so a few thousand of them starve the process. Its two HTTP
protocols are extended here with the missing deadlines, read from the settings:

- ``HTTP_HEADERS_TIMEOUT_SECONDS``: a request's headers must be complete within this time
  of the connection opening, or of the previous response on a kept-alive connection.
  Bytes trickling in do not extend it, so headers sent a byte at a time still run out.
- ``HTTP_BODY_TIMEOUT_SECONDS``: a body may not stall longer than this between two
  chunks; a slow upload that keeps sending is never cut. Time during which we, not the
  client, hold the body back (the application is not reading yet, or has not asked for an
  ``Expect: 100-continue`` body) does not count.
- ``HTTP_KEEP_ALIVE_SECONDS``: how long an idle connection is kept after a response
  (uvicorn's own keep-alive timer, set from the settings so every entry point agrees).

A connection past its deadline is aborted: nothing is answered (the request never arrived
whole) and its descriptor is freed at once, whatever the client does. Both entry points
name these classes (``make run`` through ``uvicorn --http``, ``python -m
rubysound.core.server`` directly); so do the servers the tests start.
"""

import asyncio
import logging
import resource

from django.conf import settings
from prometheus_client import Counter
from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornH11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as UvicornHttpToolsProtocol

logger = logging.getLogger("rubysound.server")

connections_timed_out = Counter(
    "rubysound_http_connections_timed_out_total",
    "Connections closed because the client sent its request too slowly, by what was late.",
    ["waiting_for"],
)


class ClientDeadlines:
    """The deadlines, over state both of uvicorn's protocols keep: ``cycle`` (the request
    being answered), ``flow`` (whether we paused reading), ``transport`` and ``loop``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeout_keep_alive = settings.HTTP_KEEP_ALIVE_SECONDS
        self._headers_timeout = settings.HTTP_HEADERS_TIMEOUT_SECONDS
        self._body_timeout = settings.HTTP_BODY_TIMEOUT_SECONDS
        self._waiting_for_headers_since = 0.0
        self._body_progress_at = 0.0
        self._deadline_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._waiting_for_headers_since = self.loop.time()
        self._watch()

    def data_received(self, data: bytes) -> None:
        self._body_progress_at = self.loop.time()
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request may have started meanwhile; if not, the next one's headers
        # are awaited from now.
        self._waiting_for_headers_since = self.loop.time()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _waiting_for(self) -> str | None:
        """What the connection waits for from the client: "headers", "body" or nothing."""
        transport = self.transport
        if transport is None or transport.is_closing() or transport.get_protocol() is not self:
            return None  # closed, or handed over to the WebSocket protocol
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return "headers"
        if cycle.more_body:
            return "body"
        return None  # the whole request is in: the application has it

    def _deadline(self, waiting_for: str, now: float) -> float:
        if waiting_for == "headers":
            return self._waiting_for_headers_since + self._headers_timeout
        if self.flow.read_paused or self.cycle.waiting_for_100_continue:
            # The client is waiting for us; its clock starts again when we read on.
            self._body_progress_at = now
        return self._body_progress_at + self._body_timeout

    def _watch(self) -> None:
        """Arms the timer for the current deadline unless one is armed already; the timer
        re-checks when it fires, so progress in between costs nothing."""
        if self._deadline_timer is None and self._waiting_for() is not None:
            self._check_deadline()

    def _check_deadline(self) -> None:
        self._deadline_timer = None
        waiting_for = self._waiting_for()
        if waiting_for is None:
            return
        now = self.loop.time()
        deadline = self._deadline(waiting_for, now)
        if now < deadline:
            self._deadline_timer = self.loop.call_at(deadline, self._check_deadline)
            return
        connections_timed_out.labels(waiting_for).inc()
        # abort, not close: close would wait to flush a write buffer that a client which is
        # not reading never drains.
        self.transport.abort()

    def _stop_watching(self) -> None:
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None


class HttpToolsProtocol(ClientDeadlines, UvicornHttpToolsProtocol):
    """uvicorn's httptools protocol (``--http httptools``), with the client deadlines."""


class H11Protocol(ClientDeadlines, UvicornH11Protocol):
    """uvicorn's h11 protocol (``--http h11``), with the client deadlines."""


def raise_open_file_limit() -> int:
    """Raises this process's soft limit on open files to its hard limit, where allowed.

    Every connection holds a descriptor; the soft limit many systems start processes with
    (1024) is far below what one worker can serve. Returns the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # An unlimited hard limit cannot be the soft one on Linux (nr_open caps it).
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as exc:
        logger.warning(
            "open file limit not raised", extra={"soft": soft, "hard": hard, "error": str(exc)}
        )
        return soft
    logger.info("open file limit raised", extra={"from": soft, "to": target})
    return target
