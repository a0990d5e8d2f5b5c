"""What every /music_api/ route shares: reading its parameters, the ``{"error": ...}`` answer
to a bad one, and public caching (``PublicMusicView``).

The routes keep the bodies of the API reference, section 1, including their ``{"error":
...}`` answers to bad parameters; every other error (an invalid page, an unknown track) has
the project's ``{detail, code}`` shape. Their answers carry nothing personal and say
``Cache-Control: public, max-age=60``, so the edge cache answers repeated anonymous requests
without reaching Django. They ignore credentials altogether: a stale token sent to a public
chart must not turn it into a 401.
"""

import re

from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.compat.music.serializers import MusicErrorSerializer
from rubysound.core.http.caching import public

MAX_QUERY_LENGTH = 200
SEARCH_PAGE_SIZE = 14
SEARCH_MAX_PAGE_SIZE = 30
# Page numbers are read as at most 9 digits: anything longer is out of range for any
# catalog, and would overflow an SQL OFFSET.
_PAGE_NUMBER = re.compile(r"^[0-9]{1,9}$")

MUSIC_ERRORS = {400: MusicErrorSerializer}


@public
class PublicMusicView(APIView):
    """A /music_api/ route: its 200 answers are public for a minute; no credentials read."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def error(message: str) -> Response:
    """The documented error body of the routes clients already speak (/music_api/...,
    /api/wikipedia/)."""
    return Response({"error": message}, status=400)


def bounded_int(raw: str | None, default: int, low: int, high: int) -> int | None:
    """The parameter as an integer in low..high, the default when absent, else None."""
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,6}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def search_query(request) -> str:
    return request.query_params.get("q", "").strip()


def query_error(query: str) -> Response | None:
    if not query:
        return error("Query required")
    if len(query) > MAX_QUERY_LENGTH:
        return error(f"Query too long (at most {MAX_QUERY_LENGTH} characters)")
    return None


def page_size(request) -> int:
    """Like every paginated list here: an invalid size means the default, a big one the cap."""
    raw = request.query_params.get("page_size", "").strip()
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        return SEARCH_PAGE_SIZE
    return min(int(raw), SEARCH_MAX_PAGE_SIZE)


def page_number(request) -> int:
    raw = request.query_params.get("page", "1").strip() or "1"
    if not _PAGE_NUMBER.match(raw) or int(raw) < 1:
        raise NotFound("Invalid page.")
    return int(raw)
