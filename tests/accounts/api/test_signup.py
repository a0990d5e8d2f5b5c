"""``POST /api/auth/signup/``: a new account through the JSON API, with the page's rules."""

import pytest
from rest_framework.test import APIClient

from rubysound.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/auth/signup/"
PASSWORD = "a-quiet-violet-melody"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.THROTTLE_ENABLED = False


def signup(username, email="new@example.com", password=PASSWORD, **extra):
    return APIClient().post(
        URL, {"username": username, "email": email, "password": password, **extra}, format="json"
    )


def test_signup_creates_the_account_and_it_signs_in():
    response = signup("Melody", is_public_favorites=False)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "Melody"
    assert body["email"] == "new@example.com"
    assert body["is_public_favorites"] is False
    assert "password" not in body
    token = APIClient().post(
        "/api/auth/token/", {"username": "melody", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200


def test_a_cyrillic_username_is_accepted_and_signs_in_in_any_case():
    response = signup("Иван_Петров")
    assert response.status_code == 201, response.content
    assert User.objects.get().username == "Иван_Петров"
    token = APIClient().post(
        "/api/auth/token/", {"username": "иван_петров", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200, token.content


@pytest.mark.parametrize("taken", ["ИВАН", "иван", "Иван"])
def test_a_username_taken_in_another_case_is_refused(taken):
    UserFactory(username="Иван")
    response = signup(taken)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["username"] == ["That username is taken."]
    assert User.objects.count() == 1


def test_the_username_is_stored_nfkc_normalised_and_compared_so():
    # Full-width letters and a decomposed "é" are the same name as their plain forms.
    response = signup("Ｒｅｎé".replace("é", "e\u0301"))
    assert response.status_code == 201, response.content
    assert User.objects.get().username == "René"
    again = signup("rené", email="other@example.com")
    assert again.status_code == 400
    assert again.json()["fields"]["username"] == ["That username is taken."]


def test_a_username_outside_the_rule_gets_the_rule_as_its_message():
    response = signup("ноты♪")
    assert response.status_code == 400
    assert response.json()["fields"]["username"] == [
        "Use 3 to 32 characters: letters of any alphabet, digits, dots, dashes and underscores."
    ]
    assert not User.objects.exists()


def test_a_weak_password_is_refused_on_the_password_field():
    response = signup("Melody", password="123")
    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    assert not User.objects.exists()


def test_a_taken_email_is_refused_in_any_case():
    UserFactory(email="melody@example.com")
    response = signup("Melody", email="MELODY@example.com")
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_unknown_fields_are_refused():
    response = signup("Melody", is_staff=True)
    assert response.status_code == 400
    assert not User.objects.filter(username="Melody").exists()


def test_signup_is_rate_limited_like_sign_in(settings):
    settings.THROTTLE_ENABLED = True
    client = APIClient()
    statuses = [
        client.post(URL, {"username": "x"}, format="json", REMOTE_ADDR="10.77.0.1").status_code
        for _ in range(25)
    ]
    assert statuses[0] == 400
    assert 429 in statuses
