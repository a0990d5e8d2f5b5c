"""Who a run of failed sign-ins locks out, and how a locked-out sign-in looks.

Failures count per account *and* address pair: five wrong passwords for alice from one
address lock alice out from that address only, never bob signing in from the same address
(behind a proxy or a shared NAT that address may be everyone's). A generous ceiling per
address on its own (``LOGIN_ADDRESS_FAILURE_LIMIT``) still stops one address from spraying
guesses over many accounts.
"""

import hashlib

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render

from rubysound.core.exceptions import error_body, is_api_path

_ATTEMPT_USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


def attempted_username(request, credentials=None) -> str | None:
    """The account an attempt was made for, so every spelling of it shares one counter.

    Case is folded in any script ('Alice' is 'alice', 'Иван' is 'иван'), and an email
    address counts against the account it belongs to: guessing through the email must not
    get a fresh set of tries.
    """
    name = None
    if isinstance(credentials, dict):
        name = credentials.get("username")
    if not name and hasattr(request, "POST"):
        name = request.POST.get("username")
    if not isinstance(name, str):
        return name
    from .models import User, username_key_for

    if "@" in name:
        email = name.strip().lower()
        owner = User.objects.filter(email__iexact=email).values_list("username", flat=True).first()
        return _storable(username_key_for(owner) if owner else email)
    return _storable(username_key_for(name))


def _storable(key: str) -> str:
    """axes keeps the name in a 255-character column; a longer one (no account has it) is
    kept as its digest, still one counter per name, instead of failing the sign-in."""
    if len(key) <= _ATTEMPT_USERNAME_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class AccountAddressLockoutHandler(AxesDatabaseHandler):
    """axes' database handler, counting the (account, address) pair and the address apart.

    axes applies one limit to every lockout parameter; the address needs a far higher one,
    so its count is checked here and reported as "at the limit" once it reaches the ceiling.
    ``AXES_LOCKOUT_PARAMETERS`` names the pair alone, which is also what a successful
    sign-in resets.
    """

    def get_failures(self, request, credentials=None) -> int:
        pair_failures = super().get_failures(request, credentials)
        ceiling = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        if address_failures(request.axes_ip_address, request) >= ceiling:
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures


def address_failures(ip_address: str, request=None) -> int:
    """Failures from one address within the cool-off, whichever accounts they named."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"Too many failed sign-in attempts. Try again in {minutes} minutes."
    if is_api_path(request.path):
        response = JsonResponse(error_body(message, "login_locked"), status=429)
    else:
        response = render(request, "web/login_locked.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
