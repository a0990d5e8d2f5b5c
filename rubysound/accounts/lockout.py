"""How a locked-out login looks: JSON for API clients, a page for people."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from rubysound.core.exceptions import error_body, is_api_path


def attempted_username(request, credentials=None) -> str | None:
    """The name an attempt was made for, folded so 'Alice' and 'alice' share one counter."""
    name = None
    if isinstance(credentials, dict):
        name = credentials.get("username")
    if not name and hasattr(request, "POST"):
        name = request.POST.get("username")
    return name.strip().lower() if isinstance(name, str) else name


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"Too many failed sign-in attempts. Try again in {minutes} minutes."
    if is_api_path(request.path):
        response = JsonResponse(error_body(message, "login_locked"), status=429)
    else:
        response = render(request, "web/login_locked.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
