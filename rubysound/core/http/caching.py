"""Who may store a response: the one way views say it (``Cache-Control``).

- ``public``: a 200 answer to a GET or HEAD is the same for everyone; browsers and the edge cache
  (``rubysound.core.edge_cache``) keep it for ``max_age`` seconds (a minute unless said).
  Other answers are left as they are.
- ``private``: every answer is the requester's own and is never stored (``max_age=0,
  no-cache, no-store, must-revalidate, private``); ``private(max_age=n)`` lets the
  requester's browser alone keep it for ``n`` seconds.
- ``public_when_anonymous``: ``public`` for a 200 answer to an anonymous visitor's GET or
  HEAD that carries nothing of theirs (no flash message shown, no CSRF cookie being set), else
  private: a signed-in visitor's 200 never stored, or kept ``private_max_age`` seconds by
  their browser; any other answer (an error, a refusal) never stored, so that a client
  retrying with fresh credentials is not answered the old refusal by its own cache. With
  ``Vary: Cookie`` so a signed-in visitor's copy is kept apart.

Each is used bare (``@private``) or with its arguments (``@public(max_age=30)``), on a view
function, a handler method of a class-based view, or a DRF ``APIView`` class. On a class it
also covers the answers DRF makes of exceptions (errors and refusals), and reads the user
DRF authenticated (a JWT's user included).
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpResponseNotModified
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.views import View

DEFAULT_MAX_AGE = 60


def _shareable(request, response) -> bool:
    """Only what every cache may store: a 200 answer to a GET or HEAD."""
    return response.status_code == 200 and request.method in ("GET", "HEAD")


def _mark_public(response, max_age: int) -> None:
    patch_cache_control(response, public=True, max_age=max_age)


def _mark_private(response, max_age: int | None) -> None:
    if max_age is None:
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, private=True, max_age=max_age)


def _is_personal(request) -> bool:
    """Whether the answer may carry something of this visitor's own."""
    if request.user.is_authenticated:
        return True
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "used", False):
        return True  # a flash message was shown
    # A CSRF token was rendered: the middleware is about to set the visitor's cookie.
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def _applying(mark: Callable) -> Callable:
    """A decorator calling ``mark(request, response)`` on every answer of what it wraps."""

    def decorate(view):
        if isinstance(view, type):
            finalize = view.finalize_response

            @wraps(finalize)
            def finalize_response(self, request, response, *args, **kwargs):
                response = finalize(self, request, response, *args, **kwargs)
                mark(request, response)
                return response

            view.finalize_response = finalize_response
            return view

        @wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            # A function view gets the request first; a method gets it after ``self``.
            request = args[1] if isinstance(args[0], View) else args[0]
            mark(request, response)
            return response

        return wrapper

    return decorate


def _bare_or_called(view, mark: Callable):
    decorate = _applying(mark)
    return decorate(view) if view is not None else decorate


def public(view=None, *, max_age: int = DEFAULT_MAX_AGE):
    """A 200 answer to a GET or HEAD is shared by every cache for ``max_age`` seconds."""

    def mark(request, response) -> None:
        if _shareable(request, response):
            _mark_public(response, max_age)

    return _bare_or_called(view, mark)


def private(view=None, *, max_age: int | None = None):
    """Every answer is the requester's own: never stored, or kept ``max_age`` seconds by
    their browser alone."""

    def mark(request, response) -> None:
        _mark_private(response, max_age)

    return _bare_or_called(view, mark)


def public_when_anonymous(
    view=None, *, max_age: int = DEFAULT_MAX_AGE, private_max_age: int | None = None
):
    """``public`` for a 200 answer that carries nothing personal; a personal 200 is kept
    ``private_max_age`` seconds by the requester's browser alone (never stored when None);
    any other answer is never stored."""

    def mark(request, response) -> None:
        patch_vary_headers(response, ["Cookie"])
        # The status first: only a 200 has passed authentication, so request.user is safe.
        if not _shareable(request, response):
            _mark_private(response, None)
        elif _is_personal(request):
            _mark_private(response, private_max_age)
        else:
            _mark_public(response, max_age)

    return _bare_or_called(view, mark)


def _body_etag(content: bytes) -> str:
    return quote_etag(hashlib.blake2b(content, digest_size=16).hexdigest())


def revalidated(view_class):
    """A DRF ``APIView`` class whose 200 answers to GET and HEAD carry an ``ETag`` (a digest of
    the body) and answer ``304 Not Modified`` to a matching ``If-None-Match``.

    The body is still built (the view decides what it holds), only not sent again: a client
    polling its own data saves the transfer and the parsing. The digest is of the body the
    requester would get, so it changes with any change they would see. A view answering a
    body kept by ``versioned`` sets that body's own ``ETag``, which is used as it is."""
    finalize = view_class.finalize_response

    @wraps(finalize)
    def finalize_response(self, request, response, *args, **kwargs):
        response = finalize(self, request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        etag = response.get("ETag")
        if etag is None:  # a view that keeps its body versioned has set it already
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            etag = _body_etag(response.content)
            response["ETag"] = etag
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in wanted or "*" in wanted:
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary", "Expires"):
                if header in response:
                    not_modified[header] = response[header]
            return not_modified
        return response

    view_class.finalize_response = finalize_response
    return view_class
