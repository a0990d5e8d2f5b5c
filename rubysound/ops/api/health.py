"""``/health/live`` and ``/health/ready`` (and its alias ``/health/``): the probes of
Kubernetes, load balancers and operators. The checks are core's registry (core.health)."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import Gauge

from rubysound.core import shutdown
from rubysound.core.health import registered_checks, run_checks

SERVICE_NAME = "rubysound"
LIVE_PATH = "/health/live"
# Also answered ahead of Django by the ASGI application (rubysound.asgi); the view below
# serves the test client and any server that mounts Django's handler alone.
LIVE_BODY = {"status": "ok", "service": SERVICE_NAME, "check": "live"}

# What the last readiness probe answered, so an alert sees what the kubelet sees (a pod that
# fails readiness is still scraped). Across workers the most recent answer counts.
ready_gauge = Gauge(
    "rubysound_ready",
    "1 when the last /health/ready answered 200, 0 when it answered 503.",
    multiprocess_mode="livemostrecent",
)


def read_only(view):
    """GET and HEAD only (probes and scrapers read), anything else a 405. CSRF protection
    has nothing to guard on a view no unsafe method reaches; left on, it would answer a
    POST with 403 before the method is even looked at."""
    return csrf_exempt(require_safe(view))


@read_only
@never_cache
async def live(request):
    """The process answers. Touches no dependency, so a slow database never restarts pods."""
    return JsonResponse(LIVE_BODY)


@read_only
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
        ready_gauge.set(0)
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
    ready_gauge.set(1 if healthy else 0)
    return JsonResponse(body, status=200 if healthy else 503)
