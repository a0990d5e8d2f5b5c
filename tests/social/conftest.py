import pytest

from tests.social.pushes import Pushes


@pytest.fixture
def pushes():
    pushes = Pushes()
    yield pushes
    pushes.close()
