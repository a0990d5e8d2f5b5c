"""Forgotten passwords: Django's reset flow with our pages, email and a rate limit.

``/password-reset/`` asks for an email address and always answers the same way, whether an
account has it or not, so the form cannot be used to find out who has an account. A link
valid for ``PASSWORD_RESET_TIMEOUT`` is mailed (``EMAIL_URL``; by default a file under
``var/mail/``). Requests are limited per client address and per email address, so the form
can neither flood someone's mailbox nor be used to send mail in bulk.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from rubysound.core.throttling import AtomicRateThrottle

from ..forms import PasswordResetRequestForm, SetNewPasswordForm


class _PasswordResetThrottle(AtomicRateThrottle):
    """One rate-limit counter, keyed by what the caller names (an address, a mail hash)."""

    def __init__(self, scope: str, ident: str):
        self.scope = scope
        self.ident = ident
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def _throttle_wait(request, email: str) -> float | None:
    """Seconds until another reset request is allowed, or None when it is allowed now."""
    if not settings.THROTTLE_ENABLED:
        return None
    mailbox = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    throttles = [
        _PasswordResetThrottle("password_reset", request.META.get("REMOTE_ADDR", "")),
        _PasswordResetThrottle("password_reset_email", mailbox),
    ]
    waits = [t.wait() or 1.0 for t in throttles if not t.allow_request(request, None)]
    return max(waits) if waits else None


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/password_reset/request.html"
    form_class = PasswordResetRequestForm
    email_template_name = "web/password_reset/email.txt"
    subject_template_name = "web/password_reset/email_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form):
        wait = _throttle_wait(self.request, form.cleaned_data["email"])
        if wait is not None:
            minutes = max(1, round(wait / 60))
            form.add_error(
                None,
                _(
                    "Too many reset requests. Try again in %(minutes)d minutes, "
                    "and check your spam folder for the email we sent."
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(int(wait) + 1)
            return response
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset/sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset/confirm.html"
    form_class = SetNewPasswordForm
    success_url = reverse_lazy("password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset/complete.html"
