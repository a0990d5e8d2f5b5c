"""Forgotten passwords: the reset pages, the email, and what they never give away."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from pytest_django.asserts import assertContains, assertRedirects

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.web.helpers import logged_in_user_id

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Password-for-2027"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory(username="Aria", email="aria@example.com")


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_in_page_links_to_the_reset(client):
    response = client.get("/login/")
    assertContains(response, 'href="/password-reset/"')
    assertContains(response, "Forgot password?")


def test_a_reset_link_is_mailed_and_sets_a_new_password(client, user):
    response = client.post("/password-reset/", {"email": "ARIA@example.com"})
    assertRedirects(response, "/password-reset/sent/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aria@example.com"]
    assert message.subject == "Reset your RubySound password"
    assert "Hello Aria," in message.body

    link = _reset_link(message)
    # Django swaps the token for a session marker and redirects to the form.
    form_page = client.get(link, follow=True)
    assertContains(form_page, "Choose a new password")
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assertRedirects(done, "/password-reset/done/")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(DEFAULT_PASSWORD)
    # The link is spent.
    assertContains(client.get(link, follow=True), "This link no longer works")
    client.post("/login/", {"username": "aria", "password": NEW_PASSWORD})
    assert logged_in_user_id(client) == user.pk


def test_unknown_and_known_addresses_get_the_same_answer(client, user):
    known = client.post("/password-reset/", {"email": "aria@example.com"})
    unknown = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert [m.to for m in mail.outbox] == [["aria@example.com"]]
    sent = client.get("/password-reset/sent/")
    assertContains(sent, "If an account uses that address")


def test_a_weak_new_password_is_refused_and_nothing_changes(client, user):
    client.post("/password-reset/", {"email": "aria@example.com"})
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assertContains(response, "This password is too short")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_forged_link_says_so(client, user):
    response = client.get("/password-reset/MQ/not-a-token/")
    assertContains(response, "This link no longer works")
    assertContains(response, 'href="/password-reset/"')


def test_requests_for_one_address_are_rate_limited(client, user):
    for _ in range(3):
        assert client.post("/password-reset/", {"email": "aria@example.com"}).status_code == 302
    # A different client address, the same mailbox: still limited, so no mail flood.
    response = client.post(
        "/password-reset/", {"email": "Aria@Example.com"}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 429
    assertContains(response, "Too many reset requests", status_code=429)
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 3


def test_requests_from_one_client_address_are_rate_limited(client, user):
    for index in range(10):
        response = client.post("/password-reset/", {"email": f"someone{index}@example.com"})
        assert response.status_code == 302
    response = client.post("/password-reset/", {"email": "aria@example.com"})
    assert response.status_code == 429
    assert mail.outbox == []


def test_the_pages_are_translated(client, user):
    client.cookies["django_language"] = "ru"
    response = client.get("/password-reset/", HTTP_ACCEPT_LANGUAGE="ru")
    assertContains(response, "Сбросить пароль")
    client.post("/password-reset/", {"email": "aria@example.com"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert mail.outbox[0].subject == "Сброс пароля RubySound"
    assert "Здравствуйте, Aria!" in mail.outbox[0].body


def test_a_reset_lifts_a_lockout_of_the_account(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "aria", "password": "wrong"})
    locked = client.post("/login/", {"username": "aria", "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429

    client.post("/password-reset/", {"email": "aria@example.com"})
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    client.post("/login/", {"username": "aria", "password": NEW_PASSWORD})
    assert logged_in_user_id(client) == user.pk
