"""``python -m rubysound.core.server``: uvicorn with RubySound's graceful shutdown.

On SIGTERM (or Ctrl+C) the process

1. marks itself draining at once: ``/health/ready`` answers 503 from that moment;
2. keeps serving for ``SHUTDOWN_DRAIN_SECONDS`` (0 by default: under Kubernetes the pod's
   preStop pause already gives the Service time to drop the pod from its endpoints);
3. closes every WebSocket with 1001 "going away", so clients reconnect to another replica;
4. stops accepting connections and lets in-flight requests finish;
5. exits, all within ``SHUTDOWN_TIMEOUT_SECONDS`` of the signal (in-flight requests still
   running then are cancelled).

One process serves one port: run more containers (replicas) rather than workers.
"""

import argparse
import asyncio
import logging
import os
import sys
import time

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from rubysound.core import shutdown
from rubysound.core.connections import HttpToolsProtocol

logger = logging.getLogger("rubysound.server")

APPLICATION = "rubysound.asgi:application"
# Part of the budget kept for closing sockets and the final clean-up after requests end.
WEBSOCKET_CLOSE_SECONDS = 3.0


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, drain_seconds: float, budget_seconds: float):
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.budget_seconds = budget_seconds

    def handle_exit(self, sig, frame) -> None:
        shutdown.state.begin()
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets=None) -> None:
        # Exits by max-requests or a failed start reach here without a signal.
        shutdown.state.begin()
        started = shutdown.state.draining_since
        if self.drain_seconds > 0:
            logger.info("draining", extra={"seconds": self.drain_seconds})
            await asyncio.sleep(self.drain_seconds)
        await shutdown.state.close_sockets(min(WEBSOCKET_CLOSE_SECONDS, self._left(started)))
        # uvicorn stops accepting, waits for in-flight requests and cancels what is left
        # when this timeout ends: whatever of the budget the steps above did not use.
        self.config.timeout_graceful_shutdown = max(1, int(self._left(started)) - 1)
        await super().shutdown(sockets)

    def _left(self, started: float) -> float:
        return max(0.0, self.budget_seconds - (time.monotonic() - started))


class _WithoutColorMessage(logging.Filter):
    """uvicorn attaches an ANSI-coloured copy of some messages; our log lines are plain."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


def build_parser(settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rubysound.core.server",
        description="Serve RubySound (uvicorn, uvloop, httptools) with a graceful shutdown.",
    )
    parser.add_argument("--host", default=settings.HOST, help="default: HOST")
    parser.add_argument("--port", type=int, default=settings.PORT, help="default: PORT")
    parser.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=settings.ACCESS_LOG
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
    from django.conf import settings

    args = build_parser(settings).parse_args(argv)
    config = uvicorn.Config(
        APPLICATION,
        host=args.host,
        port=args.port,
        loop="uvloop",
        # httptools with deadlines for slow and idle clients (keep-alive included).
        http=HttpToolsProtocol,
        # Channels' router has no lifespan handler; client addresses come from
        # TRUSTED_PROXY_COUNT (ClientIPMiddleware), never from uvicorn's proxy headers.
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        access_log=args.access_log,
        # Django's LOGGING (one key=value line per event) formats uvicorn's loggers too.
        log_config=None,
        log_level=settings.LOG_LEVEL.lower(),
        timeout_graceful_shutdown=settings.SHUTDOWN_TIMEOUT_SECONDS,
    )
    logging.getLogger("uvicorn.error").addFilter(_WithoutColorMessage())
    server = GracefulServer(
        config,
        drain_seconds=settings.SHUTDOWN_DRAIN_SECONDS,
        budget_seconds=settings.SHUTDOWN_TIMEOUT_SECONDS,
    )
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
