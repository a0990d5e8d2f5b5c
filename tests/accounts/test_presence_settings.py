"""The presence settings as an operator sets them: environment only, checked at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)
PROBE = (
    "import json; from django.conf import settings; print(json.dumps(["
    "settings.PRESENCE_HEARTBEAT_SECONDS, settings.PRESENCE_TTL_SECONDS, "
    "settings.PRESENCE_MAX_WATCHES]))"
)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "rubysound.settings",
        "RUBYSOUND_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "presence-settings-test",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_defaults_expire_an_entry_after_three_missed_heartbeats(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [20, 60, 50]


def test_the_ttl_follows_a_configured_heartbeat_unless_set_itself(tmp_path):
    result = load_settings(tmp_path, PRESENCE_HEARTBEAT_SECONDS="10", PRESENCE_MAX_WATCHES="5")
    assert json.loads(result.stdout) == [10, 30, 5]
    result = load_settings(tmp_path, PRESENCE_HEARTBEAT_SECONDS="10", PRESENCE_TTL_SECONDS="45")
    assert json.loads(result.stdout) == [10, 45, 50]


@pytest.mark.parametrize(
    "env",
    [
        {"PRESENCE_HEARTBEAT_SECONDS": "30", "PRESENCE_TTL_SECONDS": "30"},
        {"PRESENCE_HEARTBEAT_SECONDS": "0"},
        {"PRESENCE_MAX_WATCHES": "0"},
        {"PRESENCE_TTL_SECONDS": "a minute"},
    ],
)
def test_settings_that_would_break_presence_refuse_to_start(tmp_path, env):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PRESENCE_" in result.stderr
