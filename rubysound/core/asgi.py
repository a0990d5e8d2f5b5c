"""ASGI middleware that must run before Django reads a request."""

import json

from django.conf import settings


class RequestBodyLimitMiddleware:
    """Answers 413 to any HTTP request whose body exceeds MAX_REQUEST_BODY_BYTES.

    Django's ASGI handler spools the whole body before the view runs, so the cap has to be
    enforced here: on the declared Content-Length at once, and on the bytes actually
    received for chunked bodies, which are cut off as soon as they pass the limit.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit_for(scope["path"])
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                declared = value
                break
        if declared is not None:
            if not declared.isdigit():
                return await _reply(send, 400, "Invalid Content-Length header.", "bad_request")
            if int(declared) > limit:
                return await _reply(send, 413, _too_large(limit), "payload_too_large")

        received = 0
        exceeded = False
        response_started = False

        async def limited_receive():
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    # Django stops reading on a disconnect and sends nothing; we answer below.
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if exceeded and not response_started:
            await _reply(send, 413, _too_large(limit), "payload_too_large")


def body_limit_for(path: str) -> int:
    for prefix, limit in settings.REQUEST_BODY_LIMITS_BY_PATH.items():
        if path.startswith(prefix):
            return limit
    return settings.MAX_REQUEST_BODY_BYTES


def _too_large(limit: int) -> str:
    return f"Request body is too large (the limit is {_human_size(limit)})."


def _human_size(size: int) -> str:
    """12 MB, 1.5 MB, 64 KB, 1000 bytes: never "0 MB" for a limit under a megabyte."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            tenths = size * 10 // factor  # rounded down: never claim more than allowed
            whole, fraction = divmod(tenths, 10)
            return f"{whole}.{fraction} {unit}" if fraction else f"{whole} {unit}"
    return f"{size} bytes"


async def _reply(send, status: int, detail: str, code: str) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
