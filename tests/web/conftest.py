import pytest


@pytest.fixture
def logged_in_client(client, user):
    """The test client with a browser session signed in as ``user``."""
    client.force_login(user)
    return client
