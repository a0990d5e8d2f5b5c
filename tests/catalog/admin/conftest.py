"""Signed-in staff for the catalog admin tests, and the messages a page shows."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
