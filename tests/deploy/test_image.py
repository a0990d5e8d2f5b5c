"""The image, built and run with podman as Kubernetes would run it: uid 10001, read-only root
filesystem, against this machine's PostgreSQL and Redis; migrations and backups inside it;
SIGTERM under load without a failed request. Figures go to var/deploy/smoke.json.

Needs PostgreSQL and Redis (the CI's first phase) and podman (make test installs it)."""

import contextlib
import json
import secrets
import socket
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.deploy import podman
from tests.deploy.conftest import ROOT, require_podman

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not settings.REDIS_URL or "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the image smoke test runs against PostgreSQL and Redis: set DATABASE_URL and "
        "REDIS_URL (CI's first phase does)",
    ),
]

TAG = podman.APP_IMAGE
FIGURES = ROOT / "var" / "deploy" / "smoke.json"
GRACE_SECONDS = 30
figures: dict = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _record(**values) -> None:
    figures.update(values)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"deploy smoke: {values}")


@pytest.fixture(scope="module")
def image() -> str:
    require_podman()
    seconds = podman.build_app_image()
    size = int(podman.podman("image", "inspect", "--format", "{{.Size}}", TAG).stdout)
    _record(build_seconds=round(seconds, 1), image_bytes=size)
    _record(image_mib=round(size / 2**20))
    return TAG


@pytest.fixture(scope="module")
def database_url():
    """A database of its own on the machine's PostgreSQL, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"rs_smoke_{secrets.token_hex(4)}"
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    yield f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Container:
    def __init__(self, image: str, database_url: str, folder: Path, **env):
        self.name = f"rs-smoke-{secrets.token_hex(4)}"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.prefix = f"rs-smoke-{secrets.token_hex(4)}"
        for sub in ("data", "backups"):
            (folder / sub).mkdir(exist_ok=True)
            (folder / sub).chmod(0o777)
        environment = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": self.prefix,
            "PORT": str(self.port),
            "SECURE_SSL_REDIRECT": "false",
            "BACKUP_DIR": "/backups",
            "ACCESS_LOG": "false",
            **env,
        }
        args = ["run", "-d", "--name", self.name, "--network", "host", "--read-only"]
        args += ["--user", "10001:10001", "--tmpfs", "/tmp"]  # noqa: S108 - the pod's emptyDir
        args += ["-v", f"{folder / 'data'}:/data", "-v", f"{folder / 'backups'}:/backups"]
        for key, value in environment.items():
            args += ["-e", f"{key}={value}"]
        podman.podman(*args, image)

    def exec(self, *command: str):
        return podman.podman("exec", self.name, *command, check=False, timeout=300)

    def logs(self) -> str:
        result = podman.podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def wait_until_ready(self, timeout: float = 60) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                response = httpx.get(f"{self.base_url}/health/ready", timeout=3)
                if response.status_code == 200:
                    return response
            time.sleep(0.25)
        pytest.fail(f"not ready within {timeout} s:\n{self.logs()[-4000:]}")

    def remove(self) -> None:
        output = self.logs()
        podman.podman("rm", "-f", "-t", "2", self.name, check=False)
        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        print(f"--- container {self.name} ---\n{output[-6000:]}")


@pytest.fixture(scope="module")
def container(image, database_url, tmp_path_factory):
    running = Container(image, database_url, tmp_path_factory.mktemp("smoke"))
    try:
        started = time.monotonic()
        running.wait_until_ready()
        _record(seconds_to_ready=round(time.monotonic() - started, 1))
        yield running
    finally:
        running.remove()


def test_it_runs_as_uid_10001_on_a_read_only_root(container):
    assert container.exec("id", "-u").stdout.strip() == "10001"
    refused = container.exec("touch", "/app/written")
    assert refused.returncode != 0
    assert "Read-only file system" in refused.stderr
    assert container.exec("touch", "/tmp/written").returncode == 0  # noqa: S108
    config = json.loads(podman.podman("image", "inspect", TAG).stdout)[0]["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["python", "-m", "rubysound.core.server"]


def test_readiness_answers_from_the_machines_postgres_and_redis(container):
    body = container.wait_until_ready().json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["cache"]["detail"] == "InstrumentedRedisCache"
    assert body["checks"]["channel_layer"]["detail"] == "RedisChannelLayer"


def test_the_image_health_check_passes(container):
    details = json.loads(podman.podman("image", "inspect", TAG).stdout)[0]
    healthcheck = details.get("Healthcheck") or details["Config"]["Healthcheck"]
    assert "/health/live" in " ".join(healthcheck["Test"])
    assert podman.podman("healthcheck", "run", container.name, check=False).returncode == 0


def test_migrations_and_backups_run_inside_the_image(container):
    migrate = container.exec("python", "manage.py", "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    again = container.exec("python", "manage.py", "migrate", "--check")
    assert again.returncode == 0, again.stdout + again.stderr
    create = container.exec("python", "manage.py", "backup", "create", "--with-media")
    assert create.returncode == 0, create.stdout + create.stderr
    verify = container.exec("python", "manage.py", "backup", "verify", "--latest")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "backup verify ok" in verify.stdout
    prune = container.exec("python", "manage.py", "backup", "prune")
    assert prune.returncode == 0, prune.stdout + prune.stderr


def test_pages_and_hashed_compressed_static_files_are_served(container):
    page = httpx.get(f"{container.base_url}/", timeout=10)
    assert page.status_code == 200
    static_paths = [
        part.split('"')[0] for part in page.text.split('src="/static/')[1:] if ".js" in part
    ]
    assert static_paths, "the home page references no static script"
    # Hashed names (collected at build time with the manifest storage).
    asset = httpx.get(
        f"{container.base_url}/static/{static_paths[0]}",
        headers={"Accept-Encoding": "gzip"},
        timeout=10,
    )
    assert asset.status_code == 200
    assert asset.headers.get("content-encoding") == "gzip"
    assert "immutable" in asset.headers.get("cache-control", "")
    htmx = container.exec("sh", "-c", "ls /app/staticfiles/vendor/htmx/")
    assert "htmx.min" in htmx.stdout


def test_translations_are_compiled_and_no_compiler_is_shipped(container):
    assert (
        container.exec("test", "-f", "/app/rubysound/locale/ru/LC_MESSAGES/django.mo").returncode
        == 0
    )
    for tool in ("gcc", "cc", "npm", "node"):
        assert container.exec("sh", "-c", f"command -v {tool}").returncode != 0, tool
    assert container.exec("pg_dump", "--version").stdout.startswith("pg_dump (PostgreSQL) 15")


# --- SIGTERM under load -----------------------------------------------------------------

ROUTES = ["/health/live", "/", "/api/genres/", "/music_api/trending/"]
CLIENTS = 8


class Load:
    """Clients that keep sending requests until a load balancer (a thread polling readiness,
    as Kubernetes or any balancer does) sees the pod leave; every answer is counted."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.stop = threading.Event()
        self.results: list[int | str] = []
        self.lock = threading.Lock()
        self.unready_at: float | None = None

    def client(self, offset: int) -> None:
        with httpx.Client(timeout=20) as client:
            turn = offset
            while not self.stop.is_set():
                route = ROUTES[turn % len(ROUTES)]
                turn += 1
                try:
                    outcome: int | str = client.get(f"{self.base_url}{route}").status_code
                except httpx.HTTPError as exc:
                    outcome = f"{route}: {type(exc).__name__}: {exc}"
                with self.lock:
                    self.results.append(outcome)

    def balancer(self) -> None:
        while not self.stop.is_set():
            try:
                ready = httpx.get(f"{self.base_url}/health/ready", timeout=2).status_code == 200
            except httpx.TransportError:
                ready = False
            if not ready:
                self.unready_at = time.monotonic()
                self.stop.set()
            time.sleep(0.1)


