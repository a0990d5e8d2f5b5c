"""Django-level error handlers: JSON on API paths, a page for people everywhere else."""

from django.shortcuts import render

from .exceptions import is_api_path, json_error_response

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
