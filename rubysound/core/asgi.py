"""ASGI middleware that must run before Django reads a request."""

import io
import json
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.middleware.csrf import CsrfViewMiddleware

# What a body says about itself; a request rebuilt from the headers alone leaves them out.
_BODY_HEADERS = frozenset({b"content-type", b"content-length", b"transfer-encoding"})
# Every method some route of ours answers. TRACE (which echoes the request back, cookies
# and all), CONNECT and extension methods are answered by none.
SERVED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ServedMethodsMiddleware:
    """Answers 405 to a method no route serves, before any cache, limit or view sees it;
    Django's function views would otherwise answer TRACE as if it were GET."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in SERVED_METHODS:
            return await _reply(
                send,
                405,
                f'Method "{scope["method"]}" not allowed.',
                "method_not_allowed",
                extra_headers=[(b"allow", ", ".join(SERVED_METHODS).encode())],
            )
        return await self.app(scope, receive, send)


# What a probe's fixed answer may never be: stored anywhere, sniffed, or framed.
_PROBE_HEADERS = (
    (b"content-type", b"application/json"),
    (b"cache-control", b"max-age=0, no-cache, no-store, must-revalidate, private"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
)


class FixedProbeMiddleware:
    """Answers a liveness probe's GET or HEAD of ``path`` with ``body`` before Django.

    Liveness says only that this process still serves its event loop: the answer needs no
    request, user, session or database, yet through Django's middleware chain it cost about
    three times a bare view, and under load each probe waited behind signed-in requests.
    Any other method still reaches Django (which answers it 405), so does every other path.
    """

    def __init__(self, app, path: str, body: dict):
        self.app = app
        self.path = path
        self.body = json.dumps(body).encode()
        self.headers = [*_PROBE_HEADERS, (b"content-length", str(len(self.body)).encode())]

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["path"] != self.path
            or scope["method"] not in ("GET", "HEAD")
        ):
            return await self.app(scope, receive, send)
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        body = b"" if scope["method"] == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body})


class RequestBodyLimitMiddleware:
    """Answers 413 to any HTTP request whose body exceeds its limit.

    Django's ASGI handler spools the whole body before the view runs, so the cap has to be
    enforced here: on the declared Content-Length at once, and on the bytes actually
    received for chunked bodies, which are cut off as soon as they pass the limit (Django
    then closes, and so removes, what it had spooled). The limit is MAX_REQUEST_BODY_BYTES,
    or a larger one for the few routes in STAFF_REQUEST_BODY_LIMITS, decided from the
    headers before a byte of the body is read (see ``body_limit_for``).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = await body_limit_for(scope)
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


async def body_limit_for(scope) -> int:
    """The most bytes this request's body may have, from its method, path and headers.

    A larger allowance holds only for a POST to one of the exact paths in
    STAFF_REQUEST_BODY_LIMITS, from a signed-in, active staff member's session, with a CSRF
    token that Django's own CSRF check accepts. The body cannot be consulted (it is what
    is being limited), so the token must come in the ``X-CSRFToken`` header; a form's
    hidden field is only read once the body is. The admin's upload page sends it.
    """
    default = settings.MAX_REQUEST_BODY_BYTES
    allowance = settings.STAFF_REQUEST_BODY_LIMITS.get(scope["path"], default)
    if allowance <= default or scope["method"] != "POST":
        return default
    if await sync_to_async(_is_staff_with_csrf_token, thread_sensitive=False)(scope):
        return allowance
    return default


def _is_staff_with_csrf_token(scope) -> bool:
    headers_only = {
        **scope,
        "headers": [(name, value) for name, value in scope["headers"] if name not in _BODY_HEADERS],
    }
    try:
        request = ASGIRequest(headers_only, io.BytesIO())
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key or settings.CSRF_HEADER_NAME not in request.META:
            return False
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        request.user = get_user(request)
        if not (request.user.is_active and request.user.is_staff):
            return False
        # Django's own check (Origin or Referer, then the header's token against the CSRF
        # cookie): None means accepted. No view is named, so none is exempt.
        csrf = CsrfViewMiddleware(lambda request: None)
        return csrf.process_view(request, None, (), {}) is None
    except (SuspiciousOperation, UnicodeDecodeError):  # a Host we do not serve, and such
        return False
    finally:
        # As at the end of a request: this ran in a thread of its own.
        close_old_connections()


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


async def _reply(send, status: int, detail: str, code: str, extra_headers=()) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
