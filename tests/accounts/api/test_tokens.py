"""JWT: POST /api/auth/token/, /refresh/, /blacklist/, and Bearer access to the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from rubysound.accounts.models import User
from tests.accounts.conftest import obtain_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
BLACKLIST_URL = "/api/auth/token/blacklist/"
ME_URL = "/api/users/me/"


# One client for the whole module: building one loads the middleware, which is slow.
CLIENT = APIClient()


def me_with(token: str):
    return CLIENT.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_refused(response, status: int = 401) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["code"], str)
    assert body["code"]
    return body


class TestObtain:
    def test_username_and_password_give_an_access_and_a_refresh_token(
        self, api_client, user, password
    ):
        response = api_client.post(TOKEN_URL, {"username": user.username, "password": password})
        assert response.status_code == 200
        body = response.json()
        assert {"access", "refresh"} <= set(body)
        assert body["access"] != body["refresh"]
        me = me_with(body["access"])
        assert me.status_code == 200
        assert me.json()["id"] == user.pk

    def test_form_encoded_body_works_too(self, api_client, user, password):
        response = api_client.post(
            TOKEN_URL, {"username": user.username, "password": password}, format="multipart"
        )
        assert response.status_code == 200
        assert me_with(response.json()["access"]).status_code == 200

    def test_username_is_case_insensitive(self, api_client, password):
        user = UserFactory(username="Alice")
        tokens = obtain_tokens(api_client, "aLiCe", password)
        assert me_with(tokens["access"]).json()["id"] == user.pk

    def test_email_works_as_the_username(self, api_client, password):
        user = UserFactory(username="alice", email="alice@example.com")
        tokens = obtain_tokens(api_client, "Alice@Example.com", password)
        assert me_with(tokens["access"]).json()["id"] == user.pk

    def test_tokens_have_the_documented_lifetimes(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)
        access, refresh = AccessToken(tokens["access"]), RefreshToken(tokens["refresh"])
        assert access["exp"] - access["iat"] == 15 * 60
        assert refresh["exp"] - refresh["iat"] == 7 * 24 * 60 * 60

    def test_sign_in_updates_last_login(self, api_client, user, password):
        assert user.last_login is None
        obtain_tokens(api_client, user.username, password)
        assert User.objects.get(pk=user.pk).last_login is not None

    def test_wrong_password_is_401_with_detail_and_code(self, api_client, user):
        response = api_client.post(TOKEN_URL, {"username": user.username, "password": "wrong"})
        body = assert_refused(response)
        assert body["code"] == "no_active_account"
        assert "access" not in body
        assert "refresh" not in body

    def test_unknown_user_is_401(self, api_client, password):
        response = api_client.post(TOKEN_URL, {"username": "ghost", "password": password})
        assert assert_refused(response)["code"] == "no_active_account"

    def test_deactivated_user_gets_no_token(self, api_client, password):
        user = UserFactory(is_active=False)
        response = api_client.post(TOKEN_URL, {"username": user.username, "password": password})
        assert_refused(response)

    def test_missing_password_is_400_naming_the_field(self, api_client, user):
        response = api_client.post(TOKEN_URL, {"username": user.username})
        body = assert_refused(response, 400)
        assert body["code"] == "invalid"
        assert body["fields"]["password"]
        assert "username" not in body["fields"]

    def test_missing_username_is_400_naming_the_field(self, api_client, password):
        body = assert_refused(api_client.post(TOKEN_URL, {"password": password}), 400)
        assert body["fields"]["username"]

    def test_empty_body_names_both_fields(self, api_client):
        body = assert_refused(api_client.post(TOKEN_URL, {}), 400)
        assert {"username", "password"} <= set(body["fields"])

    def test_get_is_not_allowed(self, api_client):
        response = api_client.get(TOKEN_URL)
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"


class TestRefresh:
    def test_refresh_rotates_and_blacklists_the_old_refresh_token(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)

        response = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]})
        assert response.status_code == 200, response.content
        rotated = response.json()
        assert {"access", "refresh"} <= set(rotated)
        assert rotated["refresh"] != tokens["refresh"]
        assert me_with(rotated["access"]).status_code == 200

        replay = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]})
        assert assert_refused(replay)["code"] == "token_not_valid"

        # The new refresh token keeps working.
        again = api_client.post(REFRESH_URL, {"refresh": rotated["refresh"]})
        assert again.status_code == 200, again.content

    def test_access_token_cannot_be_used_to_refresh(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)
        response = api_client.post(REFRESH_URL, {"refresh": tokens["access"]})
        assert_refused(response)

    def test_garbage_refresh_token_is_401(self, api_client):
        assert_refused(api_client.post(REFRESH_URL, {"refresh": "not.a.token"}))

    def test_missing_refresh_is_400_naming_the_field(self, api_client):
        body = assert_refused(api_client.post(REFRESH_URL, {}), 400)
        assert body["fields"]["refresh"]

    def test_deactivated_user_cannot_refresh(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert_refused(api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]}))


class TestBlacklist:
    def test_blacklisted_refresh_token_is_refused_afterwards(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)

        response = api_client.post(BLACKLIST_URL, {"refresh": tokens["refresh"]})
        assert response.status_code == 200, response.content
        assert response.json() == {}

        refused = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]})
        assert assert_refused(refused)["code"] == "token_not_valid"
        again = api_client.post(BLACKLIST_URL, {"refresh": tokens["refresh"]})
        assert_refused(again)

    def test_signing_out_one_session_leaves_others_working(self, api_client, user, password):
        phone = obtain_tokens(api_client, user.username, password)
        laptop = obtain_tokens(api_client, user.username, password)
        api_client.post(BLACKLIST_URL, {"refresh": phone["refresh"]})
        assert api_client.post(REFRESH_URL, {"refresh": laptop["refresh"]}).status_code == 200

    def test_garbage_token_is_401(self, api_client):
        assert_refused(api_client.post(BLACKLIST_URL, {"refresh": "abc"}))

    def test_missing_refresh_is_400(self, api_client):
        assert assert_refused(api_client.post(BLACKLIST_URL, {}), 400)["fields"]["refresh"]


class TestBearerAccess:
    def test_refresh_token_is_not_an_access_token(self, api_client, user, password):
        tokens = obtain_tokens(api_client, user.username, password)
        assert_refused(me_with(tokens["refresh"]))

    def test_tampered_token_is_refused(self, api_client, user, password):
        access = obtain_tokens(api_client, user.username, password)["access"]
        header, payload, signature = access.split(".")
        flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
        assert_refused(me_with(f"{header}.{payload}.{flipped}"))

    def test_token_with_a_forged_user_id_is_refused(self, api_client, user, password):
        other = UserFactory()
        access = obtain_tokens(api_client, user.username, password)["access"]
        forged = AccessToken(access)
        header, _, signature = access.split(".")
        # Another user's id in the payload, kept under the signature of the original token.
        forged["user_id"] = str(other.pk)
        _, forged_payload, _ = str(forged).split(".")
        response = me_with(f"{header}.{forged_payload}.{signature}")
        assert_refused(response)

    def test_expired_access_token_is_refused(self, user):
        token = AccessToken.for_user(user)
        token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=15))
        body = assert_refused(me_with(str(token)))
        assert body["code"] == "token_not_valid"

    def test_fresh_token_made_the_same_way_is_accepted(self, user):
        # The counterpart of the expiry test: only the expiry differs.
        assert me_with(str(AccessToken.for_user(user))).status_code == 200

    def test_deactivated_users_token_is_refused(self, api_client, user, password):
        access = obtain_tokens(api_client, user.username, password)["access"]
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert_refused(me_with(access))

    def test_deleted_users_token_is_refused(self, api_client, user, password):
        access = obtain_tokens(api_client, user.username, password)["access"]
        User.objects.filter(pk=user.pk).delete()
        assert_refused(me_with(access))

    @pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "Bearer a b"])
    def test_malformed_authorization_header_is_refused(self, header):
        assert_refused(CLIENT.get(ME_URL, HTTP_AUTHORIZATION=header))


def test_token_sign_in_creates_no_browser_session(api_client, user, password):
    from django.contrib.sessions.models import Session

    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": password}
    )
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
