import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory


def _clear_cache() -> None:
    cache = caches["default"]
    location = django_settings.CACHES["default"].get("LOCATION", "")
    if isinstance(location, str) and location.startswith("redis"):
        # Only our own prefix: the Redis database may be shared with other data.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{django_settings.CACHE_KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file, not memory: servers started by the tests
    (tests/servers.py) open it from their own processes. It lives on tmpfs when there is
    one, in a folder of its own, so parallel pytest runs never share it."""
    database = django_settings.DATABASES["default"]
    if "sqlite" not in database["ENGINE"]:
        yield
        return
    shm = Path("/dev/shm")  # noqa: S108 - only a parent for mkdtemp's private folder
    folder = Path(tempfile.mkdtemp(prefix="rubysound-test-db-", dir=shm if shm.is_dir() else None))
    database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test gets an empty cache (throttles, lockouts) and its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COVER_CACHE_DIR = tmp_path / "media" / "covers" / "resized"
    # Argon2 is the production hasher (tested separately); it costs ~50 ms a hash here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def auth_client(user) -> APIClient:
    """An API client carrying a real access token for ``user``."""
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are skipped, with the reason, on the embedded SQLite."""
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); running on SQLite")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db_vendor(db) -> str:
    return connection.vendor


@pytest.fixture
async def clean_channel_layer():
    """Empties the channel layer after a test, so no message leaks into the next one."""
    from channels.layers import get_channel_layer

    yield
    await get_channel_layer().flush()
