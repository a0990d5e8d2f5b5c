"""Who may call /rest/: app passwords (token, plain, enc:) and API keys, never the account
password; mixed mechanisms, bad keys, lockout."""

import hashlib
import logging

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rubysound.accounts import services as account_services
from rubysound.accounts.models import ApiKey, AppPassword
from rubysound.core.logging import redact_query_secrets

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def _failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def call(params: dict, op: str = "getUser") -> dict:
    response = Client().get(f"/rest/{op}", {"f": "json", "v": "1.16.1", "c": "t", **params})
    assert response.status_code == 200
    return response.json()["subsonic-response"]


def token(secret: str, salt: str) -> str:
    return hashlib.md5((secret + salt).encode()).hexdigest()  # noqa: S324 - the protocol's


@pytest.mark.parametrize("mechanism", ["token", "plain", "enc"])
def test_app_password_mechanisms(subsonic, user, mechanism):
    body = call(subsonic.credentials(mechanism))
    assert body["status"] == "ok", body
    assert body["user"]["username"] == user.username
    assert AppPassword.objects.get(user=user).last_used_at is not None


def test_username_case_is_ignored(subsonic, user):
    assert call({**subsonic.credentials("plain"), "u": user.username.upper()})["status"] == "ok"


def test_reused_salt_is_accepted(subsonic):
    params = subsonic.credentials("token")
    assert call(params)["status"] == "ok"
    assert call(params)["status"] == "ok"


def test_any_of_several_app_passwords_works(user, subsonic):
    _, second = account_services.create_app_password(user, "Desktop")
    assert call({"u": user.username, "p": second})["status"] == "ok"
    assert call({"u": user.username, "t": token(second, "abc"), "s": "abc"})["status"] == "ok"


def test_account_password_is_refused(user, password, subsonic):
    for params in (
        {"u": user.username, "p": password},
        {"u": user.username, "p": "enc:" + password.encode().hex()},
        {"u": user.username, "t": token(password, "salt"), "s": "salt"},
    ):
        assert call(params)["error"]["code"] == 40


def test_account_without_app_password_cannot_sign_in(user, password):
    assert call({"u": user.username, "p": password})["error"]["code"] == 40


@pytest.mark.parametrize(
    "params",
    [
        {"p": "wrong"},
        {"p": "enc:zz"},
        {"p": "enc:" + b"wrong".hex()},
        {"t": "0" * 32, "s": "salt"},
        {"t": "x" * 5000, "s": "salt"},
    ],
)
def test_wrong_credentials_are_40(user, subsonic, params):
    assert call({"u": user.username, **params})["error"]["code"] == 40


def test_unknown_user_is_40(subsonic):
    assert call({"u": "nobody-here", "p": subsonic.secret})["error"]["code"] == 40


def test_deactivated_user_is_40(user, subsonic):
    user.is_active = False
    user.save()
    assert call(subsonic.credentials())["error"]["code"] == 40


def test_revoked_app_password_is_40(user, subsonic):
    params = subsonic.credentials()
    AppPassword.objects.filter(user=user).delete()
    assert call(params)["error"]["code"] == 40


# --- Credentials remembered by the process (as with Redis: APP_CREDENTIALS_CACHE_SECONDS) ----


@pytest.fixture
def remembered(settings):
    settings.APP_CREDENTIALS_CACHE_SECONDS = 10


def credential_queries(params: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert call(params)["status"] == "ok"
    return [
        query["sql"]
        for query in captured.captured_queries
        if "accounts_apppassword" in query["sql"] or "accounts_apikey" in query["sql"]
    ]


def test_a_remembered_app_password_is_checked_without_the_database(remembered, subsonic):
    assert credential_queries(subsonic.credentials("token"))  # read, and marked used
    # Another request, with a fresh salt as some apps send: no credential row is read.
    assert (
        credential_queries({"u": subsonic.username, "t": token(subsonic.secret, "e7"), "s": "e7"})
        == []
    )
    assert credential_queries(subsonic.credentials("plain")) == []
    assert (
        call({"u": subsonic.username, "t": token("not-it", "e7"), "s": "e7"})["error"]["code"] == 40
    )


def test_a_remembered_api_key_is_checked_without_the_database(remembered, user):
    _, key = account_services.create_api_key(user, "Tablet")
    assert credential_queries({"apiKey": key})
    assert credential_queries({"apiKey": key}) == []


def test_revoking_a_remembered_app_password_refuses_the_next_request(remembered, user, subsonic):
    params = subsonic.credentials()
    assert call(params)["status"] == "ok"
    account_services.revoke_app_password(user, AppPassword.objects.get(user=user).pk)
    assert call(params)["error"]["code"] == 40


def test_revoking_a_remembered_api_key_refuses_the_next_request(remembered, user):
    api_key, key = account_services.create_api_key(user, "Tablet")
    assert call({"apiKey": key})["status"] == "ok"
    account_services.revoke_api_key(user, api_key.pk)
    assert call({"apiKey": key})["error"]["code"] == 44


def test_deactivating_a_remembered_user_refuses_the_next_request(remembered, user, subsonic):
    params = subsonic.credentials()
    assert call(params)["status"] == "ok"
    user.is_active = False
    user.save()
    assert call(params)["error"]["code"] == 40


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 10),  # no credentials at all
        ({"p": "x"}, 10),  # no u
        ({"u": "x"}, 10),  # u with nothing to check
        ({"u": "x", "t": "abc"}, 10),  # token without salt
    ],
)
def test_missing_credentials_are_10(params, code, db):
    assert call(params)["error"]["code"] == code


