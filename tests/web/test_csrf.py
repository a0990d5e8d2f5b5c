"""Every form carries a CSRF token, and a POST without one changes nothing."""

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertRedirects

from tests.factories import DEFAULT_PASSWORD
from tests.web.helpers import csrf_tokens, logged_in_user_id, signup_data

pytestmark = pytest.mark.django_db

CSRF_PAGE_TEXT = "Your session expired or the form was open too long."


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def test_login_form_carries_a_token_that_is_accepted(browser, user):
    page = browser.get("/login/")
    tokens = csrf_tokens(page)
    assert len(tokens) == 1

    response = browser.post(
        "/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": tokens[0]},
    )

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(browser) == user.pk


def test_login_without_token_is_refused(browser, user):
    browser.get("/login/")  # the browser has the CSRF cookie, but the form lost its token

    response = browser.post("/login/", {"username": user.username, "password": DEFAULT_PASSWORD})

    assertContains(response, CSRF_PAGE_TEXT, status_code=403)
    assert logged_in_user_id(browser) is None


def test_signup_without_token_creates_nothing(browser, django_user_model):
    page = browser.get("/signup/")
    assert len(csrf_tokens(page)) == 1

    response = browser.post("/signup/", signup_data())

    assertContains(response, CSRF_PAGE_TEXT, status_code=403)
    assert not django_user_model.objects.exists()


def test_profile_forms_carry_tokens_and_refuse_posts_without(browser, user):
    browser.force_login(user)
    page = browser.get("/settings/profile/")
    # Sign out (header) and profile forms.
    assert len(csrf_tokens(page)) == 2

    refused = browser.post("/settings/profile/", {"action": "profile", "bio": "forged"})
    assertContains(refused, CSRF_PAGE_TEXT, status_code=403)
    user.refresh_from_db()
    assert user.bio == ""

    accepted = browser.post(
        "/settings/profile/",
        {
            "action": "profile",
            "bio": "real",
            "is_public_favorites": "on",
            "csrfmiddlewaretoken": csrf_tokens(page)[1],
        },
    )
    assertRedirects(accepted, "/settings/profile/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.bio == "real"


def test_logout_without_token_keeps_the_session(browser, user):
    browser.force_login(user)
    browser.get("/")

    response = browser.post("/logout/")

    assertContains(response, CSRF_PAGE_TEXT, status_code=403)
    assert logged_in_user_id(browser) == user.pk
