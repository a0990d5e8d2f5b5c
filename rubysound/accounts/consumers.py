"""``/ws/presence/``: whether other users are online, live.

Client frames:

- ``{"action": "watch_user", "user_id": 7}``: answered at once with the user's status, then
  a new status whenever it changes, until ``unwatch_user`` or the socket closes;
- ``{"action": "unwatch_user", "user_id": 7}``: no answer;
- ``{"type": "ping"}``: answered ``{"type": "pong"}``.

Server frames:

- ``{"type": "presence_status", "user_id", "is_online", "last_seen_iso"}``: ``last_seen_iso``
  is when an offline user was last seen (ISO 8601 UTC), null while online or when unknown.
  Private users (``is_public_favorites`` off) and ids that do not exist get the same answer,
  offline and never seen, so the answer does not tell whether an id exists;
- ``{"type": "error", "code": "bad_request" | "watch_limit" | "unavailable", "detail"}``:
  a frame this socket could not act on; the socket stays open. Frames that are not JSON
  objects, or too large or deep, are answered by the WebSocket base like on every route.

A watcher hears each transition from the watched user's presence group. A transition
nobody announced (a server died with the user's socket) is found on this socket's own
heartbeat, when it re-reads every user it watches.
"""

import asyncio
import logging
from dataclasses import dataclass

from django.conf import settings

from rubysound.core.websocket import CLOSE_UNAUTHENTICATED, BadFrame, RubySoundConsumer

from . import presence

logger = logging.getLogger("rubysound.accounts.presence")

ACTIONS = ("watch_user", "unwatch_user")
MAX_USER_ID = 2**63 - 1  # the largest primary key; a larger number is malformed, not unknown


@dataclass
class Watch:
    watchable: presence.Watchable
    sent: dict | None = None  # the last status this socket sent, to send only changes


def parse_user_id(value) -> int:
    """A positive integer, also accepted as a string of digits (ids read from the page)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_USER_ID:
        raise BadFrame("user_id must be a positive integer.")
    return value


class PresenceConsumer(RubySoundConsumer):
    route_name = "presence"

    async def connect(self):
        if not self.user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        self.watches: dict[int, Watch] = {}
        # The heartbeat task re-reads watched users concurrently with the frames and group
        # messages the consumer handles; one at a time keeps ``watches`` and ``sent`` whole.
        self.watch_lock = asyncio.Lock()
        await self.accept_connection()

    async def disconnect(self, code):
        for user_id in list(getattr(self, "watches", {})):
            await self.channel_layer.group_discard(
                presence.presence_group(user_id), self.channel_name
            )
        await super().disconnect(code)

    # --- Frames from the client ---------------------------------------------------------

    async def receive_json(self, content, **kwargs):
        if "type" in content:
            # Typed frames (ping) are the base's; presence's own frames carry an action.
            await super().receive_json(content)
            return
        action = content.get("action")
        if action not in ACTIONS:
            raise BadFrame('"action" must be "watch_user" or "unwatch_user".')
        user_id = parse_user_id(content.get("user_id"))
        async with self.watch_lock:
            if action == "watch_user":
                await self.watch(user_id)
            else:
                await self.unwatch(user_id)

    async def watch(self, user_id: int) -> None:
        watch = self.watches.get(user_id)
        if watch is None:
            if len(self.watches) >= settings.PRESENCE_MAX_WATCHES:
                await self.send_error(
                    "watch_limit",
                    f"A socket can watch at most {settings.PRESENCE_MAX_WATCHES} users; "
                    "unwatch one first.",
                    user_id=user_id,
                )
                return
            # Joined before reading, so a transition between the read and the join is not
            # lost. Hidden ids join too: a user who turns public later is then announced.
            await self.channel_layer.group_add(presence.presence_group(user_id), self.channel_name)
            watch = Watch(await presence.load_watchable(user_id))
            self.watches[user_id] = watch
        await self.send_status(user_id, watch, answering=True)

    async def unwatch(self, user_id: int) -> None:
        if self.watches.pop(user_id, None) is not None:
            await self.channel_layer.group_discard(
                presence.presence_group(user_id), self.channel_name
            )

    # --- Changes ------------------------------------------------------------------------

    async def presence_changed(self, event):
        """A watched user came online or went offline (the store holds which)."""
        async with self.watch_lock:
            user_id = event["user_id"]
            watch = self.watches.get(user_id)
            if watch is not None and watch.watchable.visible:
                await self.send_status(user_id, watch)

    async def presence_visibility(self, event):
        """A watched user changed whether their profile is public."""
        async with self.watch_lock:
            user_id = event["user_id"]
            watch = self.watches.get(user_id)
            if watch is not None:
                watch.watchable = await presence.load_watchable(user_id)
                await self.send_status(user_id, watch)

    async def heartbeat(self):
        """Re-reads every watched user: catches entries that expired with a dead server."""
        async with self.watch_lock:
            visible = [user_id for user_id, w in self.watches.items() if w.watchable.visible]
            if not visible:
                return
            statuses = await presence.read_presence(visible)
            for user_id in visible:
                await self.send_status(user_id, self.watches[user_id], statuses[user_id])

    # --- Sending ------------------------------------------------------------------------

    async def send_status(
        self,
        user_id: int,
        watch: Watch,
        status: presence.Presence | None = None,
        *,
        answering: bool = False,
    ) -> None:
        """Sends the user's status when it changed, or always when ``answering`` a watch."""
        if status is None and watch.watchable.visible:
            # Hidden users are not looked up at all: their answer never depends on it.
            try:
                status = (await presence.read_presence([user_id]))[user_id]
            except Exception:
                logger.warning("presence read failed", exc_info=True)
                if answering:
                    await self.send_error(
                        "unavailable",
                        "Presence is unavailable right now; the status follows when it is back.",
                        user_id=user_id,
                    )
                return
        message = presence.status_message(user_id, watch.watchable, status)
        if answering or message != watch.sent:
            watch.sent = message
            await self.send_json(message)
