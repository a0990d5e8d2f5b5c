"""Group names and pushes for live notifications, used by services after commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def notifications_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def push_to_user(user_id: int, payload: dict) -> None:
    """Sends a JSON message (with a ``type``) to every open notifications socket of a user."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        notifications_group(user_id), {"type": "notification.push", "payload": payload}
    )
