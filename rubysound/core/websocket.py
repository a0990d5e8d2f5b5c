"""WebSocket plumbing shared by every consumer: origin checks, authentication, frames, metrics.

A socket is authenticated by the session cookie (browsers) or by a JWT access token, given
either as ``?token=<access>`` or as the subprotocol pair ``bearer, <access>`` in
``Sec-WebSocket-Protocol`` (the only header a browser's WebSocket API lets a page set).

Client frames are JSON objects with a ``type`` (``websocket_frames`` bounds their size and
depth). A frame a socket cannot use is answered, and the socket stays open::

    {"type": "error", "code": "bad_request", "detail": "..."}

Every route answers ``{"type": "ping"}`` with ``{"type": "pong"}``. A path no route
matches is accepted and closed with 4404; a socket whose handler fails is closed with 1011.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from prometheus_client import Gauge
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.core import live_gauges, shutdown
from rubysound.core.websocket_frames import BadFrame, decode_frame

logger = logging.getLogger("rubysound.websocket")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_INTERNAL_ERROR = 1011
BEARER_SUBPROTOCOL = "bearer"

# Before the gauge's first value exists: a worker that reuses a dead one's pid would
# otherwise start from that worker's count.
live_gauges.forget_this_process()
websocket_connections = Gauge(
    "rubysound_websocket_connections",
    "Open WebSocket connections by route.",
    ["route"],
    multiprocess_mode="livesum",
)


# What a failing hook of each event is called in the log.
_FAILED_EVENT = {"connected": "registration", "heartbeat": "refresh", "disconnected": "removal"}

ConnectionHook = Callable[[int, str], Awaitable[None]]


@dataclass(frozen=True)
class ConnectionListener:
    """What another app does for each accepted socket of a signed-in user (accounts keeps
    the user online with one). Each hook gets the user's id and the socket's channel name.

    ``connected`` runs before the accept (a client that sees its socket open finds it done),
    ``heartbeat`` every heartbeat while the socket is open, ``disconnected`` once it closes.
    A hook that fails is logged as "<name> <registration|refresh|removal> failed"; it never
    costs the user their socket.
    """

    name: str
    connected: ConnectionHook
    heartbeat: ConnectionHook
    disconnected: ConnectionHook


_connection_listeners: list[ConnectionListener] = []


def add_connection_listener(listener: ConnectionListener) -> None:
    """Registers a listener once (apps call this from their AppConfig.ready)."""
    if listener not in _connection_listeners:
        _connection_listeners.append(listener)


def heartbeat_seconds() -> float:
    # Named for presence, the heartbeat's first user; the listeners' TTLs are set against it.
    return float(settings.PRESENCE_HEARTBEAT_SECONDS)


def _token_from_scope(scope) -> tuple[str | None, bool]:
    """The access token a socket offers, and whether it came as a subprotocol."""
    subprotocols = scope.get("subprotocols") or []
    if len(subprotocols) >= 2 and subprotocols[0].lower() == BEARER_SUBPROTOCOL:
        return subprotocols[1], True
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    tokens = query.get("token")
    return (tokens[0] if tokens else None), False


@database_sync_to_async
def _user_for_access_token(raw_token: str):
    try:
        token = AccessToken(raw_token)
    except TokenError:
        return None
    user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user


class JWTAuthMiddleware:
    """Authenticates by JWT when the session did not; an invalid token leaves it anonymous."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        raw_token, as_subprotocol = _token_from_scope(scope)
        if as_subprotocol:
            scope["accepted_subprotocol"] = BEARER_SUBPROTOCOL
        user = scope.get("user")
        if raw_token and (user is None or not user.is_authenticated):
            scope["user"] = await _user_for_access_token(raw_token) or AnonymousUser()
        return await self.app(scope, receive, send)


class BrowserOriginValidator(OriginValidator):
    """Refuses cross-site pages (WebSocket hijacking with our cookies).

    A socket without an Origin header comes from a non-browser client, which cannot ride
    a visitor's cookies, so it is let through to authenticate like any API client.
    """

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)


def websocket_stack(inner):
    allowed = ["*"] if settings.DEBUG else list(settings.ALLOWED_HOSTS)
    return BrowserOriginValidator(AuthMiddlewareStack(JWTAuthMiddleware(inner)), allowed)


