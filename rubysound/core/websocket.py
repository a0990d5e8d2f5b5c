"""WebSocket plumbing shared by every consumer: origin checks, authentication, metrics.

A socket is authenticated by the session cookie (browsers) or by a JWT access token, given
either as ``?token=<access>`` or as the subprotocol pair ``bearer, <access>`` in
``Sec-WebSocket-Protocol`` (the only header a browser's WebSocket API lets a page set).
"""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from prometheus_client import Gauge
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.accounts import presence
from rubysound.core import shutdown

logger = logging.getLogger("rubysound.websocket")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
BEARER_SUBPROTOCOL = "bearer"

websocket_connections = Gauge(
    "rubysound_websocket_connections",
    "Open WebSocket connections by route.",
    ["route"],
    multiprocess_mode="livesum",
)


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

    Every accepted socket of a signed-in user keeps that user online (accounts.presence):
    registered before the accept (a client that sees the socket open is already online),
    refreshed by a heartbeat task, removed on disconnect. Subclasses add periodic work by
    overriding ``heartbeat``; a subclass's ``disconnect`` must call ``super().disconnect``.
    """

    route_name = "unknown"
    _heartbeat_task: asyncio.Task | None = None
    _presence_user_id: int | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Export the route's series at 0 from start-up: a series that appears only with the
        # first connection reads as "no data" on a dashboard, not as "nobody connected".
        websocket_connections.labels(cls.route_name)

    async def __call__(self, scope, receive, send):
        try:
            return await super().__call__(scope, receive, send)
        finally:
            # Ended without its disconnect running (cancelled by a forced shutdown, or a
            # subclass that skipped super().disconnect): stop refreshing the presence entry,
            # so its TTL ends it, as after a crash.
            if self._heartbeat_task is not None:
                self._heartbeat_task.cancel()
            shutdown.state.forget(self)

    async def accept_connection(self) -> None:
        if shutdown.is_draining():
            # This process is stopping: the client should reconnect to another one.
            await self.refuse(shutdown.GOING_AWAY)
            return
        if self.user.is_authenticated:
            await self._start_presence()
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
        await self._stop_presence()
        if getattr(self, "_counted", False):
            websocket_connections.labels(self.route_name).dec()
            self._counted = False

    async def join_group(self, name: str) -> None:
        """Joins a channel-layer group for the socket's life (left again on disconnect)."""
        await self.channel_layer.group_add(name, self.channel_name)
        # Channels discards every group in ``self.groups`` when the socket disconnects.
        self.groups = [*self.groups, name]

    async def receive_json(self, content, **kwargs):
        """Answers ``{"type": "ping"}`` with a pong; the routes' own frames are their business."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def heartbeat(self) -> None:
        """Runs every presence heartbeat while the socket is open; for subclasses."""

    async def _start_presence(self) -> None:
        self._presence_user_id = self.user.pk
        try:
            await presence.connection_alive(self._presence_user_id, self.channel_name)
        except Exception:
            # Presence is a nicety: a store outage must not cost the user their socket.
            logger.warning(
                "presence registration failed",
                exc_info=True,
                extra={"user_id": self._presence_user_id},
            )
        self._heartbeat_task = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(presence.heartbeat_seconds())
            try:
                await presence.connection_alive(self._presence_user_id, self.channel_name)
            except Exception:
                logger.warning(
                    "presence refresh failed",
                    exc_info=True,
                    extra={"user_id": self._presence_user_id},
                )
            try:
                await self.heartbeat()
            except Exception:
                logger.warning(
                    "socket heartbeat failed", exc_info=True, extra={"route": self.route_name}
                )

    async def _stop_presence(self) -> None:
        task, self._heartbeat_task = self._heartbeat_task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        user_id, self._presence_user_id = self._presence_user_id, None
        if user_id is None:
            return
        try:
            await presence.connection_closed(user_id, self.channel_name)
        except Exception:
            logger.warning("presence removal failed", exc_info=True, extra={"user_id": user_id})

    @property
    def user(self):
        return self.scope.get("user") or AnonymousUser()
