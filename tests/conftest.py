import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from channels.layers import channel_layers
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import TransactionTestCase, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from rubysound.core import redis_outage
from tests import servers
from tests.factories import DEFAULT_PASSWORD, UserFactory

TESTS = Path(__file__).resolve().parent
# What every test in these folders is, so that a new test there is marked without a word.
FOLDER_MARKERS = {
    "browser": ("browser", "server", "backend_independent"),
    "deploy": ("deploy", "backend_independent"),
}


# A group call over the command timeout is dropped, as in production; on a loaded CI machine
# a healthy Redis can take that long, and a test would lose its push. The outage handling
# itself is tested with layers of its own (tests/core/test_channel_layer.py).
_SUITE_COMMAND_TIMEOUT_SECONDS = 10


def _suite_redis_settings() -> None:
    """Under pytest-xdist (``-n``) each worker is a process with its own test database
    (pytest-django adds the worker's id to the name; django_db_modify_db_settings below gives
    SQLite a file per process). Redis is shared: the suite deletes every key under
    CACHE_KEY_PREFIX between tests, so each worker gets a prefix of its own, for the cache,
    the channel layer and presence alike, and so do the servers it starts (they read it from
    the environment)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = django_settings.CACHE_KEY_PREFIX
    prefix = f"{shared}-{worker}" if worker else shared
    os.environ["CACHE_KEY_PREFIX"] = prefix
    cache_settings = copy.deepcopy(django_settings.CACHES)
    for cache in cache_settings.values():
        if cache.get("KEY_PREFIX") == shared:
            cache["KEY_PREFIX"] = prefix
    layer_settings = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    for layer in layer_settings.values():
        config = layer.get("CONFIG", {})
        if "command_timeout" in config:
            config["command_timeout"] = _SUITE_COMMAND_TIMEOUT_SECONDS
        if str(config.get("prefix", "")).startswith(f"{shared}:"):
            config["prefix"] = prefix + config["prefix"][len(shared) :]
    # For the whole session: the signals it sends drop caches and layers made before.
    override_settings(
        CACHE_KEY_PREFIX=prefix, CACHES=cache_settings, CHANNEL_LAYERS=layer_settings
    ).enable()


_suite_redis_settings()


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
    """Each test gets an empty cache (throttles, lockouts), its own media folder, a process
    that has seen no Redis outage (a test that points the cache at a dead Redis would
    otherwise make the next test pass over the real one for REDIS_RETRY_AFTER_MS), and the
    default language: a request in Russian leaves Russian active in the thread after it."""
    redis_outage._outages.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COVER_CACHE_DIR = tmp_path / "media" / "covers" / "resized"
    # Argon2 is the production hasher (tested separately); it costs ~50 ms a hash here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _clear_cache()
    yield
    _clear_cache()
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_channel_layers() -> None:
    """Each test gets channel layers of its own. The Redis layer binds a lock to the event
    loop that first receives on it (each async test has a loop of its own): a test stopped
    mid-receive, by a timeout say, would otherwise leave it held and fail every later test
    of the process that receives."""
    channel_layers.backends = {}


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


def _starts_servers(item) -> bool:
    """A test module that imports from tests/servers.py starts real server processes."""
    module = getattr(item, "module", None)
    return module is not None and any(
        value is servers or getattr(value, "__module__", None) == servers.__name__
        for value in vars(module).values()
    )


def _mark_by_folder_and_use(items) -> None:
    for item in items:
        path = Path(item.path)
        folder = path.relative_to(TESTS).parts[0] if TESTS in path.parents else None
        for name in FOLDER_MARKERS.get(folder, ()):
            item.add_marker(name)
        if _starts_servers(item):
            item.add_marker("server")


# First: before -m deselects by marker.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Markers by folder and by use (see pyproject.toml for what each means); tests marked
    postgres_only are skipped, with the reason, on the embedded SQLite."""
    _mark_by_folder_and_use(items)
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


def _flush_retrying_a_deadlock(flush):
    """A live server's background write (a WebSocket disconnect recording "last seen", a
    play reported as the page closed) can still hold a row lock when the test's database
    flush (TRUNCATE) starts; PostgreSQL then ends one of them as a deadlock. The flush rolled
    back whole, so it is simply run again. Django's flush command re-raises the database's
    error as a CommandError, so the deadlock is looked for along the exception's causes."""

    def caused_by_a_deadlock(exc: BaseException | None) -> bool:
        while exc is not None:
            if isinstance(exc, OperationalError) and "deadlock detected" in str(exc):
                return True
            exc = exc.__cause__ or exc.__context__
        return False

    def fixture_teardown(self):
        for attempt in range(4):
            try:
                return flush(self)
            except (OperationalError, CommandError) as exc:
                if attempt == 3 or not caused_by_a_deadlock(exc):
                    raise
                time.sleep(0.5 * (attempt + 1))
        return None

    return fixture_teardown


TransactionTestCase._fixture_teardown = _flush_retrying_a_deadlock(
    TransactionTestCase._fixture_teardown
)
