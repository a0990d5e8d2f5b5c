"""The live-server harness (tests/servers.py) on whichever backend the suite runs on."""

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import serve


@pytest.mark.django_db(transaction=True)
def test_a_server_sees_the_tests_data_and_signs_its_users_in():
    user = UserFactory()
    with serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url, timeout=10) as client:
            token = client.post(
                "/api/auth/token/", json={"username": user.username, "password": DEFAULT_PASSWORD}
            )
            assert token.status_code == 200, token.text
            me = client.get(
                "/api/users/me/", headers={"Authorization": f"Bearer {token.json()['access']}"}
            )
    assert me.status_code == 200
    assert me.json()["username"] == user.username


@pytest.mark.django_db
def test_a_server_is_refused_inside_the_tests_transaction():
    with pytest.raises(RuntimeError, match="transaction=True"), serve():
        pass