def test_sigterm_under_load_fails_no_request(image, database_url, tmp_path):
    # A drain window stands in for Kubernetes' preStop pause: the balancer has time to see
    # readiness go before the server stops accepting.
    server = Container(image, database_url, tmp_path, SHUTDOWN_DRAIN_SECONDS="2")
    try:
        server.wait_until_ready()
        assert server.exec("python", "manage.py", "migrate", "--noinput").returncode == 0
        load = Load(server.base_url)
        threads = [threading.Thread(target=load.client, args=(i,)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=load.balancer))
        for thread in threads:
            thread.start()
        ws_url = server.base_url.replace("http://", "ws://", 1) + "/ws/comments/public/nobody/"
        with connect(ws_url, open_timeout=5) as ws:
            # A missing profile is refused with 4404: the socket layer works in the image.
            with pytest.raises(ConnectionClosed) as refused:
                ws.recv(timeout=5)
            assert refused.value.rcvd.code == 4404
        time.sleep(3)  # steady load before the signal
        before = len(load.results)
        signalled = time.monotonic()
        podman.podman("kill", "--signal", "TERM", server.name)
        exit_code = int(
            podman.podman("wait", server.name, timeout=GRACE_SECONDS + 10).stdout.strip()
        )
        exited_after = time.monotonic() - signalled
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        server.remove()

    failed = [outcome for outcome in load.results if outcome != 200]
    _record(
        load_requests=len(load.results),
        load_requests_after_sigterm=len(load.results) - before,
        load_failed=len(failed),
        seconds_sigterm_to_unready=round((load.unready_at or signalled) - signalled, 2),
        seconds_sigterm_to_exit=round(exited_after, 1),
        exit_code=exit_code,
    )
    assert before > 20, "too little load to mean anything"
    assert not failed, failed[:10]
    assert load.unready_at is not None
    assert exited_after < GRACE_SECONDS
    assert exit_code in (0, 143)
