"""Settings of the servers the tests start (see ``tests/servers.py``).

The project's own settings, read from the environment as in production, then the few values
the pytest process holds that a server must share with it: the test database's name, the
secret key (tokens minted in a test must verify on the server), the password hashers (the
tests hash with a fast one) and the media and library folders the test writes into. They
arrive as JSON in ``RUBYSOUND_TEST_SERVER_SETTINGS``; paths are marked ``{"__path__": ...}``.
"""

import json
import os
from pathlib import Path

from rubysound.settings import *  # noqa: F403
from rubysound.settings import DATABASES


def _decoded(value):
    if isinstance(value, dict) and set(value) == {"__path__"}:
        return Path(value["__path__"])
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    return value


_shared = json.loads(os.environ.get("RUBYSOUND_TEST_SERVER_SETTINGS", "{}"))
_database_name = _shared.pop("DATABASE_NAME", None)
if _database_name:
    DATABASES["default"]["NAME"] = _database_name
globals().update({name: _decoded(value) for name, value in _shared.items()})
