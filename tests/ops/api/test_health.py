"""Liveness and readiness as Kubernetes, a load balancer and an operator see them."""

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from rubysound.core import health
from rubysound.core.health import register_check
from tests.factories import UserFactory

SECRET = "password=hunter2 host=db.internal"
CORE_CHECKS = {"database", "cache", "channel_layer"}


@pytest.fixture
def add_check():
    """Registers extra checks for one test and leaves the registry as it found it."""
    added: list[str] = []

    def add(name: str, run, *, critical: bool) -> str:
        assert name not in health._registry
        register_check(name, run, critical=critical)
        added.append(name)
        return name

    yield add
    for name in added:
        health._registry.pop(name, None)


async def _broken() -> str:
    raise RuntimeError(SECRET)


HANG_SECONDS = 30


async def _hangs() -> str:
    await asyncio.sleep(HANG_SECONDS)
    return "never"


@pytest.fixture
def broken_critical(add_check):
    return add_check("test_broken_store", _broken, critical=True)


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


# --- /health/live ---------------------------------------------------------------------


def test_live_has_the_exact_documented_body(client):
    # No db fixture: the check would fail if liveness touched the database.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "service": "rubysound", "check": "live"}
    assert "no-cache" in response["Cache-Control"]


def test_live_stays_up_while_a_dependency_is_down(client, broken_critical):
    assert client.get("/health/live").status_code == 200


# --- /health/ready --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health/ready", "/health/"])
def test_ready_reports_every_core_dependency(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["check"] == "ready"
    assert set(body["critical_checks"]) >= CORE_CHECKS
    for name in CORE_CHECKS:
        check = body["checks"][name]
        assert check["ok"] is True, check
        assert isinstance(check["detail"], str)
        assert check["detail"]
        assert check["critical"] is True
    # Every critical check listed is reported.
    assert set(body["critical_checks"]) <= set(body["checks"])


@pytest.mark.django_db
def test_a_failing_critical_check_makes_ready_503(client, broken_critical):
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert broken_critical in body["critical_checks"]
    assert body["checks"][broken_critical]["ok"] is False
    # The healthy ones are still reported as healthy.
    assert all(body["checks"][name]["ok"] for name in CORE_CHECKS)
    assert client.get("/health/").status_code == 503


@pytest.mark.django_db
def test_anonymous_callers_never_see_exception_text(client, broken_critical):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert b"hunter2" not in response.content
    assert b"RuntimeError" not in response.content
    assert response.json()["checks"][broken_critical]["detail"] == "unavailable"


@pytest.mark.django_db
def test_signed_in_non_staff_users_do_not_see_it_either(client, broken_critical):
    client.force_login(UserFactory())
    response = client.get("/health/ready")
    assert b"hunter2" not in response.content


@pytest.mark.django_db
def test_staff_see_what_went_wrong(staff_client, broken_critical):
    response = staff_client.get("/health/ready")
    assert response.status_code == 503
    detail = response.json()["checks"][broken_critical]["detail"]
    assert "RuntimeError" in detail
    assert SECRET in detail


@pytest.mark.django_db
def test_a_failing_informational_check_leaves_ready_200(client, add_check):
    name = add_check("test_provider_lastfm", _broken, critical=False)
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert name not in body["critical_checks"]
    assert body["checks"][name]["ok"] is False
    assert body["checks"][name]["critical"] is False
    assert b"hunter2" not in response.content


@pytest.mark.django_db
def test_a_hanging_check_times_out_instead_of_hanging_the_probe(client, add_check, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.05)
    name = add_check("test_hanging_store", _hangs, critical=True)
    response = client.get("/health/ready")
    assert response.status_code == 503
    check = response.json()["checks"][name]
    assert check["ok"] is False
    assert check["detail"] == "timed out"
    # Cut at the check's timeout: far from the hang's end (no closer bound: two busy cores).
    assert check["latency_ms"] < HANG_SECONDS * 1000 / 2


@pytest.mark.django_db
def test_a_passing_extra_check_is_reported_with_its_detail(client, add_check):
    async def fine() -> str:
        return "3 providers configured"

    name = add_check("test_providers", fine, critical=False)
    body = client.get("/health/ready").json()
    assert body["checks"][name]["ok"] is True
    assert body["checks"][name]["detail"] == "3 providers configured"


# --- Through the deployed ASGI application (uvicorn's path, async middleware) ----------


async def _asgi_request(
    path: str, method: str = "GET", host: bytes = b"testserver"
) -> tuple[int, dict[bytes, bytes], bytes]:
    from rubysound.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host)],
        "client": ("10.1.2.3", 40000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=5)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=5)
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body


async def _asgi_get(path: str) -> tuple[int, dict]:
    status, _, body = await _asgi_request(path)
    return status, json.loads(body)


@pytest.mark.django_db(transaction=True)
async def test_ready_through_the_asgi_application():
    status, body = await _asgi_get("/health/ready")
    assert status == 200, body
    assert all(body["checks"][name]["ok"] for name in CORE_CHECKS), body


async def test_live_through_the_asgi_application():
    assert await _asgi_get("/health/live") == (
        200,
        {"status": "ok", "service": "rubysound", "check": "live"},
    )


async def test_live_answers_a_probe_addressing_the_pod_by_its_ip():
    # Kubernetes' httpGet probe sends the pod's IP as Host, which ALLOWED_HOSTS need not
    # list: liveness is answered before Django would refuse that host with a 400.
    status, headers, body = await _asgi_request("/health/live", host=b"10.244.0.17:8000")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "service": "rubysound", "check": "live"}
    assert b"no-store" in headers[b"cache-control"]
    assert headers[b"content-type"] == b"application/json"


async def test_live_answers_head_without_a_body():
    status, headers, body = await _asgi_request("/health/live", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers[b"content-length"]) > 0


@pytest.mark.django_db(transaction=True)
async def test_live_refuses_writes_like_every_read_only_route():
    status, headers, _ = await _asgi_request("/health/live", method="POST")
    assert status == 405
    assert headers[b"allow"] == b"GET, HEAD"


@pytest.mark.django_db(transaction=True)
async def test_ready_still_goes_through_django_and_its_host_check():
    status, _, _ = await _asgi_request("/health/ready", host=b"10.244.0.17:8000")
    assert status == 400
