"""Caching of pages: shareable for anonymous visitors, private for everyone else.

A page that shows nothing personal to an anonymous visitor says ``Cache-Control: public,
max-age=60``, so the edge cache (``rubysound.core.edge_cache``) and browsers keep it;
``Vary: Cookie`` keeps a signed-in visitor's copy apart. A page for a signed-in visitor (the
top bar shows them), one that showed a flash message, or one that set a cookie is never
stored.
"""

from functools import wraps

from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

PUBLIC_MAX_AGE = 60


def _is_personal(request) -> bool:
    """Whether the rendered page may carry something of this visitor's own."""
    if request.user.is_authenticated:
        return True
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "used", False):
        return True  # a flash message was shown
    # A CSRF token was rendered: the middleware is about to set the visitor's cookie.
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def public_when_anonymous(view):
    """``public, max-age=60`` for anonymous visitors' pages, ``private`` otherwise."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_vary_headers(response, ["Cookie"])
        if response.status_code == 200 and not _is_personal(request):
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        else:
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, private
        return response

    return wrapper
