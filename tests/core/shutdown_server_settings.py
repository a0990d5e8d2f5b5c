"""A test server (tests/servers.py settings) that also answers the slow route of shutdown_urls."""

from tests.server_settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.shutdown_urls"
