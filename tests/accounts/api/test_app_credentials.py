"""/api/users/me/app-passwords/ and /api/users/me/api-keys/: credentials for Subsonic apps."""

import hashlib

import pytest

from rubysound.accounts import services
from rubysound.accounts.models import ApiKey, AppPassword
from tests.accounts.api.test_schema import request_properties, response_properties
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP_PASSWORDS = "/api/users/me/app-passwords/"
API_KEYS = "/api/users/me/api-keys/"


def test_app_password_is_shown_once_and_listed_without_it(auth_client, user):
    created = auth_client.post(APP_PASSWORDS, {"name": "Phone"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Phone"
    assert len(body["password"]) >= 20
    assert body["last_used_at"] is None

    listed = auth_client.get(APP_PASSWORDS).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert "password" not in listed[0]
    assert body["password"] not in auth_client.get(APP_PASSWORDS).content.decode()
    # Stored encrypted, not in clear.
    stored = bytes(AppPassword.objects.get(pk=body["id"]).secret_encrypted)
    assert body["password"].encode() not in stored
    assert services.app_password_user(user.username, password=body["password"])


def test_app_password_token_auth_and_last_used(auth_client, user):
    secret = auth_client.post(APP_PASSWORDS, {"name": "Desktop"}, format="json").json()
    token = hashlib.md5((secret["password"] + "salt1").encode()).hexdigest()  # noqa: S324
    assert services.app_password_user(user.username, token=token, salt="salt1")
    # A reused salt is accepted (Feishin and DSub reuse theirs).
    assert services.app_password_user(user.username, token=token.upper(), salt="salt1")
    assert not services.app_password_user(user.username, token=token, salt="salt2")
    assert auth_client.get(APP_PASSWORDS).json()[0]["last_used_at"] is not None


def test_account_password_is_not_an_app_password(user, password):
    services.create_app_password(user, "Phone")
    assert not services.app_password_user(user.username, password=password)


def test_revoked_app_password_no_longer_matches(auth_client, user):
    body = auth_client.post(APP_PASSWORDS, {"name": "Phone"}, format="json").json()
    assert auth_client.delete(f"{APP_PASSWORDS}{body['id']}/").status_code == 204
    assert not services.app_password_user(user.username, password=body["password"])
    assert auth_client.get(APP_PASSWORDS).json() == []
    again = auth_client.delete(f"{APP_PASSWORDS}{body['id']}/")
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_someone_elses_credentials_cannot_be_revoked(auth_client):
    other = UserFactory()
    row, secret = services.create_app_password(other, "Theirs")
    key_row, key = services.create_api_key(other, "Theirs")
    assert auth_client.delete(f"{APP_PASSWORDS}{row.pk}/").status_code == 404
    assert auth_client.delete(f"{API_KEYS}{key_row.pk}/").status_code == 404
    assert services.app_password_user(other.username, password=secret)
    assert services.user_for_api_key(key) == other


@pytest.mark.parametrize("url", [APP_PASSWORDS, API_KEYS])
@pytest.mark.parametrize(
    "payload", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 65}, {"name": "a", "extra": 1}]
)
def test_bad_names_are_refused_in_the_error_shape(auth_client, url, payload):
    response = auth_client.post(url, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]
    assert not AppPassword.objects.exists()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("url", [APP_PASSWORDS, API_KEYS, f"{APP_PASSWORDS}1/"])
def test_anonymous_is_refused(api_client, url):
    assert api_client.get(url).status_code in (401, 405)
    assert api_client.post(url, {"name": "x"}, format="json").status_code in (401, 405)


def test_api_key_stored_as_sha256_only(auth_client, user):
    body = auth_client.post(API_KEYS, {"name": "Feishin"}, format="json").json()
    assert len(body["key"]) >= 40
    row = ApiKey.objects.get(pk=body["id"])
    assert row.key_sha256 == hashlib.sha256(body["key"].encode()).hexdigest()
    assert body["key"] not in str(vars(row))
    listed = auth_client.get(API_KEYS).json()
    assert [r["name"] for r in listed] == ["Feishin"]
    assert "key" not in listed[0]
    assert services.user_for_api_key(body["key"]) == user
    assert services.user_for_api_key(body["key"] + "x") is None
    assert auth_client.get(API_KEYS).json()[0]["last_used_at"] is not None
    assert auth_client.delete(f"{API_KEYS}{body['id']}/").status_code == 204
    assert services.user_for_api_key(body["key"]) is None


def test_api_key_of_a_deactivated_user_is_refused(user):
    _, key = services.create_api_key(user, "Phone")
    user.is_active = False
    user.save()
    assert services.user_for_api_key(key) is None


def test_secret_unreadable_under_another_secret_key(user, settings):
    _, secret = services.create_app_password(user, "Phone")
    settings.SECRET_KEY = "another-secret-key-entirely-" + "x" * 30
    assert not services.app_password_user(user.username, password=secret)


def test_schema_documents_the_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "name" in request_properties(schema, APP_PASSWORDS, "post")
    assert {"id", "name", "password"} <= set(
        response_properties(schema, APP_PASSWORDS, "post", "201")
    )
    assert {"id", "name", "key"} <= set(response_properties(schema, API_KEYS, "post", "201"))
    assert "delete" in schema["paths"][APP_PASSWORDS + "{id}/"]
