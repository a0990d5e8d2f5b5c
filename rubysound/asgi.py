import os

from rubysound.core.connections import raise_open_file_limit
from rubysound.core.handler import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")
django_http_app = get_asgi_application()
# Every server process, however started, loads this module once before it accepts a
# connection: the moment to claim the descriptors its connections will need.
raise_open_file_limit()

# Imported after Django is set up: routing pulls in models.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from rubysound.core.asgi import (  # noqa: E402
    FixedProbeMiddleware,
    RequestBodyLimitMiddleware,
    ServedMethodsMiddleware,
)
from rubysound.core.edge_cache import PublicResponseCache  # noqa: E402
from rubysound.core.websocket import websocket_stack  # noqa: E402
from rubysound.ops.api.health import LIVE_BODY, LIVE_PATH  # noqa: E402
from rubysound.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": FixedProbeMiddleware(
            ServedMethodsMiddleware(
                PublicResponseCache(RequestBodyLimitMiddleware(django_http_app))
            ),
            path=LIVE_PATH,
            body=LIVE_BODY,
        ),
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)
