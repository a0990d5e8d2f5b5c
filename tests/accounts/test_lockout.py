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
    variants = ["Alice", "alice", "ALICE", "aLiCe", " alice "]
    for name in variants:
        attempt(name, "wrong", ip="10.1.0.1")
    assert_locked(attempt("alice", password, ip="10.1.0.1"))
    assert_locked(attempt("Alice", password, ip="10.1.0.1"))


def test_alices_failures_do_not_lock_bob_out_from_the_same_address(password):
    """The bug of issue 15: one person's typos locked everyone behind the same address."""
    UserFactory(username="alice")
    bob = UserFactory(username="bob")
    for _ in range(LIMIT):
        attempt("alice", "wrong", ip="10.2.0.1")
    assert_locked(attempt("alice", password, ip="10.2.0.1"))

    assert attempt(bob.username, password, ip="10.2.0.1").status_code == 200


def test_alice_from_another_address_is_not_affected(password):
    UserFactory(username="alice")
    for _ in range(LIMIT):
        attempt("alice", "wrong", ip="10.2.1.1")
    assert_locked(attempt("alice", password, ip="10.2.1.1"))

    assert attempt("alice", password, ip="10.2.1.2").status_code == 200


def test_an_address_spraying_many_accounts_hits_the_address_ceiling(settings, password):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    victim = UserFactory()
    # Fewer than LIMIT failures per account, so no pair is locked: only the ceiling counts.
    for index in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert attempt(f"someone{index % 4}", "wrong", ip="10.3.0.1").status_code == 401
    assert attempt(victim.username, password, ip="10.3.0.1").status_code == 200
    assert attempt("someone9", "wrong", ip="10.3.0.1").status_code == 429

    # A different account, the right password, but the same address. Signing in to one's
    # own account above did not lift the ceiling either.
    assert_locked(attempt(victim.username, password, ip="10.3.0.1"))
    # The account itself is not locked: from elsewhere its owner still signs in.
    assert attempt(victim.username, password, ip="10.3.0.2").status_code == 200


def test_the_address_ceiling_is_generous_by_default(settings, password):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT >= 10 * settings.AXES_FAILURE_LIMIT
    settings.THROTTLE_ENABLED = False  # the per-minute request limit is another matter
    victim = UserFactory()
    # Twenty different people mistyping four times each from one office address.
    for index in range(20):
        for _ in range(LIMIT - 1):
            attempt(f"colleague{index}", "wrong", ip="10.3.1.1")
    assert attempt(victim.username, password, ip="10.3.1.1").status_code == 200


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
    for _ in range(LIMIT):
        attempt("Alice@Example.com", "wrong", ip="10.5.0.1")
    assert_locked(attempt("alice", password, ip="10.5.0.1"))


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
            REMOTE_ADDR="203.0.113.10",
        )
    response = api_client.post(
        "/api/auth/token/",
        {"username": owner.username, "password": "correct-horse-battery-staple"},
        REMOTE_ADDR="203.0.113.10",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"


@pytest.mark.parametrize("path", ["/api/auth/token/", "/login/"])
def test_a_name_longer_than_any_account_is_refused_and_still_counted(client, path, settings):
    """axes keeps names in a 255-character column: on PostgreSQL a longer one was a 500."""
    name = "x" * 300
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(path, {"username": name, "password": "wrong"})
        assert response.status_code in (200, 400, 401)
    assert client.post(path, {"username": name, "password": "wrong"}).status_code == 429
    assert AccessAttempt.objects.get().username.startswith("sha256:")