class RubySoundConsumer(AsyncJsonWebsocketConsumer):
    """Base for our consumers: counts connections and accepts with the auth subprotocol.

    Clients get a close code they can act on (4401, 4403, 4404): the handshake is accepted
    first, because a socket refused during the handshake never sees a close code.

    Client frames are read here once for every route: a subclass lists the frame types it
    understands besides ``ping`` in ``frame_types`` and handles each ``<type>`` in a method
    ``frame_<type>(content)``, which may raise BadFrame to answer a bad_request error.

    Every accepted socket of a signed-in user is announced to the connection listeners
    (``add_connection_listener``): connected before the accept, then on every beat of a
    heartbeat task, disconnected when it closes. Subclasses add periodic work by overriding
    ``heartbeat``; a subclass's ``disconnect`` must call ``super().disconnect``.
    """

    route_name = "unknown"
    frame_types: tuple[str, ...] = ()
    _heartbeat_task: asyncio.Task | None = None
    _listened_user_id: int | None = None
    _counted = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Export the route's series at 0 from start-up: a series that appears only with the
        # first connection reads as "no data" on a dashboard, not as "nobody connected".
        websocket_connections.labels(cls.route_name)

    async def __call__(self, scope, receive, send):
        try:
            return await super().__call__(scope, receive, send)
        finally:
            # Ended without its disconnect running (cancelled by a forced shutdown, a channel
            # layer that failed while leaving the groups, or a subclass that skipped
            # super().disconnect): stop the heartbeat, so what the listeners keep for the
            # socket expires, as after a crash, and stop counting the socket.
            if self._heartbeat_task is not None:
                self._heartbeat_task.cancel()
            shutdown.state.forget(self)
            self._uncount()

    async def dispatch(self, message):
        try:
            handler_name = get_handler_name(message)
        except ValueError:
            handler_name = None
        if handler_name is None or not hasattr(self, handler_name):
            # Channels would end the socket. A group message this server has no handler for
            # comes from a newer server during a rolling deploy.
            logger.warning(
                "websocket message without a handler",
                extra={"route": self.route_name, "message_type": str(message.get("type"))},
            )
            return
        try:
            await super().dispatch(message)
        except StopConsumer:
            raise
        except Exception:
            # A fault of ours, not of the client's frame (those are answered in ``receive``):
            # logged once, and the client told with a close code instead of a dropped socket.
            logger.exception("websocket handler failed", extra={"route": self.route_name})
            if message["type"] == "websocket.disconnect":
                raise StopConsumer from None  # the client is gone already
            with contextlib.suppress(Exception):
                # Fails only when the client vanished meanwhile: nothing left to tell.
                await self.close(code=CLOSE_INTERNAL_ERROR)

    async def accept_connection(self) -> None:
        if shutdown.is_draining():
            # This process is stopping: the client should reconnect to another one.
            await self.refuse(shutdown.GOING_AWAY)
            return
        if self.user.is_authenticated:
            await self._start_listening()
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        websocket_connections.labels(self.route_name).inc()
        self._counted = True
        # Closed with 1001 by the server when the process shuts down.
        shutdown.state.track(self)

    async def refuse(self, code: int) -> None:
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        await self.close(code=code)

    async def disconnect(self, code):
        shutdown.state.forget(self)
        self._uncount()
        await self._stop_listening()

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            websocket_connections.labels(self.route_name).dec()

    async def join_group(self, name: str) -> None:
        """Joins a channel-layer group for the socket's life (left again on disconnect)."""
        await self.channel_layer.group_add(name, self.channel_name)
        # Channels discards every group in ``self.groups`` when the socket disconnects.
        self.groups = [*self.groups, name]

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Read here rather than by the JSON base class, which ends the socket on any frame
        # that is not JSON text.
        try:
            await self.receive_json(decode_frame(text_data))
        except BadFrame as exc:
            await self.send_error("bad_request", str(exc))

    async def receive_json(self, content: dict, **kwargs):
        """Answers ``ping`` and hands the route's own ``frame_types`` to their methods."""
        frame_type = content.get("type")
        if frame_type == "ping":
            await self.send_json({"type": "pong"})
        elif isinstance(frame_type, str) and frame_type in self.frame_types:
            await getattr(self, f"frame_{frame_type}")(content)
        else:
            known = ", ".join(f'"{name}"' for name in ("ping", *self.frame_types))
            raise BadFrame(f'"type" must be one of: {known}.')

    async def send_error(self, code: str, detail: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    async def heartbeat(self) -> None:
        """Runs every heartbeat while a signed-in user's socket is open; for subclasses."""

    async def _notify(self, event: str, user_id: int) -> None:
        for listener in _connection_listeners:
            try:
                await getattr(listener, event)(user_id, self.channel_name)
            except Exception:
                logger.warning(
                    "%s %s failed",
                    listener.name,
                    _FAILED_EVENT[event],
                    exc_info=True,
                    extra={"user_id": user_id},
                )

    async def _start_listening(self) -> None:
        self._listened_user_id = self.user.pk
        await self._notify("connected", self._listened_user_id)
        self._heartbeat_task = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(heartbeat_seconds())
            await self._notify("heartbeat", self._listened_user_id)
            try:
                await self.heartbeat()
            except Exception:
                logger.warning(
                    "socket heartbeat failed", exc_info=True, extra={"route": self.route_name}
                )

    async def _stop_listening(self) -> None:
        task, self._heartbeat_task = self._heartbeat_task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        user_id, self._listened_user_id = self._listened_user_id, None
        if user_id is not None:
            await self._notify("disconnected", user_id)

    @property
    def user(self):
        return self.scope.get("user") or AnonymousUser()


class UnknownRouteConsumer(AsyncWebsocketConsumer):
    """Any path no route matches: accepted, then closed with 4404 (left to Channels' router,
    it raises, and the server answers 500 with a traceback). Uses no channel layer."""

    channel_layer_alias = None

    async def connect(self):
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        await self.close(code=CLOSE_NOT_FOUND)
