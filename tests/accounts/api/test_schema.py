"""The OpenAPI schema documents request and response bodies of the accounts routes."""

import pytest

from tests.accounts.api.test_users import SPEC_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def response_properties(schema: dict, path: str, method: str, status: str = "200") -> dict:
    response = schema["paths"][path][method]["responses"][status]
    assert "content" in response, f"{method.upper()} {path} {status} has no body in the schema"
    return resolve(schema, response["content"]["application/json"]["schema"]).get("properties", {})


def request_properties(schema: dict, path: str, method: str) -> dict:
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return resolve(schema, body["schema"])["properties"]


def test_token_obtain_documents_both_bodies(schema):
    assert {"username", "password"} <= set(request_properties(schema, "/api/auth/token/", "post"))
    assert {"access", "refresh"} <= set(response_properties(schema, "/api/auth/token/", "post"))


def test_token_refresh_documents_the_rotated_refresh_token(schema):
    path = "/api/auth/token/refresh/"
    assert "refresh" in request_properties(schema, path, "post")
    assert {"access", "refresh"} <= set(response_properties(schema, path, "post"))


def test_token_blacklist_documents_its_response(schema):
    path = "/api/auth/token/blacklist/"
    assert "refresh" in request_properties(schema, path, "post")
    response_properties(schema, path, "post")


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/token/refresh/"])
@pytest.mark.parametrize("status", ["400", "401", "429"])
def test_token_errors_use_the_common_error_shape(schema, path, status):
    assert {"detail", "code"} <= set(response_properties(schema, path, "post", status))


@pytest.mark.parametrize("method", ["get", "patch", "put"])
def test_me_documents_the_profile_fields(schema, method):
    properties = response_properties(schema, "/api/users/me/", method)
    assert set(properties) >= SPEC_FIELDS
    assert {"detail", "code"} <= set(response_properties(schema, "/api/users/me/", method, "401"))
