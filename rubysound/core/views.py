"""Django-level error handlers: JSON on API paths, a page for people everywhere else."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import render

from .errors import DomainError
from .exceptions import domain_error_body, is_api_path, json_error_response
from .http.redirects import SeeOther, safe_next

# Where a refused form goes back to when it did not say which page it came from.
REFUSED_FORM_FALLBACK = "/"

_PAGES = {
    400: ("Bad request.", "bad_request"),
    403: ("You do not have permission to perform this action.", "permission_denied"),
    404: ("Not found.", "not_found"),
    500: ("Internal server error.", "server_error"),
}


def _error(request, status_code: int):
    detail, code = _PAGES[status_code]
    if is_api_path(request.path):
        return json_error_response(status_code, detail, code)
    return render(request, "errors/error.html", {"status": status_code}, status=status_code)


def bad_request(request, exception=None):
    return _error(request, 400)


def permission_denied(request, exception=None):
    return _error(request, 403)


def page_not_found(request, exception=None):
    return _error(request, 404)


def server_error(request):
    return _error(request, 500)


def csrf_failure(request, reason=""):
    if is_api_path(request.path):
        return json_error_response(403, "CSRF check failed. Reload the page and retry.", "csrf")
    return render(request, "errors/error.html", {"status": 403, "csrf": True}, status=403)


def domain_error(request, exc: DomainError):
    """A domain's refusal raised by a plain Django view (``DomainErrorMiddleware``).

    On API paths, the JSON error. A form of the site refused with a ``page_message`` goes
    back to the page it came from (its ``next``), which shows the message; anything else is
    the error page of the refusal's status.
    """
    if is_api_path(request.path):
        return JsonResponse(domain_error_body(exc), status=exc.status)
    if request.method == "POST" and exc.page_message:
        messages.error(request, exc.page_message)
        return SeeOther(safe_next(request, REFUSED_FORM_FALLBACK))
    return render(request, "errors/error.html", {"status": exc.status}, status=exc.status)
