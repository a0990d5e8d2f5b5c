"""Where a form may send the browser back to: a path of this very site, nothing else."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """The ``next`` a request names (form field, else query string) when it is a path of
    this site, else ``fallback``.

    Only a path counts: it starts with one "/" ("//host" is another site to a browser), has no
    backslash (browsers read "/\\host" as "//host") and no control character (they drop tabs
    and newlines, which turns "/\\t/host" into "//host"). Absolute URLs are refused even
    when they name this host: a path says the same without trusting the Host header.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


class SeeOther(HttpResponseRedirect):
    """After a POST, the browser fetches the page with GET whatever the form's method was."""

    status_code = 303
