"""Every API error has one JSON shape: ``{"detail", "code", "fields"?}``.

Pages for people stay HTML; API clients never see exception text or decoder internals.
"""

import json
import logging

import pytest
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from rubysound.core import views as error_views
from rubysound.core.exceptions import api_exception_handler
from tests.core.domain_error_urls import ShelfErrorCode, ShelfFull

SECRET = "secret text from the database driver"


def assert_error_shape(response, status: int, code: str, *, fields: bool = False) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    expected_keys = {"detail", "code", "fields"} if fields else {"detail", "code"}
    assert set(body) == expected_keys, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["code"] == code
    return body


# --- Through the real URLconf ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ['{"username": "ann", "password": ', "{'single': 'quotes'}", "[1, 2,", "\x00\xff"]
)
def test_malformed_json_is_a_parse_error_without_decoder_text(api_client, raw):
    response = api_client.generic(
        "POST", "/api/auth/token/", raw.encode("latin1"), content_type="application/json"
    )
    body = assert_error_shape(response, 400, "parse_error")
    for internal in ("Expecting", "line 1", "column", "char ", "JSON parse error", "codec"):
        assert internal not in body["detail"]


@pytest.mark.django_db
def test_malformed_json_on_an_authenticated_route(auth_client):
    response = auth_client.generic(
        "PATCH", "/api/users/me/", b'{"bio": "unterminated', content_type="application/json"
    )
    body = assert_error_shape(response, 400, "parse_error")
    assert "unterminated" not in body["detail"]


@pytest.mark.django_db
def test_unsupported_media_type_is_415(auth_client):
    response = auth_client.generic(
        "PATCH", "/api/users/me/", b"bio=hello", content_type="text/plain"
    )
    body = assert_error_shape(response, 415, "unsupported_media_type")
    assert "text/plain" in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/no-such-thing/", "/api/users/nobody/", "/api/auth/x/"])
