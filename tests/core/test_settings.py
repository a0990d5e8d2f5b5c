"""Settings as an operator meets them: a fresh process, configured by environment only.

Each case loads the settings in a subprocess with a clean environment, as ``manage.py`` or
uvicorn would on start-up; the cases that claim "it starts" run the whole ``django.setup()``
(the others stop after the settings module, which is several times faster). No connection
to a database or Redis is made: URLs only select backends.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

# Fresh processes with an environment of their own: the suite's backends play no part.
pytestmark = pytest.mark.backend_independent

BASE_DIR = Path(django_settings.BASE_DIR)
MARKER = "SETTINGS-JSON:"
PROBE = f"""
import json
import sys
import django
from django.conf import settings
settings.DEBUG  # loads the settings module: configuration errors surface here
full = sys.argv[1] == "setup"
if full:
    django.setup()
names = [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PROFILE", "TRUSTED_PROXY_COUNT", "DATABASES",
    "CACHES", "CHANNEL_LAYERS", "PASSWORD_HASHERS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT", "PORT", "SESSION_ENGINE",
]
values = {{name: getattr(settings, name, None) for name in names}}
if full:
    from django.contrib.auth.hashers import make_password
    values["hashed"] = make_password("pw").split("$")[0]
print({MARKER!r} + json.dumps(values, default=str))
"""


def start(tmp_path: Path, *, setup: bool = False, **env: str) -> subprocess.CompletedProcess:
    """Loads the settings (and with ``setup``, all of Django) with only ``env`` set."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(BASE_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "rubysound.settings",
        "RUBYSOUND_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE, "setup" if setup else "settings"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(tmp_path: Path, *, setup: bool = False, **env: str) -> dict:
    result = start(tmp_path, setup=setup, **env)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith(MARKER)]
    return json.loads(line[len(MARKER) :])


def refused(tmp_path: Path, *names: str, **env: str) -> str:
    """Start-up fails with ImproperlyConfigured, and the message names every ``names``."""
    result = start(tmp_path, **env)
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    for name in names:
        assert name in last_line
    return last_line


PRODUCTION = {
    "RUBYSOUND_PROFILE": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "rubysound.example",
}


# --- Embedded defaults ----------------------------------------------------------------


def test_embedded_defaults_need_no_configuration(tmp_path):
    values = loaded(tmp_path, setup=True)
    assert values["PROFILE"] == "embedded"
    assert values["DEBUG"] is False
    database = values["DATABASES"]["default"]
    assert "sqlite3" in database["ENGINE"]
    assert database["NAME"] == str(tmp_path / "var" / "rubysound.sqlite3")
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == (
        "channels.layers.InMemoryChannelLayer"
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False


def test_passwords_are_hashed_with_argon2(tmp_path):
    values = loaded(tmp_path, setup=True)
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["hashed"] == "argon2"


def test_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    assert not key_file.exists()

    first = loaded(tmp_path)["SECRET_KEY"]
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first
    assert len(first) >= 50

    # A restart reuses it, so sessions and tokens survive.
    assert loaded(tmp_path)["SECRET_KEY"] == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    # Another install gets its own key.
    other = tmp_path / "other"
    other.mkdir()
    assert loaded(other)["SECRET_KEY"] != first


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path):
    values = loaded(tmp_path, SECRET_KEY="operator-chosen-key-" + "x" * 40)
    assert values["SECRET_KEY"] == "operator-chosen-key-" + "x" * 40
    assert not (tmp_path / "var" / "secret_key").exists()


# --- Production profile ---------------------------------------------------------------


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    refused(tmp_path, "SECRET_KEY", **env)
    # It must not fall back to generating one either.
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_refuses_a_blank_secret_key(tmp_path):
    refused(tmp_path, "SECRET_KEY", **{**PRODUCTION, "SECRET_KEY": "   "})


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    env = {**PRODUCTION}
    del env["ALLOWED_HOSTS"]
    refused(tmp_path, "ALLOWED_HOSTS", **env)


def test_production_refuses_debug(tmp_path):
    refused(tmp_path, "DEBUG", **{**PRODUCTION, "DEBUG": "true"})


def test_production_turns_on_the_security_settings(tmp_path):
    values = loaded(tmp_path, setup=True, **PRODUCTION)
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["rubysound.example"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert values["SECURE_SSL_REDIRECT"] is True
    # Probes and scrapes inside the cluster speak plain HTTP.
    assert any("health" in pattern for pattern in values["SECURE_REDIRECT_EXEMPT"])
    assert any("metrics" in pattern for pattern in values["SECURE_REDIRECT_EXEMPT"])
    # Without a trusted proxy, a client could claim HTTPS with a header of its own.
    assert values["TRUSTED_PROXY_COUNT"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_production_behind_a_proxy_trusts_its_forwarded_proto(tmp_path):
    values = loaded(tmp_path, setup=True, **PRODUCTION, TRUSTED_PROXY_COUNT="1")
    assert values["TRUSTED_PROXY_COUNT"] == 1
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- Malformed values fail clearly ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("THROTTLE_ENABLED", "2"),
        ("PORT", "eighty"),
        ("MAX_REQUEST_BODY_BYTES", "12MB"),
    ],
)
def test_malformed_values_fail_naming_the_variable(tmp_path, name, value):
    message = refused(tmp_path, name, **{name: value})
    assert repr(value) in message


