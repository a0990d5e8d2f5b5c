import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularRedocView

from rubysound.core import shutdown
from rubysound.core.exceptions import error_body

from .backup.observability import multiprocess_exposition
from .health import registered_checks, run_checks

SERVICE_NAME = "rubysound"


@never_cache
async def live(request):
    """The process answers. Touches no dependency, so a slow database never restarts pods."""
    return JsonResponse({"status": "ok", "service": SERVICE_NAME, "check": "live"})


@never_cache
async def ready(request):
    """Ready to serve: every critical dependency answers. 503 with the failing checks if not,
    and 503 without checking anything once the process has begun shutting down."""
    if shutdown.is_draining():
        body = {
            "status": "shutting_down",
            "service": SERVICE_NAME,
            "check": "ready",
            "critical_checks": [check.name for check in registered_checks() if check.critical],
            "checks": {},
        }
        return JsonResponse(body, status=503)
    user = await request.auser()
    healthy, checks = await run_checks(show_errors=user.is_staff)
    body = {
        "status": "ok" if healthy else "degraded",
        "service": SERVICE_NAME,
        "check": "ready",
        "critical_checks": [check.name for check in registered_checks() if check.critical],
        "checks": checks,
    }
    return JsonResponse(body, status=200 if healthy else 503)


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
    response: HttpResponse = ExportToDjangoView(request)
    response.content += multiprocess_exposition()  # backup gauges, read from the manifests
    return response


class RedocView(SpectacularRedocView):
    """ReDoc served with assets from our own origin only (the stock page loads Google Fonts)."""

    template_name = "ops/redoc.html"
