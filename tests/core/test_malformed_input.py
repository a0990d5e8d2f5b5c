"""Malformed requests are the client's error (4xx), never a 500: JSON nested too deeply for
the decoder, on every JSON route, and methods no route serves (TRACE and the like)."""

import re

import httpx
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from rubysound.core.parsers import JSONParser
from tests.factories import UserFactory
from tests.servers import serve

DEEP_JSON = "[" * 5000 + "]" * 5000
# The routes found answering 500 to it, anonymously.
DEEP_JSON_ROUTES = ["/api/auth/token/", "/api/auth/token/refresh/", "/api/wikipedia/artists/"]
# (CONNECT and methods unknown to the HTTP parser never reach the application: uvicorn
# answers them 400.)
UNSERVED_METHODS = ["TRACE", "PROPFIND"]


@pytest.fixture(scope="module")
def base_url(django_db_setup):
    with serve() as url:
        yield url


# --- Deep JSON ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", DEEP_JSON_ROUTES)
def test_json_nested_thousands_deep_is_a_400_on_a_real_server(base_url, path):
    response = httpx.post(
        base_url + path,
        content=DEEP_JSON,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    # Each route's own error shape: ours, or the frozen {"error"} one of /api/wikipedia/.
    body = response.json()
    assert body.get("code") == "parse_error" or body == {"error": "The body must be JSON."}


def _api_routes(resolver: URLResolver | None = None, prefix: str = ""):
    """(path with placeholders filled, view class) for every DRF view in the URL conf."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                yield _filled(route), view_class


def _filled(route: str) -> str:
    """A concrete path for a route: every placeholder a small number or a short word."""
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:\w+>|\(\?P<\w+>\\d\+\)|\(\?P<\w+>\[0-9\]\+\)", "1", route)
    route = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "x", route)
    return "/" + route.replace("\\", "")


def test_every_api_view_parses_json_with_the_bounded_parser():
    routes = list(_api_routes())
    assert len(routes) > 20  # the whole URL conf was walked
    for path, view_class in routes:
        json_parsers = [
            parser
            for parser in view_class().get_parsers()
            if parser.media_type == "application/json"
        ]
        assert json_parsers, path
        assert all(isinstance(parser, JSONParser) for parser in json_parsers), path


@pytest.mark.django_db
def test_no_api_route_answers_deep_json_with_a_5xx():
    # Signed in as staff, so that the permission checks in front of the body let most
    # routes get as far as reading it.
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    tried = 0
    for path, view_class in _api_routes():
        for method in ("post", "put", "patch"):
            if not hasattr(view_class, method) and method not in getattr(
                view_class, "http_method_names", []
            ):
                continue
            response = getattr(client, method)(
                path, data=DEEP_JSON, content_type="application/json"
            )
            tried += 1
            assert response.status_code < 500, (method.upper(), path, response.content[:300])
    assert tried > 10


# --- Methods no route serves -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", UNSERVED_METHODS)
@pytest.mark.parametrize(
    "path",
    [
        "/health/live",
        "/health/ready",
        "/health/",
        "/metrics",
        "/",
        "/api/auth/token/",
        "/api/charts/tracks/",
        "/static/vendor/htmx/htmx.min.js",
    ],
)
def test_a_method_no_route_serves_is_a_405_everywhere(base_url, method, path):
    response = httpx.request(method, base_url + path, timeout=10)
    assert response.status_code == 405, response.text[:300]
    assert response.json()["code"] == "method_not_allowed"
    assert "TRACE" not in response.headers["allow"]
    assert response.headers.get("x-cache") is None  # not answered from the edge cache


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/health/", "/metrics"])
def test_the_probes_and_metrics_answer_only_get_and_head(base_url, method, path):
    response = httpx.request(method, base_url + path, timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert httpx.head(base_url + path, timeout=10).status_code in (200, 503)