def test_api_key(user):
    _, key = account_services.create_api_key(user, "Feishin")
    body = call({"apiKey": key}, op="tokenInfo")
    assert body["status"] == "ok"
    assert body["tokenInfo"] == {"username": user.username}
    assert ApiKey.objects.get(user=user).last_used_at is not None


def test_bad_api_key_is_44(db):
    assert call({"apiKey": "not-a-key"})["error"]["code"] == 44
    assert call({"apiKey": ""})["error"]["code"] == 44
    assert call({"apiKey": "k" * 5000})["error"]["code"] == 44


@pytest.mark.parametrize("extra", [{"u": "someone"}, {"p": "x"}, {"t": "x", "s": "y"}])
def test_api_key_with_another_mechanism_is_43(user, extra):
    _, key = account_services.create_api_key(user, "Phone")
    assert call({"apiKey": key, **extra})["error"]["code"] == 43


def test_password_and_token_together_is_43(user, subsonic):
    params = {**subsonic.credentials("token"), "p": subsonic.secret}
    assert call(params)["error"]["code"] == 43


def test_extensions_need_no_auth_and_advertise_ours(db):
    body = call({}, op="getOpenSubsonicExtensions")
    assert body["status"] == "ok"
    names = {extension["name"] for extension in body["openSubsonicExtensions"]}
    assert {"formPost", "apiKeyAuthentication"} <= names


def test_other_operations_need_auth(db):
    assert call({}, op="ping")["error"]["code"] == 10


def test_failures_lock_the_account_out(user, subsonic):
    for _ in range(LIMIT):
        assert call({"u": user.username, "p": "wrong"})["error"]["code"] == 40
    # Even the right app password is refused while the lockout lasts, as a protocol error.
    locked = call(subsonic.credentials("plain"))
    assert locked["error"]["code"] == 40
    assert "later" in locked["error"]["message"]
    # The web sign-in counts the same failures.
    response = Client().post(
        "/api/auth/token/", {"username": user.username, "password": "whatever"}
    )
    assert response.status_code == 429


def test_success_resets_the_failures(user, subsonic):
    for _ in range(LIMIT - 1):
        assert call({"u": user.username, "p": "wrong"})["error"]["code"] == 40
    assert call(subsonic.credentials("plain"))["status"] == "ok"
    for _ in range(LIMIT - 1):
        assert call({"u": user.username, "p": "wrong"})["error"]["code"] == 40
    assert call(subsonic.credentials("token"))["status"] == "ok"


def test_lockout_does_not_store_the_secrets(user, subsonic):
    call({"u": user.username, "p": "my-guess-1234"})
    call({"u": user.username, "t": "f" * 32, "s": "salty-salt"})
    stored = " ".join(AccessAttempt.objects.values_list("get_data", flat=True))
    assert "my-guess-1234" not in stored
    assert "salty-salt" not in stored
    assert "f" * 32 not in stored


def test_access_log_lines_redact_credentials():
    line = '"GET /rest/stream.view?u=ann&t=abc123&s=xyz&p=enc:6869&apiKey=KEY&id=tr-1 HTTP/1.1"'
    redacted = redact_query_secrets(line)
    for secret in ("abc123", "xyz", "enc:6869", "KEY"):
        assert secret not in redacted
    assert "u=ann" in redacted
    assert "id=tr-1" in redacted


def test_no_log_line_carries_credentials(user, subsonic, caplog):
    caplog.set_level(logging.DEBUG)
    call(subsonic.credentials("plain"))
    call({"u": user.username, "p": "guess-zzz"})
    call({"apiKey": "key-yyy"})
    text = "\n".join(str(vars(record)) for record in caplog.records)
    for secret in (subsonic.secret, "guess-zzz", "key-yyy"):
        assert secret not in text
