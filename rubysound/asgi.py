import os

from rubysound.core.handler import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
django_http_app = get_asgi_application()

# Imported after Django is set up: routing pulls in models.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from rubysound.core.asgi import RequestBodyLimitMiddleware  # noqa: E402
from rubysound.core.edge_cache import PublicResponseCache  # noqa: E402
from rubysound.core.websocket import websocket_stack  # noqa: E402
from rubysound.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": PublicResponseCache(RequestBodyLimitMiddleware(django_http_app)),
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)
