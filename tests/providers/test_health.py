"""Providers in /health/ready: informational, never failing readiness, never on the network."""

import pytest

from rubysound.providers.breaker import breaker_for
from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.health import LIBRARY_ONLY

SERVICES = ("lastfm", "itunes", "deezer", "theaudiodb", "musicbrainz", "wikipedia", "apple")
KEY = "f00dfacecafe1234"


@pytest.fixture
def lastfm_on(enable_services):
    enable_services("lastfm", "itunes", api_key=KEY)


def _ready(client) -> dict:
    # respx_mock (in the tests) refuses any real request: the checks must not make one.
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_without_keys_ready_says_the_platform_runs_on_its_library(client, respx_mock):
    body = _ready(client)
    assert body["status"] == "ok"
    summary = body["checks"]["providers"]
    assert summary == {**summary, "ok": True, "critical": False, "detail": LIBRARY_ONLY}
    for service in SERVICES:
        check = body["checks"][f"provider_{service}"]
        assert check["ok"] is True
        assert check["critical"] is False
        assert check["detail"] == "disabled"
        assert f"provider_{service}" not in body["critical_checks"]
    assert not respx_mock.calls


@pytest.mark.django_db
def test_configured_services_are_listed_with_their_circuit(client, lastfm_on, respx_mock):
    body = _ready(client)
    assert body["checks"]["providers"]["detail"] == "2 of 7 configured: lastfm, itunes"
    assert body["checks"]["provider_lastfm"]["detail"] == "configured; circuit closed; no errors"
    assert body["checks"]["provider_deezer"]["detail"] == "disabled"
    assert KEY.encode() not in client.get("/health/ready").content
    assert not respx_mock.calls


@pytest.mark.django_db
def test_an_open_circuit_is_reported_without_failing_readiness(client, lastfm_on, settings):
    settings.PROVIDERS_BREAKER_FAILURES = 2
    breaker = breaker_for("lastfm")
    for _ in range(2):
        breaker.record_failure(ProviderError("lastfm", ErrorKind.TIMEOUT))
    body = _ready(client)
    assert body["status"] == "ok"
    detail = body["checks"]["provider_lastfm"]["detail"]
    assert detail.startswith("configured; circuit open for ")
    assert "last error " in detail
    assert detail.endswith(" ago (timeout)")
    assert body["checks"]["provider_itunes"]["detail"] == "configured; circuit closed; no errors"


@pytest.mark.django_db
def test_a_recovered_service_still_shows_its_last_error(client, lastfm_on):
    breaker = breaker_for("lastfm")
    breaker.record_failure(ProviderError("lastfm", ErrorKind.UNAVAILABLE))
    breaker.record_success()
    detail = _ready(client)["checks"]["provider_lastfm"]["detail"]
    assert detail.startswith("configured; circuit closed; last error ")
    assert detail.endswith("(unavailable)")
