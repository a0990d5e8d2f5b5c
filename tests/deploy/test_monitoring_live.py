"""Debian's Prometheus with the shipped configuration and rules, scraping a live RubySound
that serves some traffic (public pages from the edge cache, searches that call providers
which answer 503, readiness probes), after a backup was made and verified. Every dashboard
query returns data through Prometheus's HTTP API, and the rules evaluate without error."""

import contextlib
import http.server
import io
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.deploy.monitoring import (
    RULES_FILE,
    alert_rules,
    copy_prometheus_dir,
    dashboard_queries,
    metric_names,
    prometheus_tool,
)
from tests.servers import serve

# The server runs on the test database, which pytest-django sets up for marked tests only.
pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "live-scrape-token-0123456789"
# Short, so that the test is over in seconds; not shorter, as a scrape may take a second on
# a busy machine (a scrape slower than its interval fails).
SCRAPE_SECONDS = 2
# Added by the scrobbling outbox work (another branch); until it lands /metrics has no such
# series and its panels have nothing to show.


# Timed in the Redis cache client: the embedded local-memory cache has no such series.
REDIS_CACHE = {"rubysound_cache_call_seconds_bucket"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _UnavailableService(http.server.BaseHTTPRequestHandler):
    """Every external music service at once, all of them down."""

    def do_GET(self):
        body = b'{"error": "unavailable"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _unavailable_providers():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _UnavailableService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _provider_environment(base_url: str) -> dict:
    env = {
        "PROVIDERS_ENABLED": "true",
        "LASTFM_API_KEY": "live-test-lastfm-key",
        "THEAUDIODB_API_KEY": "live-test-audiodb-key",
        "PROVIDERS_RETRY_ATTEMPTS": "1",
        "PROVIDERS_BREAKER_FAILURES": "2",
        "PROVIDERS_BREAKER_RESET_MS": "1000",
    }
    for name in settings.PROVIDERS:
        env[f"{name.upper()}_BASE_URL"] = base_url
    return env


@contextlib.contextmanager
def _prometheus(folder: Path, target: str):
    """Prometheus on a free port with the shipped single-host configuration, aimed at
    target, scraping and evaluating every second."""
    prometheus = prometheus_tool("prometheus")
    config_dir = copy_prometheus_dir(folder / "prometheus", TOKEN)
    config_path = config_dir / "prometheus-single-host.yml"
    config = yaml.safe_load(config_path.read_text())
    config["global"] = {
        "scrape_interval": f"{SCRAPE_SECONDS}s",
        "evaluation_interval": f"{SCRAPE_SECONDS}s",
    }
    (job,) = config["scrape_configs"]
    job["static_configs"] = [{"targets": [target]}]
    config_path.write_text(yaml.safe_dump(config))
    port = _free_port()
    log = (folder / "prometheus.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - Debian's prometheus, our arguments
        [
            prometheus,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (folder / "prometheus.log").read_text()[-4000:]
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "Prometheus was not ready within 60 s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _query(prometheus_url: str, expr: str, at: float | None = None) -> list[dict]:
    params = {"query": expr, **({"time": at} if at is not None else {})}
    response = httpx.get(f"{prometheus_url}/api/v1/query", params=params, timeout=10)
    body = response.json()
    assert response.status_code == 200, (expr, body)
    assert body["status"] == "success", (expr, body)
    return body["data"]["result"]


def _last_good_scrape(prometheus_url: str, after: float, scrapes: int) -> float:
    """Waits for that many successful scrapes after ``after``; returns the time of the last
    one, at which every query is then evaluated (a later scrape may fail on a busy machine
    and leave the series stale for a moment)."""
    deadline = time.monotonic() + 60
    while True:
        window = int(time.time() - after) + 5 * SCRAPE_SECONDS
        result = _query(prometheus_url, f'up{{job="rubysound"}}[{window}s]')
        good = [
            float(at)
            for series in result
            for at, value in series["values"]
            if value == "1" and float(at) > after
        ]
        if len(good) >= scrapes:
            return max(good)
        assert time.monotonic() < deadline, f"fewer than {scrapes} good scrapes: {result}"
        time.sleep(0.5)


def _traffic(base_url: str, phase: int) -> None:
    """A mix without 404s or 500s; every answer is checked. Searches differ from phase to
    phase, so that each reaches the providers instead of a cache."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for round_number in range(4):
            for path in (
                "/api/schema/",  # public: the edge cache answers after the first
                f"/music_api/search/?q=song{phase}x{round_number}",  # providers, all down
                "/health/ready",
                "/health/live",
            ):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, tmp_path_factory):
    """A backup made and verified, a server, Prometheus scraping it, traffic; yields the
    server's /metrics text, Prometheus's URL and the time to evaluate queries at."""
    prometheus_tool("promtool")
    prometheus_tool("prometheus")
    folder = tmp_path_factory.mktemp("monitoring-live")
    backup_dir = folder / "backups"
    with django_db_blocker.unblock(), override_settings(BACKUP_DIR=backup_dir):
        call_command("backup", "create", stdout=io.StringIO())
        call_command("backup", "verify", "--latest", stdout=io.StringIO())
    with _unavailable_providers() as providers_url:
        env = {
            **_provider_environment(providers_url),
            "METRICS_TOKEN": TOKEN,
            "BACKUP_DIR": str(backup_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "multiproc"),
        }
        (folder / "multiproc").mkdir()
        with serve(env=env) as base_url, _prometheus(folder, base_url.split("//")[1]) as url:
            # A series appears with its first value, and rate() sees only what changes after
            # that: traffic, a scrape, traffic again (the circuits half-open by then), two
            # scrapes.
            _traffic(base_url, phase=1)
            _last_good_scrape(url, after=time.time(), scrapes=1)
            _traffic(base_url, phase=2)
            at = _last_good_scrape(url, after=time.time(), scrapes=2)
            metrics = httpx.get(
                f"{base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
            ).text
            yield metrics, url, at


def _has_a_number(result: list[dict]) -> bool:
    return any(sample["value"][1] not in {"NaN", "+Inf", "-Inf"} for sample in result)


def test_every_dashboard_query_returns_data(live):
    _, prometheus_url, at = live
    empty = []
    for title, expr in dashboard_queries():
        if metric_names(expr) <= REDIS_CACHE and not settings.REDIS_URL:
            continue
        if not _has_a_number(_query(prometheus_url, expr, at)):
            empty.append(f"{title}: {expr}")
    assert not empty, "no data:\n" + "\n".join(empty)


def test_the_rules_load_and_evaluate_on_live_series_without_errors(live):
    _, prometheus_url, _ = live
    body = httpx.get(f"{prometheus_url}/api/v1/rules", timeout=10).json()
    loaded = [rule for group in body["data"]["groups"] for rule in group["rules"]]
    assert {rule["name"] for rule in loaded} == {rule["alert"] for rule in alert_rules()}
    assert {Path(group["file"]).name for group in body["data"]["groups"]} == {RULES_FILE.name}
    for rule in loaded:
        assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))


def test_on_the_live_server_only_the_circuit_alerts_condition_holds(live):
    """Evaluated now, without their `for:`: a verified backup, no 5xx, fast answers, ready;
    only the providers, all answering 503, have their circuits open."""
    _, prometheus_url, at = live
    results = {rule["alert"]: _query(prometheus_url, rule["expr"], at) for rule in alert_rules()}
    holding = {alert: result for alert, result in results.items() if result}
    assert set(holding) == {"RubySoundProviderCircuitOpen"}, holding
    services = {sample["metric"]["service"] for sample in holding["RubySoundProviderCircuitOpen"]}
    assert services, holding
    assert services <= set(settings.PROVIDERS)