def test_unknown_api_route_is_a_json_404(api_client, path):
    body = assert_error_shape(api_client.get(path), 404, "not_found")
    assert body["detail"] == "Not found."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"username": "' + "a" * 500 + '", "password": "x"}', "application/json"),
        ("username=" + "a" * 500 + "&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_over_djangos_memory_cap_is_a_json_413(api_client, settings, body, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_client.post("/api/auth/token/", body, content_type=content_type)
    assert_error_shape(response, 413, "payload_too_large")


@pytest.mark.django_db
def test_too_many_form_fields_is_a_json_400(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = api_client.post(
        "/api/auth/token/", "a=1&b=2&c=3&d=4&e=5", content_type="application/x-www-form-urlencoded"
    )
    assert_error_shape(response, 400, "parse_error")


@pytest.mark.django_db
def test_wrong_method_is_a_json_405(api_client):
    response = api_client.delete("/api/auth/token/")
    body = assert_error_shape(response, 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    assert "POST" in response["Allow"]


@pytest.mark.django_db
def test_missing_credentials_are_a_json_401_with_a_challenge(api_client):
    response = api_client.get("/api/users/me/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_an_invalid_token_is_a_plain_401_without_library_internals(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    body = assert_error_shape(api_client.get("/api/users/me/"), 401, "token_not_valid")
    assert "messages" not in body


@pytest.mark.django_db
def test_validation_errors_name_each_field(api_client):
    response = api_client.post("/api/auth/token/", {}, format="json")
    body = assert_error_shape(response, 400, "invalid", fields=True)
    assert set(body["fields"]) == {"username", "password"}
    for messages in body["fields"].values():
        assert isinstance(messages, list)
        assert all(isinstance(message, str) and message for message in messages)


@pytest.mark.django_db
def test_validation_errors_on_update_name_each_bad_field(auth_client):
    response = auth_client.patch(
        "/api/users/me/", {"country": "ZZ", "birth_date": "not a date"}, format="json"
    )
    body = assert_error_shape(response, 400, "invalid", fields=True)
    assert set(body["fields"]) == {"country", "birth_date"}


@pytest.mark.django_db
def test_an_unknown_field_is_named_rather_than_silently_dropped(auth_client):
    response = auth_client.patch("/api/users/me/", {"nickname": "ann"}, format="json")
    body = assert_error_shape(response, 400, "invalid", fields=True)
    assert body["fields"] == {"nickname": ["Unknown field."]}


@pytest.mark.django_db
def test_session_post_without_csrf_token_is_a_json_403(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.patch("/api/users/me/", {"bio": "hi"}, content_type="application/json")
    body = assert_error_shape(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]


@pytest.mark.django_db
def test_throttled_requests_are_a_json_429_with_retry_after(api_client):
    for _ in range(25):
        response = api_client.post("/api/auth/token/", {}, format="json")
        if response.status_code == 429:
            break
    assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_page_404_is_html_for_people(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower()
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


# --- Unexpected exceptions ------------------------------------------------------------


class _ExplodingView(APIView):
    def get(self, request):
        raise RuntimeError(SECRET)


class _FakeView:
    pass


def test_handler_turns_an_unexpected_exception_into_a_generic_500(caplog):
    request = APIRequestFactory().get("/api/anything/")
    with caplog.at_level(logging.ERROR, logger="rubysound.errors"):
        response = api_exception_handler(
            RuntimeError(SECRET), {"view": _FakeView(), "request": request}
        )
    assert isinstance(response, Response)
    assert response.status_code == 500
    assert response.data == {"detail": "Internal server error.", "code": "server_error"}
    assert SECRET not in json.dumps(response.data)
    # The operator still gets the traceback in the log.
    [record] = [r for r in caplog.records if r.name == "rubysound.errors"]
    assert record.exc_info is not None
    assert record.view == "_FakeView"


def test_a_drf_view_that_crashes_answers_500_json_without_the_exception_text(caplog):
    request = APIRequestFactory().get("/api/explode/")
    with caplog.at_level(logging.CRITICAL, logger="rubysound.errors"):
        response = _ExplodingView.as_view()(request)
    response.render()
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "detail": "Internal server error.",
        "code": "server_error",
    }
    assert SECRET.encode() not in response.content


# --- Django-level handlers (errors raised outside DRF views) ---------------------------


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [
        (error_views.bad_request, 400, "bad_request"),
        (error_views.permission_denied, 403, "permission_denied"),
        (error_views.page_not_found, 404, "not_found"),
    ],
)
def test_django_error_handlers_answer_json_on_api_paths(handler, status, code):
    request = RequestFactory().get("/api/whatever/")
    assert_error_shape(handler(request, Exception(SECRET)), status, code)


@pytest.mark.django_db
def test_django_500_handler_is_json_on_api_paths_and_html_elsewhere():
    api = error_views.server_error(RequestFactory().get("/music_api/search/"))
    body = assert_error_shape(api, 500, "server_error")
    assert body["detail"] == "Internal server error."

    page = error_views.server_error(RequestFactory().get("/profile/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_missing_credentials_say_authentication_is_required(api_client):
    body = api_client.get("/api/users/me/").json()
    assert body["detail"] == "Authentication required."


# --- Domain errors: one type, one handler, no catching in views ----------------------------


def test_a_domain_error_carries_code_status_and_message():
    error = ShelfFull()
    assert (error.code, error.status, error.message, error.fields) == (
        "shelf_full",
        409,
        "The shelf is full.",
        None,
    )
    assert str(error) == "The shelf is full."
    assert error.code is ShelfErrorCode.SHELF_FULL


def test_a_domain_error_may_override_its_defaults_per_instance():
    error = ShelfFull("That shelf holds 12 records at most.", status=400, fields={"n": ["12"]})
    assert (error.message, error.status, error.fields) == (
        "That shelf holds 12 records at most.",
        400,
        {"n": ["12"]},
    )
    assert ShelfFull.message == "The shelf is full."  # the class keeps its own


def test_the_api_handler_answers_a_domain_error_with_its_status_and_the_one_shape():
    request = APIRequestFactory().get("/api/anything/")
    response = api_exception_handler(ShelfFull(), {"view": _FakeView(), "request": request})
    assert response.status_code == 409
    assert response.data == {"detail": "The shelf is full.", "code": "shelf_full"}


@pytest.mark.urls("tests.core.domain_error_urls")
def test_a_drf_view_that_raises_a_domain_error_answers_json(client):
    body = assert_error_shape(client.get("/api/shelves/"), 404, "not_found")
    assert body["detail"] == "Shelf not found."

    response = client.post("/api/shelves/", {}, content_type="application/json")
    body = assert_error_shape(response, 400, "invalid", fields=True)
    assert body == {
        "detail": "Invalid input.",
        "code": "invalid",
        "fields": {"title": ["Give the shelf a title."]},
    }


@pytest.mark.urls("tests.core.domain_error_urls")
def test_a_plain_view_on_an_api_path_answers_the_same_json(client):
    body = assert_error_shape(client.get("/api/plain-shelves/"), 404, "not_found")
    assert body["detail"] == "Shelf not found."
    assert_error_shape(client.post("/api/plain-shelves/"), 409, "shelf_full")


@pytest.mark.django_db
@pytest.mark.urls("tests.core.domain_error_urls")
def test_a_page_that_raises_a_domain_error_is_the_error_page_of_its_status(client):
    response = client.get("/shelves/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower()
    assert b"Shelf not found." not in response.content  # the API's sentence is not for people


@pytest.mark.django_db
@pytest.mark.urls("tests.core.domain_error_urls")
@pytest.mark.parametrize(
    ("next_page", "location"),
    [("/records/?page=2", "/records/?page=2"), ("https://evil.example/", "/"), (None, "/")],
)
def test_a_refused_form_goes_back_to_its_page_with_the_page_message(client, next_page, location):
    data = {"next": next_page} if next_page else {}
    response = client.post("/shelves/", data)
    assert response.status_code == 303
    assert response["Location"] == location
    shown = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert shown == [("error", "Your shelf has no room left.")]
