"""Views for test_handler.py: each reports where and how Django ran it."""

import asyncio
import json
import threading

from django.contrib.auth import get_user_model
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

# What the test's server has sent so far, filled in by the test (for /test/stream).
messages_sent: list[dict] = []
# Requests for /test/slow running at this moment, and the most seen at once.
slow_state = {"active": 0, "most": 0, "lock": threading.Lock()}


def _where() -> dict:
    try:
        asyncio.get_running_loop()
        on_loop = True
    except RuntimeError:
        on_loop = False
    return {"thread": threading.current_thread().name, "on_event_loop": on_loop}


@csrf_exempt
def sync_echo(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return JsonResponse(
        {
            **_where(),
            "method": request.method,
            "body": json.loads(request.body or b"null"),
            "users": get_user_model().objects.count(),
        }
    )


def sync_stream(request):
    def chunks():
        for number in range(3):
            # The iterator queries the database while the response is being sent.
            count = get_user_model().objects.count()
            part = {"chunk": number, "users": count, "sent_before": len(messages_sent)}
            yield json.dumps({**part, **_where()}).encode() + b"\n"

    return StreamingHttpResponse(chunks(), content_type="application/x-ndjson")


async def async_where(request):
    return JsonResponse(_where())


def sync_fail(request):
    raise RuntimeError("boom")


def sync_slow(request):
    with slow_state["lock"]:
        slow_state["active"] += 1
        slow_state["most"] = max(slow_state["most"], slow_state["active"])
    try:
        threading.Event().wait(0.05)
    finally:
        with slow_state["lock"]:
            slow_state["active"] -= 1
    return JsonResponse(_where())


urlpatterns = [
    path("test/echo", sync_echo),
    path("test/stream", sync_stream),
    path("test/async", async_where),
    path("api/test/fail", sync_fail),
    path("test/slow", sync_slow),
    path("", include("rubysound.urls")),
]

handler404 = "rubysound.core.views.page_not_found"
handler500 = "rubysound.core.views.server_error"
