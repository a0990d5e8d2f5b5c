"""/settings/apps/: the server address an app needs, and the app passwords and API keys a
user creates (the secret shown once), lists and revokes, all with plain forms."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from rubysound.accounts import selectors, services
from rubysound.accounts.models import ApiKey, AppPassword
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPS = "/settings/apps/"


def _shown_secret(response) -> str:
    match = re.search(r'id="apps-new-secret"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the new secret is not on the page"
    return match.group(1)


def test_the_page_gives_the_address_and_username_to_type_into_an_app(
    logged_in_client, user, settings
):
    settings.ALLOWED_HOSTS = ["music.example.org"]
    page = logged_in_client.get(APPS, HTTP_HOST="music.example.org")

    assertContains(page, 'value="http://music.example.org"')
    assertContains(page, f"<strong data-apps-username>{user.username}</strong>", html=True)
    assertContains(page, "Symfonium")


def test_creating_an_app_password_shows_its_secret_once(logged_in_client, user):
    response = logged_in_client.post(
        APPS, {"action": "create:app_password", "app_password-name": "Phone – Symfonium"}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = _shown_secret(response)
    assertContains(response, "shown only this once")
    # It is a working app password of this user.
    assert services.app_password_user(user.username, password=secret)
    [row] = selectors.app_passwords_of(user)
    assert row.name == "Phone – Symfonium"

    page = logged_in_client.get(APPS)
    assertContains(page, "Phone – Symfonium")
    assertNotContains(page, secret)
    assertNotContains(page, "data-apps-secret")


def test_creating_an_api_key_shows_a_key_that_signs_in(logged_in_client, user):
    response = logged_in_client.post(APPS, {"action": "create:api_key", "api_key-name": "Feishin"})

    key = _shown_secret(response)
    assert services.user_for_api_key(key) == user
    assertNotContains(logged_in_client.get(APPS), key)


def test_the_list_shows_name_creation_and_last_use(logged_in_client, user):
    used, used_secret = services.create_app_password(user, "Laptop")
    services.create_app_password(user, "Tablet")
    assert services.app_password_user(user.username, password=used_secret)
    used.refresh_from_db()

    page = logged_in_client.get(APPS)

    assertContains(page, "Laptop")
    assertContains(page, "Tablet")
    assertContains(page, "never used", count=1)
    assertContains(page, f'datetime="{used.last_used_at.isoformat()}"')
    assertNotContains(page, "No app passwords yet.")


def test_a_nameless_credential_is_refused_on_the_form(logged_in_client, user):
    response = logged_in_client.post(
        APPS, {"action": "create:app_password", "app_password-name": " "}
    )

    assert response.status_code == 400
    assertContains(response, "This field is required.", status_code=400)
    assertNotContains(response, "data-apps-secret", status_code=400)
    assert not AppPassword.objects.filter(user=user).exists()


def test_revoking_an_app_password_stops_it_signing_in(logged_in_client, user):
    row, secret = services.create_app_password(user, "Old phone")

    response = logged_in_client.post(APPS, {"action": "revoke:app_password", "id": row.pk})

    assertRedirects(response, APPS)
    assert not services.app_password_user(user.username, password=secret)
    assertNotContains(logged_in_client.get(APPS), "Old phone")


def test_revoking_an_api_key(logged_in_client, user):
    row, key = services.create_api_key(user, "Desktop")

    logged_in_client.post(APPS, {"action": "revoke:api_key", "id": row.pk})

    assert services.user_for_api_key(key) is None


@pytest.mark.parametrize("kind", ["app_password", "api_key"])
def test_someone_elses_credential_cannot_be_revoked(logged_in_client, kind):
    other = UserFactory()
    create = services.create_app_password if kind == "app_password" else services.create_api_key
    row, _secret = create(other, "Theirs")

    response = logged_in_client.post(APPS, {"action": f"revoke:{kind}", "id": row.pk})

    assert response.status_code == 404
    model = AppPassword if kind == "app_password" else ApiKey
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "revoke:app_password", "id": "abc"},
        {"action": "revoke:app_password"},
        {"action": "revoke:app_password", "id": "99999999"},
    ],
)
def test_a_malformed_or_unknown_id_is_not_found(logged_in_client, data):
    assert logged_in_client.post(APPS, data).status_code == 404


@pytest.mark.parametrize("action", ["", "explode:app_password", "create:password", "create"])
def test_an_unknown_action_is_a_bad_request(logged_in_client, action):
    assert logged_in_client.post(APPS, {"action": action}).status_code == 400


def test_too_many_credentials_come_back_as_a_message(logged_in_client, user):
    for number in range(selectors.MAX_APP_CREDENTIALS):
        services.create_api_key(user, f"key {number}")

    response = logged_in_client.post(
        APPS, {"action": "create:api_key", "api_key-name": "one more"}, follow=True
    )

    assertContains(response, "too many app passwords or API keys")
    assert ApiKey.objects.filter(user=user).count() == selectors.MAX_APP_CREDENTIALS


def test_a_post_without_the_csrf_token_is_refused(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(APPS, {"action": "create:app_password", "app_password-name": "x"})

    assert response.status_code == 403
    assert not AppPassword.objects.filter(user=user).exists()


def test_the_page_reads_in_russian(logged_in_client):
    page = logged_in_client.get(APPS, HTTP_ACCEPT_LANGUAGE="ru")
    assertContains(page, "Пароли приложений")
    assertContains(page, "Название")
