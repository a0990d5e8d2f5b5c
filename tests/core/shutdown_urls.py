"""The project's URLs plus a deliberately slow route: a request still running when the server
is told to stop (see test_server.py)."""

import asyncio
from pathlib import Path

from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path

# Written when the slow request has reached its view: the test process sees the same folder.
STARTED_FILE = "slow-request-started"


def _say_started() -> None:
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    (media / STARTED_FILE).touch()


async def slow(request):
    seconds = float(request.GET.get("seconds", "3"))
    await asyncio.to_thread(_say_started)
    await asyncio.sleep(seconds)
    return JsonResponse({"slept": seconds})


urlpatterns = [
    path("test/slow", slow),
    path("", include("rubysound.urls")),
]
