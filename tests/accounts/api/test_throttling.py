"""The sign-in endpoints share a scoped 'auth' rate limit per client address."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.accounts.conftest import obtain_tokens

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
CLIENT = APIClient()


@pytest.fixture(autouse=True)
def _small_auth_rate(settings, monkeypatch):
    settings.THROTTLE_ENABLED = True
    # DRF reads the rates once, onto the class: patch the class, not the setting.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "auth": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def sign_in(user, password, ip="10.9.0.1"):
    return CLIENT.post(TOKEN_URL, {"username": user.username, "password": password}, REMOTE_ADDR=ip)


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "throttled"
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "access" not in body
    assert 0 < int(response["Retry-After"]) <= 60


def test_exceeding_the_auth_rate_gives_429_with_retry_after(user, password):
    for _ in range(3):
        assert sign_in(user, password).status_code == 200
    assert_throttled(sign_in(user, password))


def test_wrong_passwords_count_against_the_rate_too(user, password):
    for _ in range(3):
        assert sign_in(user, "wrong").status_code == 401
    assert_throttled(sign_in(user, password))


def test_refresh_shares_the_auth_budget(user, password):
    tokens = obtain_tokens(CLIENT, user.username, password)  # 1
    refresh = CLIENT.post(REFRESH_URL, {"refresh": tokens["refresh"]}, REMOTE_ADDR="127.0.0.1")
    assert refresh.status_code == 200  # 2
    assert sign_in(user, password, ip="127.0.0.1").status_code == 200  # 3
    assert_throttled(
        CLIENT.post(REFRESH_URL, {"refresh": refresh.json()["refresh"]}, REMOTE_ADDR="127.0.0.1")
    )


def test_other_addresses_are_not_throttled(user, password):
    for _ in range(4):
        sign_in(user, password, ip="10.9.0.1")
    assert sign_in(user, password, ip="10.9.0.2").status_code == 200


def test_the_rest_of_the_api_is_not_counted(user, password):
    access = obtain_tokens(CLIENT, user.username, password)["access"]
    for _ in range(5):
        response = CLIENT.get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.status_code == 200
