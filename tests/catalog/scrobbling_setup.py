"""Last.fm and ListenBrainz as the scrobbling link tests meet them: Last.fm switched on with
an application key and secret, and routes replaying their recorded answers to the
``upstream`` router (``tests/providers/conftest.py``), which refuses anything unasked."""

import pytest

from tests.providers import conftest as provider_fixtures
from tests.providers.conftest import recorded

# The fixtures, for the test modules to name (``upstream = scrobbling_setup.upstream``).
enable_services = provider_fixtures.enable_services
upstream = provider_fixtures.upstream
loopback_server = provider_fixtures.loopback_server

LASTFM_URL = "https://ws.audioscrobbler.com/2.0/"
LASTFM_KEY = "recorded-lastfm-key"
LASTFM_SECRET = "recorded-lastfm-secret"
LASTFM_TOKEN = "0b5c6f3e9d2a4b7c8e1f0a3d5c7b9e2f"
LASTFM_SESSION_KEY = "d580d57f32848f5dcf574d1ce18d78b2"
LISTENBRAINZ_URL = "https://api.listenbrainz.org"
LISTENBRAINZ_TOKEN = "8f2c1e0d-3b4a-4c5d-9e6f-7a8b9c0d1e2f"


@pytest.fixture
def lastfm_app(enable_services, settings):
    """Last.fm on, with the application key and secret that let users link accounts."""
    enable_services("lastfm", api_key=LASTFM_KEY)
    settings.PROVIDERS["lastfm"]["api_secret"] = LASTFM_SECRET
    settings.LASTFM_AUTH_URL = "https://www.last.fm/api/auth/"


def route_lastfm(router, method: str, name: str, status: int = 200):
    return router.get(LASTFM_URL, params={"method": method}).mock(
        return_value=recorded("lastfm", name, status)
    )


def route_validate_token(router, name: str, status: int = 200, *, base=LISTENBRAINZ_URL):
    return router.get(f"{base}/1/validate-token").mock(
        return_value=recorded("listenbrainz", name, status)
    )
