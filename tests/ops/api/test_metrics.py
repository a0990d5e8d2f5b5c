"""``/metrics`` as Prometheus scrapes it."""

import re

import pytest

# The deployed entry point: importing it wires the WebSocket routes (and their metrics) the
# way uvicorn does; the test client alone only loads the HTTP side.
import rubysound.asgi  # noqa: F401
from rubysound.catalog.models import Track
from tests.factories import TrackFactory

TOKEN = "scrape-token-0123456789abcdef"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( \d+)?$")


def _series(text: str) -> dict[str, list[str]]:
    """Metric name -> label sets, checking every line is valid exposition format."""
    series: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not Prometheus text format: {line!r}"
        float(match.group(3))
        series.setdefault(match.group(1), []).append(match.group(2) or "")
    return series


@pytest.mark.django_db
def test_metrics_expose_requests_by_view_and_status(client):
    assert client.get("/health/live").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    series = _series(text)

    by_view = series["django_http_requests_total_by_view_transport_method_total"]
    assert any('view="health-live"' in labels for labels in by_view)
    by_status = series["django_http_responses_total_by_status_view_method_total"]
    assert any('status="200"' in labels and 'view="health-live"' in labels for labels in by_status)
    assert any(
        name.startswith("django_http_requests_latency_seconds_by_view_method") for name in series
    )


@pytest.mark.django_db
def test_metrics_declare_database_cache_and_websocket_series(client):
    client.get("/health/ready")
    text = client.get("/metrics").content.decode()
    assert "# HELP django_db_execute_total" in text
    assert "# HELP django_cache_get_total" in text
    assert "# TYPE rubysound_websocket_connections gauge" in text


@pytest.mark.django_db
def test_the_websocket_gauge_has_a_series_per_route_before_any_connection(client):
    series = _series(client.get("/metrics").content.decode())
    routes = series["rubysound_websocket_connections"]
    assert any('route="notifications"' in labels for labels in routes)


def test_metrics_are_open_without_a_configured_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        TOKEN,
        "Bearer caf\u00e9",  # non-ASCII must be a plain 401, not a crash
    ],
)
def test_a_configured_token_is_required(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "A valid metrics token is required.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"django_http" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}"])
def test_the_right_bearer_token_gets_the_metrics(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 200
    assert b"rubysound_websocket_connections" in response.content


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} missing from /metrics"
    return float(match.group(1))


@pytest.mark.django_db
def test_the_readiness_gauge_says_what_the_last_probe_answered(client, monkeypatch):
    from rubysound.core import shutdown

    assert client.get("/health/ready").status_code == 200
    assert _value(client.get("/metrics").content.decode(), "rubysound_ready") == 1
    monkeypatch.setattr(shutdown, "is_draining", lambda: True)
    assert client.get("/health/ready").status_code == 503
    assert _value(client.get("/metrics").content.decode(), "rubysound_ready") == 0


@pytest.mark.django_db
def test_the_library_gauges_count_library_tracks_only(client):
    text = client.get("/metrics").content.decode()
    assert _value(text, "rubysound_library_tracks") == 0
    assert _value(text, "rubysound_library_last_added_timestamp_seconds") == 0
    TrackFactory(size=1000)
    TrackFactory(size=2500)
    TrackFactory(source=Track.Source.REMOTE, size=None, path="", library_root="")
    text = client.get("/metrics").content.decode()
    assert _value(text, "rubysound_library_tracks") == 2
    assert _value(text, "rubysound_library_size_bytes") == 3500
    newest = Track.objects.filter(source=Track.Source.LIBRARY).latest("created_at")
    assert _value(text, "rubysound_library_last_added_timestamp_seconds") == pytest.approx(
        newest.created_at.timestamp()
    )
