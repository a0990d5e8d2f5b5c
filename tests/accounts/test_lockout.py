"""Brute-force protection on sign-in (django-axes), as API clients see it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from rubysound.accounts.lockout import attempted_username, lockout_response
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT, from LOGIN_FAILURE_LIMIT


# One client for the whole session: building one loads the middleware, which is slow.
CLIENT = APIClient()


def attempt(username: str, password: str, ip: str = "10.0.0.1"):
    return CLIENT.post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def assert_locked(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "login_locked"
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "access" not in body
    assert int(response["Retry-After"]) == 15 * 60


@pytest.fixture(autouse=True)
def _failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def test_account_is_locked_after_repeated_bad_passwords(user, password):
    for _ in range(LIMIT - 1):
        assert attempt(user.username, "wrong").status_code == 401
    # The failure that reaches the limit already answers with the lockout.
    assert_locked(attempt(user.username, "wrong"))
    # Even the right password is refused now.
    assert_locked(attempt(user.username, password))


def test_fewer_failures_than_the_limit_do_not_lock(user, password):
    for _ in range(LIMIT - 1):
        attempt(user.username, "wrong")
    assert attempt(user.username, password).status_code == 200


def test_success_resets_the_count(user, password):
    for _ in range(LIMIT - 1):
        attempt(user.username, "wrong")
    assert attempt(user.username, password).status_code == 200
    for _ in range(LIMIT - 1):
        assert attempt(user.username, "wrong").status_code == 401
    assert attempt(user.username, password).status_code == 200


def test_username_case_variants_share_one_counter(password):
    UserFactory(username="alice")
    # Each try from a new address: only the per-account counter can add up to the limit.
    variants = ["Alice", "alice", "ALICE", "aLiCe", " alice "]
    for index, name in enumerate(variants):
        attempt(name, "wrong", ip=f"10.1.0.{index + 1}")
    assert_locked(attempt("alice", password, ip="10.1.0.99"))
    assert_locked(attempt("Alice", password, ip="10.1.0.98"))


def test_locked_account_is_locked_from_every_address(user, password):
    for index in range(LIMIT):
        attempt(user.username, "wrong", ip=f"10.2.0.{index + 1}")
    assert_locked(attempt(user.username, password, ip="192.0.2.77"))


def test_an_address_spraying_many_accounts_is_locked_out(password):
    victim = UserFactory()
    for index in range(LIMIT):
        attempt(f"someone{index}", "wrong", ip="10.3.0.1")
    # A different account, the right password, but the same address.
    assert_locked(attempt(victim.username, password, ip="10.3.0.1"))
    # The account itself is not locked: from elsewhere its owner still signs in.
    assert attempt(victim.username, password, ip="10.3.0.2").status_code == 200


def test_other_accounts_and_addresses_are_not_affected(user, password):
    other = UserFactory()
    for _ in range(LIMIT):
        attempt(user.username, "wrong", ip="10.4.0.1")
    assert attempt(other.username, password, ip="10.4.0.2").status_code == 200


def test_lockout_ends_after_the_cool_off(user, password):
    for _ in range(LIMIT):
        attempt(user.username, "wrong")
    assert_locked(attempt(user.username, password))
    # Fifteen minutes pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(user.username, password).status_code == 200


def test_lockout_applies_to_email_sign_in_as_well(password):
    UserFactory(username="alice", email="alice@example.com")
    for index in range(LIMIT):
        attempt("Alice@Example.com", "wrong", ip=f"10.5.0.{index + 1}")
    assert_locked(attempt("alice@example.com", password, ip="10.5.0.99"))


def test_limit_follows_the_setting(settings, user, password):
    settings.AXES_FAILURE_LIMIT = 2
    assert attempt(user.username, "wrong").status_code == 401
    assert_locked(attempt(user.username, "wrong"))
    assert_locked(attempt(user.username, password))


class TestLockoutPieces:
    def test_username_is_folded_and_trimmed(self):
        request = RequestFactory().post("/login/", {"username": "  Bob "})
        assert attempted_username(request) == "bob"
        assert attempted_username(request, {"username": "ALICE"}) == "alice"
        assert attempted_username(RequestFactory().post("/login/")) is None

    def test_people_get_a_page_not_json(self):
        request = RequestFactory().post("/login/")
        response = lockout_response(request)
        assert response.status_code == 429
        assert response["Content-Type"].startswith("text/html")
        assert response["Retry-After"] == "900"

    def test_cool_off_setting_drives_the_message_and_retry_after(self, settings):
        settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
        response = lockout_response(RequestFactory().post("/api/auth/token/"))
        assert response["Retry-After"] == "1800"
        assert b"30 minutes" in response.content


def test_guessing_through_the_email_counts_against_the_same_account(api_client):
    from tests.factories import UserFactory

    owner = UserFactory(username="Marisol", email="marisol@example.com")
    for attempt in range(5):
        name = "marisol" if attempt % 2 else "Marisol@Example.com"
        api_client.post(
            "/api/auth/token/",
            {"username": name, "password": "wrong"},
            REMOTE_ADDR=f"203.0.113.{attempt + 10}",
        )
    response = api_client.post(
        "/api/auth/token/",
        {"username": owner.username, "password": "correct-horse-battery-staple"},
        REMOTE_ADDR="203.0.113.99",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
