import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from rubysound.accounts.models import User
from tests.factories import UserFactory
from tests.web.helpers import logged_in_user_id, signup_data

pytestmark = pytest.mark.django_db


def test_signup_page_shows_the_form(client):
    response = client.get("/signup/")

    assert response.status_code == 200
    for name in ("username", "email", "password1", "password2", "is_public_favorites"):
        assertContains(response, f'name="{name}"')
    # Public favorites is the default a new listener sees.
    assertContains(response, 'name="is_public_favorites" id="id_is_public_favorites" checked')


def test_signup_then_api_tokens_and_profile_round_trip(client, api_client):
    """The foundation scenario: sign up in the browser, then use the same account by API."""
    response = client.post("/signup/", signup_data(username="Melody", email="melody@example.com"))

    assertRedirects(response, "/", fetch_redirect_response=False)
    user = User.objects.get(username="Melody")
    assert user.email == "melody@example.com"
    assert logged_in_user_id(client) == user.pk
    page = client.get("/")
    assertContains(page, "Welcome to RubySound, Melody!")
    assertNotContains(page, "Welcome back")

    tokens = api_client.post(
        "/api/auth/token/", {"username": "Melody", "password": "a-quiet-violet-melody"}
    )
    assert tokens.status_code == 200, tokens.content
    assert set(tokens.json()) >= {"access", "refresh"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")

    me = api_client.get("/api/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "Melody"
    assert me.json()["email"] == "melody@example.com"
    assert me.json()["is_public_favorites"] is True

    patched = api_client.patch(
        "/api/users/me/", {"bio": "Vinyl collector.", "country": "DE"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["bio"] == "Vinyl collector."
    assert patched.json()["country"] == "DE"

    # The browser session sees what the API changed.
    assertContains(client.get("/settings/profile/"), "Vinyl collector.")


@pytest.mark.parametrize(
    ("checkbox", "expected"),
    [("on", True), (None, False)],
    ids=["checked", "unchecked"],
)
def test_signup_respects_public_favorites_choice(client, checkbox, expected):
    response = client.post("/signup/", signup_data(is_public_favorites=checkbox))

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert User.objects.get(username="newlistener").is_public_favorites is expected


def _assert_rejected(client, response, message: str) -> None:
    """The form comes back with the message, nothing was created and nobody is signed in."""
    assert response.status_code in (200, 400)
    assertContains(response, '<form method="post"', status_code=response.status_code)
    assertContains(response, message, status_code=response.status_code)
    assert logged_in_user_id(client) is None


def test_mismatched_passwords_are_refused(client):
    response = client.post("/signup/", signup_data(password2="a-different-melody"))

    _assert_rejected(client, response, "The two passwords do not match.")
    assert not User.objects.filter(username="newlistener").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("short1x", "This password is too short."),
        ("83629174053", "This password is entirely numeric."),
        ("newlistener1", "The password is too similar to the username."),
    ],
    ids=["common", "short", "numeric", "like-username"],
)
def test_weak_passwords_are_refused(client, password, message):
    response = client.post("/signup/", signup_data(password1=password, password2=password))

    _assert_rejected(client, response, message)
    assert not User.objects.filter(username="newlistener").exists()


def test_rejected_form_keeps_what_was_typed_except_passwords(client):
    response = client.post("/signup/", signup_data(password1="password", password2="password"))

    assertContains(response, 'value="newlistener"', status_code=response.status_code)
    assertContains(response, 'value="newlistener@example.com"', status_code=response.status_code)
    assertNotContains(response, 'value="password"', status_code=response.status_code)


def test_username_taken_in_another_case_is_refused(client):
    UserFactory(username="Harmony", email="harmony@example.com")

    response = client.post("/signup/", signup_data(username="hARMONY"))

    _assert_rejected(client, response, "That username is taken.")
    assert User.objects.filter(username__iexact="harmony").count() == 1


def test_email_taken_in_another_case_is_refused(client):
    UserFactory(username="harmony", email="harmony@example.com")

    response = client.post(
        "/signup/", signup_data(username="someone-else", email="Harmony@EXAMPLE.com")
    )

    _assert_rejected(client, response, "An account with that email already exists.")
    assert not User.objects.filter(username="someone-else").exists()
    assert User.objects.filter(email__iexact="harmony@example.com").count() == 1


@pytest.mark.parametrize("username", ["bad name", "émile!", "no/slash", "ab", "x" * 33, "ноты♪"])
def test_invalid_usernames_are_refused(client, username):
    before = User.objects.count()

    response = client.post("/signup/", signup_data(username=username))

    assert response.status_code in (200, 400)
    assertContains(response, 'class="error"', status_code=response.status_code)
    assert logged_in_user_id(client) is None
    assert User.objects.count() == before


def test_invalid_username_explains_the_rule(client):
    response = client.post("/signup/", signup_data(username="bad name!"))

    _assert_rejected(
        client,
        response,
        "Use 3 to 32 characters: letters of any alphabet, digits, dots, dashes and underscores.",
    )
    assert not User.objects.exists()


def test_signup_honours_a_local_next(client):
    response = client.post("/signup/?next=/", signup_data())

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert logged_in_user_id(client) is not None


def test_signup_ignores_an_external_next(client):
    response = client.post("/signup/?next=https://evil.example/steal", signup_data())

    assertRedirects(response, "/", fetch_redirect_response=False)


def test_signed_in_user_is_sent_away_from_signup(logged_in_client):
    assertRedirects(logged_in_client.get("/signup/"), "/")

    response = logged_in_client.post("/signup/", signup_data())

    assertRedirects(response, "/")
    assert not User.objects.filter(username="newlistener").exists()


def test_a_cyrillic_username_signs_up_and_signs_in_in_any_case(client):
    response = client.post("/signup/", signup_data(username="Светлана"))
    assert response.status_code == 302
    user = User.objects.get(username="Светлана")
    client.post("/logout/")
    client.post("/login/", {"username": "СВЕТЛАНА", "password": "a-quiet-violet-melody"})
    assert logged_in_user_id(client) == user.pk


@pytest.mark.parametrize("duplicate", ["светлана", "СВЕТЛАНА", "Светлана"])
def test_a_cyrillic_username_taken_in_another_case_is_refused(client, duplicate):
    UserFactory(username="Светлана", email="sveta@example.com")
    response = client.post("/signup/", signup_data(username=duplicate))
    _assert_rejected(client, response, "That username is taken.")
    assert User.objects.count() == 1


def test_the_page_states_the_same_rule_it_applies(client):
    page = client.get("/signup/")
    assertContains(
        page, "3 to 32 characters: letters of any alphabet, digits, dots, dashes and underscores."
    )


def test_the_first_run_welcome_is_shown_once(client):
    client.post("/signup/", signup_data(username="Melody"))

    first = client.get("/")
    assertContains(first, "Welcome to RubySound, Melody!")
    assertContains(first, 'href="/settings/profile/"')
    assertNotContains(first, "Welcome back")
    assertNotContains(first, "---------")

    again = client.get("/")
    assertContains(again, "Welcome back, Melody")
    assertNotContains(again, "Welcome to RubySound")
