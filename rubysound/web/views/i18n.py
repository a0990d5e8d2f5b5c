"""The footer's language switch: Django's ``set_language``, usable from cached pages.

Public pages are cached for anonymous visitors (``rubysound.core.http.caching``), so they carry no
CSRF token: rendering one would set a cookie and make every page uncacheable. The language
form therefore cannot pass Django's CSRF check, and the view is exempt from it. A forged
cross-site switch would only change a visitor's language, and it is refused anyway: the
browser's ``Sec-Fetch-Site`` or ``Origin`` header must say the form came from this site.
``next`` is still checked by ``set_language`` (no redirect to another site).
"""

from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language


def _same_origin(request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        # Old browsers and non-browser clients send neither header: nothing to forge.
        return origin is None
    return origin == f"{request.scheme}://{request.get_host()}"


@csrf_exempt
def set_language(request):
    """POST ``language`` (and ``next``): remember the language in a cookie, go back."""
    if request.method == "POST" and not _same_origin(request):
        return HttpResponseForbidden("Cross-site language change refused.")
    return django_set_language(request)
