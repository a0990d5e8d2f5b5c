"""Django's ASGI handler, with synchronous views served in one thread hop instead of twenty.

Django's own ASGIHandler runs the middleware chain in async mode. Every classic middleware
(``MiddlewareMixin``: sessions, CSRF, auth, locale, messages, ...) then hands each of its
``process_request`` and ``process_response`` to a thread and back, and each request gets a
thread of its own for them, created and joined per request. With our thirteen middleware
that is about twenty round trips between the event loop and a thread for every request,
which cost more CPU than most of our views, and a thread per request that can never keep
a database connection open.

Most of our views are synchronous (DRF, templates), so here a request for a synchronous
view runs the way a WSGI server would run it: the whole middleware chain and the view in
sync mode, in one hop to a bounded pool of long-lived threads (REQUEST_THREADS). Requests
for async views (health checks, audio streams, covers, previews) and for static files keep
Django's async path unchanged, so nothing that awaits I/O ever holds a pool thread.

The same middleware run in the same order either way; only ServeStatic, which can only run
async, is left out of the sync chain, because every request it could answer (under
STATIC_URL) takes the async path.
"""

import asyncio
import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import django
from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import Resolver404, get_resolver, set_script_prefix

# Middleware that cannot run synchronously and only answer paths the async chain takes.
ASYNC_ONLY_MIDDLEWARE = ("servestatic.middleware.ServeStaticMiddleware",)
# Distinct paths whose view kind is remembered (URL resolution costs tens of microseconds).
ROUTE_KIND_CACHE_SIZE = 4096


class _SyncMiddlewareChain(BaseHandler):
    """The project's middleware chain in sync mode, as Django's WSGI handler builds it."""

    def __init__(self, leave_out: tuple[str, ...]):
        super().__init__()
        configured = settings.MIDDLEWARE
        # load_middleware reads settings.MIDDLEWARE; this runs once, at start-up, before
        # the server accepts a request.
        settings.MIDDLEWARE = [path for path in configured if path not in leave_out]
        try:
            self.load_middleware(is_async=False)
        finally:
            settings.MIDDLEWARE = configured


class RubySoundASGIHandler(ASGIHandler):
    def __init__(self, threads: int | None = None):
        super().__init__()
        self.threads = threads or settings.REQUEST_THREADS
        self._sync_chain = _SyncMiddlewareChain(ASYNC_ONLY_MIDDLEWARE)
        self._executor = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="django-request"
        )
        # asgiref's wrapper keeps the event loop reachable from the thread, so views that
        # call async_to_sync (provider fan-out, channel layer) run their coroutines on it.
        self._respond_in_thread = sync_to_async(
            self._respond, thread_sensitive=False, executor=self._executor
        )
        self._static_prefix = (
            getattr(settings, "SERVESTATIC_STATIC_PREFIX", None)
            or urlsplit(settings.STATIC_URL or "").path
        )
        self._view_is_async = functools.lru_cache(maxsize=ROUTE_KIND_CACHE_SIZE)(_view_is_async)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        if self._takes_async_path(scope):
            return await super().__call__(scope, receive, send)
        await self._handle_sync_view(scope, receive, send)

    def _takes_async_path(self, scope) -> bool:
        script_name = get_script_prefix(scope).rstrip("/")
        path_info = scope["path"].removeprefix(script_name) if script_name else scope["path"]
        if self._static_prefix and path_info.startswith(self._static_prefix):
            return True
        return self._view_is_async(settings.ROOT_URLCONF, path_info)

    async def _handle_sync_view(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await self._respond_in_thread(scope, body_file, send)
            if response is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self.send_response(response, send)
        finally:
            body_file.close()

    def _respond(self, scope, body_file, send):
        """The request, in a pool thread: what Django's WSGI handler does for one request.

        A complete response is closed here, before it is sent, so request_finished (which
        returns database connections) runs in the thread that used them; its bytes are
        already in memory. A streamed response is sent from here too and closed after its
        last chunk, so its iterator may still use this thread's connections.
        """
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self._sync_chain.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
            return response
        try:
            if not response.is_async:
                # Django would drain a sync iterator into a list before sending a byte;
                # here each part is produced in this thread as the client takes it.
                response.streaming_content = _parts_from_this_thread(response.streaming_content)
            async_to_sync(self.send_response)(response, send)
        finally:
            response.close()
        return None


async def _parts_from_this_thread(iterator):
    # Called through async_to_sync from a pool thread: a thread-sensitive sync_to_async
    # runs back in that thread, where the iterator's database connections live.
    step = sync_to_async(next, thread_sensitive=True)
    parts = iter(iterator)
    done = object()
    while (part := await step(parts, done)) is not done:
        yield part


def _view_is_async(urlconf: str, path_info: str) -> bool:
    try:
        match = get_resolver(urlconf).resolve(path_info)
    except Resolver404:
        return False  # the 404 page is a synchronous view
    return iscoroutinefunction(match.func)


def get_asgi_application() -> RubySoundASGIHandler:
    """Like django.core.asgi.get_asgi_application, with our handler."""
    django.setup(set_prefix=False)
    return RubySoundASGIHandler()
