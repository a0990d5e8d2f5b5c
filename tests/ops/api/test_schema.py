"""The OpenAPI document and the two doc pages built on it.

Client generators and the people reading ``/api/docs/`` need a request and a response
schema for every operation (the old API had none): each operation is its own test case.
"""

import functools
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIRequestFactory

from rubysound.ops.api.schema import RedocView

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
WRITE_METHODS = {"post", "put", "patch"}


def _operations(schema: dict) -> list[tuple[str, str]]:
    return sorted(
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


# Collected from the generator so that each operation is reported on its own; the tests
# then check the document the server actually serves.
OPERATIONS = _operations(SchemaGenerator().get_schema(request=None, public=True))


def _cases(methods=HTTP_METHODS) -> list:
    return [
        pytest.param(path, method, id=f"{method.upper()} {path}")
        for path, method in OPERATIONS
        if method in methods
    ]


@functools.cache
def served_schema() -> dict:
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content
    assert "openapi" in response["Content-Type"] or "json" in response["Content-Type"]
    return response.json()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = schema["components"]["schemas"][name]
    return node


def _has_schema(content: dict) -> bool:
    return bool(content) and all(media.get("schema") for media in content.values())


@pytest.fixture
def schema(db) -> dict:
    return served_schema()


def test_the_document_is_openapi_3_and_covers_the_documented_routes(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "RubySound API"
    assert _operations(schema) == OPERATIONS
    for path in ("/api/auth/token/", "/api/users/me/", "/health/live", "/health/ready"):
        assert path in schema["paths"]


@pytest.mark.parametrize(("path", "method"), _cases())
def test_every_operation_has_a_success_response_with_a_body_schema(schema, path, method):
    responses = schema["paths"][path][method]["responses"]
    success = {code: spec for code, spec in responses.items() if code.startswith("2")}
    assert success, f"no 2xx response: {sorted(responses)}"
    for code, spec in success.items():
        if code == "204":
            continue
        assert _has_schema(spec.get("content", {})), f"{code} has no body schema: {spec}"


@pytest.mark.parametrize(("path", "method"), _cases())
def test_every_declared_error_documents_its_body(schema, path, method):
    responses = schema["paths"][path][method]["responses"]
    for code, spec in responses.items():
        if code[0] in "45":
            assert _has_schema(spec.get("content", {})), f"{code} has no body schema: {spec}"


@pytest.mark.parametrize(("path", "method"), _cases(WRITE_METHODS))
def test_every_write_has_a_request_body_schema(schema, path, method):
    body = schema["paths"][path][method].get("requestBody")
    assert body, "no requestBody"
    assert _has_schema(body.get("content", {}))
    for media in body["content"].values():
        resolved = _resolve(schema, media["schema"])
        # A body of several accepted shapes documents each of them.
        for shape in [_resolve(schema, one) for one in resolved.get("oneOf", [])] or [resolved]:
            assert shape.get("properties") or shape.get("type"), shape


def test_the_error_shape_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "code"} <= set(error["required"])
    assert set(error["properties"]) == {"detail", "code", "fields"}


def test_jwt_bearer_security_is_declared(schema):
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    me = schema["paths"]["/api/users/me/"]["get"]
    assert {"jwtAuth": []} in me["security"]


def test_health_routes_need_no_credentials(schema):
    for path in ("/health/live", "/health/ready", "/health/"):
        assert schema["paths"][path]["get"]["security"] == [{}]
    ready = schema["paths"]["/health/ready"]["get"]["responses"]
    assert {"200", "503"} <= set(ready)


# --- Doc pages ------------------------------------------------------------------------


class _Assets(HTMLParser):
    """Every URL a page makes the browser fetch (scripts, styles, icons, frames, images)."""

    FETCHING = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in self.FETCHING and value:
                self.urls.append(value)


def assert_same_origin_assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "no assets found: the page would be blank"
    foreign = [url for url in parser.urls if urlsplit(url).netloc or url.startswith("//")]
    assert not foreign, f"assets from another origin: {foreign}"
    return parser.urls


@pytest.mark.django_db
def test_swagger_ui_loads_only_our_own_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    urls = assert_same_origin_assets(response.content.decode())
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert "/api/schema/" in response.content.decode()


@pytest.mark.django_db
def test_redoc_loads_only_our_own_assets(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_same_origin_assets(response.content.decode())


@pytest.mark.django_db
def test_our_redoc_view_loads_only_our_own_assets():
    request = APIRequestFactory().get("/api/redoc/")
    response = RedocView.as_view(url_name="api-schema")(request)
    response.render()
    assert response.status_code == 200
    html = response.content.decode()
    urls = assert_same_origin_assets(html)
    assert any(url.endswith("redoc.standalone.js") for url in urls)
    assert "/api/schema/" in html
    assert "<title>RubySound API</title>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_doc_page_assets_are_actually_served(client, path):
    parser = _Assets()
    parser.feed(client.get(path).content.decode())
    for url in parser.urls:
        if url.startswith("/static/"):
            response = client.get(url)
            assert response.status_code == 200, url
            if hasattr(response, "close"):
                response.close()