def test_a_negative_proxy_count_is_refused(tmp_path):
    refused(tmp_path, "TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="-1")


def test_an_unknown_profile_is_refused(tmp_path):
    refused(tmp_path, "RUBYSOUND_PROFILE", RUBYSOUND_PROFILE="staging")


def test_booleans_and_integers_accept_the_usual_spellings(tmp_path):
    values = loaded(tmp_path, DEBUG=" Yes ", PORT=" 8080 ", TRUSTED_PROXY_COUNT="")
    assert values["DEBUG"] is True
    assert values["PORT"] == 8080
    assert values["TRUSTED_PROXY_COUNT"] == 0
    assert loaded(tmp_path, DEBUG="off")["DEBUG"] is False


# --- Backends selected by URL ---------------------------------------------------------


def test_database_url_selects_postgresql_with_a_pool(tmp_path):
    values = loaded(
        tmp_path, DATABASE_URL="postgres://music:pw@db.example:5433/rubysound", DB_POOL_MAX_SIZE="7"
    )
    database = values["DATABASES"]["default"]
    assert database["ENGINE"].endswith("postgresql")
    assert database["NAME"] == "rubysound"
    assert database["HOST"] == "db.example"
    assert int(database["PORT"]) == 5433
    pool = database["OPTIONS"]["pool"]
    assert pool["max_size"] == 7
    assert pool["min_size"] >= 1
    # Django refuses persistent connections together with a pool.
    assert database["CONN_MAX_AGE"] == 0
    # No SQLite file was created for a PostgreSQL install.
    assert not (tmp_path / "var" / "rubysound.sqlite3").exists()


def test_database_pool_can_be_turned_off_for_persistent_connections(tmp_path):
    values = loaded(tmp_path, DATABASE_URL="postgresql://m:p@db/rs", DB_POOL="false")
    database = values["DATABASES"]["default"]
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] > 0


def test_an_unsupported_database_is_refused(tmp_path):
    refused(tmp_path, "DATABASE_URL", DATABASE_URL="mysql://u:p@db/rubysound")


def test_redis_url_selects_redis_for_cache_and_channel_layer(tmp_path):
    url = "redis://cache.example:6379/2"
    values = loaded(tmp_path, REDIS_URL=url)
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "rubysound.core.cache.InstrumentedRedisCache"
    assert cache["LOCATION"] == url
    layer = values["CHANNEL_LAYERS"]["default"]
    # channels-redis's layer, passing over Redis when it fails (rubysound.core.channel_layer).
    assert layer["BACKEND"] == "rubysound.core.channel_layer.RedisChannelLayer"
    [host] = layer["CONFIG"]["hosts"]
    assert host["address"] == url
    # Longer than channels_redis's 5 s blocking read (tests/social/test_two_servers.py).
    assert host["socket_timeout"] > 5


def test_redis_calls_wait_a_moment_not_redis_pys_five_seconds(tmp_path):
    values = loaded(
        tmp_path, REDIS_URL="redis://cache.example:6379/2", REDIS_SOCKET_TIMEOUT_MS="300"
    )
    assert values["CACHES"]["default"]["OPTIONS"] == {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.3,
    }
    config = values["CHANNEL_LAYERS"]["default"]["CONFIG"]
    assert config["command_timeout"] == 0.3
    assert config["hosts"][0]["socket_connect_timeout"] == 0.5
    refused(tmp_path, "REDIS_SOCKET_TIMEOUT_MS", REDIS_SOCKET_TIMEOUT_MS="0")
    refused(tmp_path, "REDIS_RETRY_AFTER_MS", REDIS_RETRY_AFTER_MS="-1")


def test_sessions_do_not_depend_on_redis(tmp_path):
    values = loaded(tmp_path, REDIS_URL="redis://cache.example:6379/2")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_postgresql_connections_are_checked_before_use_pooled_or_not(tmp_path):
    for pool in ("true", "false"):
        values = loaded(tmp_path, DATABASE_URL="postgresql://m:p@db/rs", DB_POOL=pool)
        assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True


def test_package_version_matches_pyproject():
    import tomllib
    from pathlib import Path

    import rubysound

    pyproject = tomllib.loads(
        (Path(rubysound.__file__).parent.parent / "pyproject.toml").read_text()
    )
    assert rubysound.__version__ == pyproject["project"]["version"]
