from rubysound.core.websocket import CLOSE_UNAUTHENTICATED, RubySoundConsumer

from .realtime import notifications_group


class NotificationConsumer(RubySoundConsumer):
    """``/ws/notifications/``: every notification for the signed-in user, as it happens."""

    route_name = "notifications"

    async def connect(self):
        if not self.user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        self.group_name = notifications_group(self.user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept_connection()

    async def disconnect(self, code):
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
        await super().disconnect(code)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notification_push(self, event):
        await self.send_json(event["payload"])
