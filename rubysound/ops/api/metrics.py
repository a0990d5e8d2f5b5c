"""``/metrics``: the Prometheus exposition of every worker, and the scrape-time gauges."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django_prometheus.exports import ExportToDjangoView

from rubysound.core import live_gauges
from rubysound.core.exceptions import error_body
from rubysound.core.scrape_metrics import multiprocess_exposition

from .health import read_only


@read_only
def metrics(request):
    """Prometheus exposition; behind a bearer token when METRICS_TOKEN is set."""
    expected = settings.METRICS_TOKEN
    if expected:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        # Bytes: compare_digest refuses non-ASCII str, and the header is the client's to choose.
        given = token.strip().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected.encode()):
            response = JsonResponse(
                error_body("A valid metrics token is required.", "not_authenticated"), status=401
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    # Workers that died (killed, crashed) would still count their open sockets.
    live_gauges.forget_dead_processes()
    response: HttpResponse = ExportToDjangoView(request)
    # Backups, the library and the scrobble outbox, read at scrape time.
    response.content += multiprocess_exposition()
    return response
