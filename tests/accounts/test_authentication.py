"""Bearer requests read their user from the cache, and every change to the user is seen on the
very next request: deactivation, deletion, an edit through the API or a service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.accounts import services
from rubysound.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _user_cache_on(settings):
    # On by default only with Redis; these tests hold its rules on either cache.
    settings.JWT_USER_CACHE_SECONDS = 30


ME_URL = "/api/users/me/"


def user_row_reads(queries) -> int:
    table = User._meta.db_table
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return sum(1 for sql in selects if table in sql)


def test_a_second_request_with_the_token_reads_no_user_row(auth_client):
    assert auth_client.get(ME_URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(ME_URL)
    assert response.status_code == 200
    assert user_row_reads(queries.captured_queries) == 0


def test_a_deactivated_user_is_refused_on_the_very_next_request(auth_client, user):
    assert auth_client.get(ME_URL).status_code == 200
    user.is_active = False
    user.save()
    response = auth_client.get(ME_URL)
    assert response.status_code == 401
    assert auth_client.get("/api/playlists/me/").status_code == 401


def test_a_deleted_user_is_refused_on_the_very_next_request(auth_client, user):
    assert auth_client.get(ME_URL).status_code == 200
    user.delete()
    assert auth_client.get(ME_URL).status_code == 401


def test_an_edit_through_the_api_is_read_back_on_the_next_request(auth_client):
    assert auth_client.get(ME_URL).json()["bio"] == ""
    assert auth_client.patch(ME_URL, {"bio": "Night owl."}).status_code == 200
    assert auth_client.get(ME_URL).json()["bio"] == "Night owl."


def test_a_change_made_elsewhere_is_read_on_the_next_request(auth_client, user):
    assert auth_client.get(ME_URL).status_code == 200
    services.change_username(User.objects.get(pk=user.pk), "renamed-listener")
    assert auth_client.get(ME_URL).json()["username"] == "renamed-listener"
