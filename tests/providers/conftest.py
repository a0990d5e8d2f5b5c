"""Shared helpers for the provider tests (and the catalog tests that replay providers):
recorded responses on disk, switching services on, and a respx router that refuses any
request it has no route for."""

import functools
import http.server
import json
import threading
from pathlib import Path

import httpx
import pytest
import respx

from rubysound.providers.breaker import reset_breakers
from rubysound.providers.limits import reset_limits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"
# The services that are off without an API key.
KEYED = {"lastfm", "theaudiodb"}
TEST_KEY = "test-key"
JSON = "application/json; charset=utf-8"


def recording(service: str, name: str) -> bytes:
    """The bytes of one recorded response, exactly as the service sent them."""
    return (FIXTURES / service / name).read_bytes()


def recorded(
    service: str, name: str, status: int = 200, content_type: str | None = None
) -> httpx.Response:
    """One recorded response as an answer: a recorded error page served as HTML, anything
    else as JSON, unless ``content_type`` names what the service really sends."""
    if content_type is None:
        content_type = "text/html" if name.endswith(".html") else JSON
    return httpx.Response(
        status, content=recording(service, name), headers={"Content-Type": content_type}
    )


def switch_on(settings, *services: str, api_key: str = TEST_KEY) -> None:
    """Turns ``services`` on (with ``api_key`` where a service needs one) and every other
    service off, each with a closed circuit and free rate-limit slots."""
    reset_breakers()
    reset_limits()
    settings.PROVIDERS_ENABLED = bool(services)
    settings.PROVIDERS = {
        name: {
            **options,
            "enabled": name in services,
            "api_key": api_key if name in KEYED and name in services else "",
        }
        for name, options in settings.PROVIDERS.items()
    }


@pytest.fixture
def load_recording():
    return recording


@pytest.fixture
def enable_services(settings):
    """``enable_services("lastfm", "itunes")``: see ``switch_on``; with no name, every
    service is off."""
    yield functools.partial(switch_on, settings)
    reset_breakers()
    reset_limits()


@pytest.fixture
def upstream():
    """The services as recorded: every request must match a route, and none is made unasked."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture(autouse=True)
def _fresh_provider_state():
    """Circuit breakers and rate limiters are per process: each test starts with closed
    circuits and free slots, whatever the previous test did to a service."""
    reset_breakers()
    reset_limits()
    yield
    reset_breakers()
    reset_limits()


class _ListenBrainzLike(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        body = json.dumps(
            {"code": 200, "message": "Token valid.", "valid": True, "user_name": "me"}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    """A server on 127.0.0.1 that answers every GET as ListenBrainz's validate-token does
    for a valid token (user "me"); ``.paths`` are the requests it got. For the tests of
    the network guard, which respx would bypass."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ListenBrainzLike)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
