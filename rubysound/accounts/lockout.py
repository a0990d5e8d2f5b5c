"""How a locked-out login looks: JSON for API clients, a page for people."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from rubysound.core.exceptions import error_body, is_api_path


def attempted_username(request, credentials=None) -> str | None:
    """The account an attempt was made for, so every spelling of it shares one counter.

    Case is folded ('Alice' is 'alice'), and an email address counts against the account it
    belongs to: guessing through the email must not get a fresh set of tries.
    """
    name = None
    if isinstance(credentials, dict):
        name = credentials.get("username")
    if not name and hasattr(request, "POST"):
        name = request.POST.get("username")
    if not isinstance(name, str):
        return name
    name = name.strip().lower()
    if "@" in name:
        from .models import User

        owner = User.objects.filter(email__iexact=name).values_list("username", flat=True).first()
        if owner:
            return owner.lower()
    return name


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"Too many failed sign-in attempts. Try again in {minutes} minutes."
    if is_api_path(request.path):
        response = JsonResponse(error_body(message, "login_locked"), status=429)
    else:
        response = render(request, "web/login_locked.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
