"""The project's URLs plus a deliberately slow route: a request still running when the server
is told to stop (see test_server.py)."""

import asyncio

from django.http import JsonResponse
from django.urls import include, path


async def slow(request):
    seconds = float(request.GET.get("seconds", "3"))
    await asyncio.sleep(seconds)
    return JsonResponse({"slept": seconds})


urlpatterns = [
    path("test/slow", slow),
    path("", include("rubysound.urls")),
]
