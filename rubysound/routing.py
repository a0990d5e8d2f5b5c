from django.urls import path, re_path

from rubysound.accounts.consumers import PresenceConsumer
from rubysound.core.websocket import UnknownRouteConsumer
from rubysound.social.consumers import NotificationConsumer, PublicCommentsConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/presence/", PresenceConsumer.as_asgi()),
    path("ws/comments/public/<str:username>/", PublicCommentsConsumer.as_asgi()),
    # Last: every other path is closed with 4404 (Channels' router would raise for it).
    re_path(r"", UnknownRouteConsumer.as_asgi()),
]
