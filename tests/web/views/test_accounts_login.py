import pytest
from django.conf import settings
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.web.helpers import logged_in_user_id

pytestmark = pytest.mark.django_db

WRONG_CREDENTIALS = "That username or email and password do not match."


@pytest.fixture
def user(db):
    return UserFactory(username="Aria", email="aria@example.com")


def _login(client, username, password=DEFAULT_PASSWORD, *, remember=True, path="/login/"):
    data = {"username": username, "password": password}
    if remember:
        data["remember_me"] = "on"
    return client.post(path, data)


def test_login_page_shows_the_form_with_remember_me_checked(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assertContains(response, "Username or email")
    assertContains(response, 'name="password"')
    assertContains(response, 'name="remember_me" id="id_remember_me" checked')


@pytest.mark.parametrize("username", ["Aria", "aria", "ARIA", "aRiA"])
def test_login_by_username_in_any_case(client, user, username):
    response = _login(client, username)

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(client) == user.pk


@pytest.mark.parametrize("email", ["aria@example.com", "Aria@Example.COM"])
def test_login_by_email(client, user, email):
    response = _login(client, email)

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(client) == user.pk


def test_wrong_password_shows_an_error(client, user):
    response = _login(client, "Aria", "not-my-password")

    assert response.status_code == 200
    assertContains(response, WRONG_CREDENTIALS)
    # What was typed as the name stays; the password is never echoed back.
    assertContains(response, 'value="Aria"')
    assertNotContains(response, "not-my-password")
    assert logged_in_user_id(client) is None


def test_unknown_user_shows_the_same_error(client, user):
    response = _login(client, "nobody-here")

    assertContains(response, WRONG_CREDENTIALS)
    assert logged_in_user_id(client) is None


def test_without_remember_me_the_session_ends_with_the_browser(client, user):
    response = _login(client, "Aria", remember=False)

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert client.session.get_expire_at_browser_close() is True
    # A browser-session cookie: no expiry date is sent.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_with_remember_me_the_session_persists(client, user):
    response = _login(client, "Aria", remember=True)

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert client.session.get_expire_at_browser_close() is False
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE


@pytest.mark.parametrize("target", ["/profile/?tab=password", "/", "/api/docs/"])
def test_local_next_is_honoured(client, user, target):
    client.get("/login/", {"next": target})

    response = client.post(
        "/login/", {"username": "aria", "password": DEFAULT_PASSWORD, "next": target}
    )

    assertRedirects(response, target, fetch_redirect_response=False)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://testserver.evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_external_next_is_ignored(client, user, target):
    page = client.get("/login/", {"next": target})
    assertNotContains(page, "evil.example")

    response = client.post(
        "/login/", {"username": "aria", "password": DEFAULT_PASSWORD, "next": target}
    )

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(client) == user.pk


def test_next_from_the_query_string_is_carried_by_the_form(client, user):
    response = client.get("/login/?next=/profile/")

    assertContains(response, '<input type="hidden" name="next" value="/profile/">', html=True)


def test_lockout_after_five_failures_shows_a_page_for_people(client, user):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "Aria", "guess").status_code == 200

    locked = _login(client, "Aria", "guess")

    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    assertContains(locked, "Too many sign-in attempts", status_code=429)
    assertContains(locked, f"Try again in {minutes} minutes", status_code=429)
    assert locked["Retry-After"] == str(minutes * 60)

    # Even the right password is refused while the lockout lasts.
    after = _login(client, "Aria")
    assertContains(after, "Too many sign-in attempts", status_code=429)
    assert logged_in_user_id(client) is None


def test_lockout_counts_every_spelling_of_a_name_together(client, user):
    for spelling in ("aria", "ARIA", "Aria", "aRIA"):
        assert _login(client, spelling, "guess").status_code == 200

    assert _login(client, "ArIa", "guess").status_code == 429


def test_a_successful_login_resets_the_failure_count(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "Aria", "guess")
    assert _login(client, "Aria").status_code == 302
    client.post("/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "Aria", "guess").status_code == 200


def test_signed_in_user_is_sent_away_from_login(logged_in_client):
    assertRedirects(logged_in_client.get("/login/"), "/")


def test_logout_by_post_signs_out_and_goes_home(logged_in_client):
    response = logged_in_client.post("/logout/")

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(logged_in_client) is None
    assertRedirects(logged_in_client.get("/settings/profile/"), "/login/?next=/settings/profile/")


def test_logout_by_get_is_refused_and_keeps_the_session(logged_in_client, user):
    response = logged_in_client.get("/logout/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert logged_in_user_id(logged_in_client) == user.pk
    assert logged_in_client.get("/settings/profile/").status_code == 200


def test_every_page_offers_sign_out_as_a_post_form(logged_in_client):
    response = logged_in_client.get("/")

    assertContains(response, '<form method="post" action="/logout/"')
    assertNotContains(response, 'href="/logout/"')


def test_login_by_a_long_email_address(client):
    """The field is not capped at the username's 32 characters: emails are longer."""
    long_email = "a.very.long.mailbox.name.for.music@subdomain.example.com"
    member = UserFactory(email=long_email)
    page = client.get("/login/")
    assertContains(page, 'maxlength="254"')
    response = _login(client, long_email.upper())
    assert response.status_code == 302
    assert logged_in_user_id(client) == member.pk
