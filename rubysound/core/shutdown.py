"""Graceful shutdown: what a process does between SIGTERM and exit.

The server (``rubysound.core.server``) marks the process as draining the moment the signal
arrives; from then on readiness answers 503, so whatever routes traffic by readiness (a load
balancer, ``podman`` health checks) stops sending new work. WebSocket consumers register
here while open, so the server can close every socket with 1001 "going away" before it
stops: clients reconnect at once to another replica instead of waiting for a timeout.
"""

import asyncio
import logging
import time

logger = logging.getLogger("rubysound.shutdown")

GOING_AWAY = 1001
GOING_AWAY_REASON = "server shutting down"


class ShutdownState:
    def __init__(self) -> None:
        self.draining = False
        self.draining_since: float | None = None
        self.sockets: set = set()
        self._all_closed: asyncio.Event | None = None

    def begin(self) -> None:
        # Called from a signal handler: no logging (its lock is not reentrant), no awaits.
        if not self.draining:
            self.draining = True
            self.draining_since = time.monotonic()

    def track(self, consumer) -> None:
        self.sockets.add(consumer)

    def forget(self, consumer) -> None:
        self.sockets.discard(consumer)
        if not self.sockets and self._all_closed is not None:
            self._all_closed.set()

    async def close_sockets(self, grace_seconds: float) -> int:
        """Closes every open socket with 1001 and waits up to ``grace_seconds`` for their
        clients to answer the close. Returns how many sockets were open.

        Sockets still open after that are left to the server, which drops them as it stops.
        """
        open_sockets = list(self.sockets)
        if not open_sockets:
            return 0
        logger.info("closing websockets", extra={"count": len(open_sockets), "code": GOING_AWAY})
        self._all_closed = asyncio.Event()
        await asyncio.gather(
            *(_close(consumer) for consumer in open_sockets), return_exceptions=True
        )
        if self.sockets:
            try:
                await asyncio.wait_for(self._all_closed.wait(), grace_seconds)
            except TimeoutError:
                logger.warning(
                    "websockets still open after close", extra={"count": len(self.sockets)}
                )
        return len(open_sockets)


async def _close(consumer) -> None:
    try:
        await consumer.close(code=GOING_AWAY, reason=GOING_AWAY_REASON)
    except Exception:
        # A socket whose peer vanished already: nothing left to close.
        logger.debug("websocket close failed", exc_info=True)


state = ShutdownState()


def is_draining() -> bool:
    return state.draining
