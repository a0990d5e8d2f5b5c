from django.urls import path

from rubysound.accounts.consumers import PresenceConsumer
from rubysound.social.consumers import NotificationConsumer, PublicCommentsConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/presence/", PresenceConsumer.as_asgi()),
    path("ws/comments/public/<str:username>/", PublicCommentsConsumer.as_asgi()),
]
