"""Issue 14's probes: Redis down, dead PostgreSQL connections, rate limits under a flood.

    .venv/bin/python bench/resilience_probe.py [--workers 1] [--clients 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rubysound_dev \\
      .venv/bin/python bench/resilience_probe.py --workers 2

Starts uvicorn (``--workers N``) on a Redis of its own (a redis-server on a free port, which
it stops and starts again; the machine's Redis is never touched) and, with DATABASE_URL, on a
PostgreSQL database of its own next to it (``--database``, default
``rubysound_bench_resilience``; without DATABASE_URL, the embedded SQLite under var/). Then:

1. throttles: ``--clients`` concurrent clients flood each scope (anonymous, signed in, the
   token endpoint, comments), each from its own address or user; prints how many requests
   each let through against its rate;
2. PostgreSQL (only with DATABASE_URL): opens several connections in the server, terminates
   every backend of the bench database (pg_terminate_backend, filtered by its name), sends
   40 requests and prints how many failed;
3. Redis down: stops Redis, requests every route of the issue's list (pages, API calls,
   the login POST, the token endpoint, WebSocket handshakes), prints how many answered
   below 500; starts Redis again and prints how long until /health/ready says 200.

It prints figures and asserts nothing; the server and Redis are stopped at the end.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from common import ROOT, free_port
from http_load import start_server, wait_until_up
from psycopg import sql
from websockets.sync.client import connect

PASSWORD = "bench-password-not-secret-1"  # noqa: S105 - local throwaway accounts
LISTENER, OTHER, FLOODER, COMMENTER, SIGNER = (
    "bench-listener",
    "bench-other",
    "bench-flooder",
    "bench-commenter",
    "bench-signer",
)
RATES = {"anon": 60, "user": 120, "auth": 20, "comments": 10}
REQUESTS_AFTER_TERMINATION = 40


# --- Set-up -------------------------------------------------------------------------------


def create_database(database_url: str, name: str) -> str:
    url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    maintenance = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def prepare_database(env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "demo_library", "--quiet"], env=env, check=True)
    script = (
        "from rubysound.accounts.models import User\n"
        "from rubysound.social.models import Comment\n"
        "from rubysound.social.services.playlists import ensure_favorites\n"
        f"for name in {[LISTENER, OTHER, FLOODER, COMMENTER, SIGNER]!r}:\n"
        "    user, _ = User.objects.get_or_create(username=name)\n"
        "    user.is_active = True; user.is_public_favorites = True\n"
        f"    user.set_password({PASSWORD!r}); user.save()\n"
        "    Comment.objects.filter(playlist=ensure_favorites(user)).delete()\n"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True)


class RedisProcess:
    """redis-server on a free port, nothing persisted; stopped and started on that port."""

    def __init__(self):
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="rubysound-probe-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "redis-server"
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [server, *arguments, "--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if probe.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Probes -------------------------------------------------------------------------------


def token(base: str, username: str) -> str:
    reply = httpx.post(
        f"{base}/api/auth/token/",
        json={"username": username, "password": PASSWORD},
        headers={"X-Forwarded-For": f"10.8.{len(username)}.1"},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()["access"]


async def flood(base: str, requests: list[dict], clients: int) -> Counter:
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    statuses: Counter = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:

        async def client() -> None:
            while not queue.empty():
                statuses[(await http.request(**queue.get_nowait())).status_code] += 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return statuses


def probe_throttles(base: str, clients: int) -> None:
    print(f"\nthrottles, {clients} concurrent clients (let through / rate per minute):")
    floods = {
        "anon": [
            {"method": "GET", "url": "/api/genres/", "headers": {"X-Forwarded-For": "10.9.0.1"}}
        ]
        * 100,
        "user": [
            {
                "method": "GET",
                "url": "/api/users/me/",
                "headers": {"Authorization": f"Bearer {token(base, FLOODER)}"},
            }
        ]
        * 300,
        "auth": [
            {
                "method": "POST",
                "url": "/api/auth/token/",
                "json": {"username": SIGNER, "password": PASSWORD},
                "headers": {"X-Forwarded-For": "10.9.0.2"},
            }
        ]
        * 50,
        "comments": [
            {
                "method": "POST",
                "url": f"/api/playlists/public/{LISTENER}/comments/",
                "json": {"text": "first!"},
                "headers": {"Authorization": f"Bearer {token(base, COMMENTER)}"},
            }
        ]
        * 50,
    }
    for scope, requests in floods.items():
        statuses = asyncio.run(flood(base, requests, clients))
        through = statuses[200] + statuses[201]
        print(
            f"  {scope:<9} {through:>4} / {RATES[scope]:<4} of {len(requests)} sent   "
            f"statuses {dict(sorted(statuses.items()))}"
        )


def probe_terminated_backends(base: str, database_url: str) -> None:
    headers = {"Authorization": f"Bearer {token(base, LISTENER)}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:

        def call(_) -> int:
            return http.get("/api/users/me/").status_code

        with ThreadPoolExecutor(10) as pool:
            list(pool.map(call, range(30)))  # several connections open in the server
        name = urlsplit(database_url).path.lstrip("/")
        with psycopg.connect(database_url, autocommit=True) as conn:
            terminated = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchone()[0]
        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(call, range(REQUESTS_AFTER_TERMINATION)))
    failed = sum(status >= 500 for status in statuses)
    print(
        f"\nPostgreSQL: {terminated} backends terminated; then "
        f"{failed} of {REQUESTS_AFTER_TERMINATION} requests failed"
    )


def catalog_ids(base: str) -> tuple[int, int, int]:
    """A track, its artist and an album of the artist (asked while Redis is up)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        track = http.get("/api/tracks/").json()["results"][0]
        artist = track["artist"]["id"]
        albums = http.get(f"/api/artists/{artist}/").json().get("albums") or [{"id": 1}]
    return track["id"], artist, albums[0]["id"]


def routes(base: str, ids: tuple[int, int, int], tokens: dict[str, str]) -> dict[str, int | str]:
    """Every route of the issue's list, with Redis as it is now (the catalog's ids and the
    tokens asked before, so that each route is tried whatever the token endpoint does)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        track, artist, album = ids
        auth = {"Authorization": f"Bearer {tokens[LISTENER]}"}
        other = {"Authorization": f"Bearer {tokens[OTHER]}"}
        statuses: dict[str, int | str] = {}
        gets = [
            "/",
            f"/u/{LISTENER}/",
            "/music_api/index/?q=night",
            f"/artists/{artist}/",
            f"/albums/{album}/",
            "/login/",
            "/signup/",
            "/api/tracks/",
            f"/api/tracks/{track}/",
            "/api/artists/",
            f"/api/artists/{artist}/",
            f"/api/albums/{album}/",
            "/api/genres/",
            "/music_api/search/?q=night",
            "/music_api/search/artists/?q=night",
            "/music_api/trending/",
            "/music_api/year-chart/",
            "/api/charts/artists/",
            "/api/charts/tracks/",
            "/api/charts/trending/artists/",
            "/api/charts/trending/tracks/",
            f"/api/playlists/public/{LISTENER}/",
            f"/api/playlists/public/{LISTENER}/comments/",
            "/api/playlists/public/trending/",
            f"/api/tracks/{track}/stream",
            "/health/live",
            "/metrics",
        ]
        for path in gets:
            statuses[f"GET {path}"] = http.get(path).status_code
        for path in ("/api/users/me/", "/api/playlists/", "/api/notifications/", "/api/listens/"):
            statuses[f"GET {path} (jwt)"] = http.get(path, headers=auth).status_code
        signed = http.post("/api/auth/token/", json={"username": OTHER, "password": PASSWORD})
        statuses["POST /api/auth/token/"] = signed.status_code
        statuses["PATCH /api/users/me/"] = http.patch(
            "/api/users/me/", json={"bio": "probing"}, headers=auth
        ).status_code
        statuses["POST comment"] = http.post(
            f"/api/playlists/public/{LISTENER}/comments/", json={"text": "hi"}, headers=other
        ).status_code
        statuses["POST like"] = http.post(
            f"/api/playlists/public/{LISTENER}/like/", headers=other
        ).status_code
    with httpx.Client(base_url=base, timeout=30) as browser:
        form = browser.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        statuses["POST /login/"] = browser.post(
            "/login/",
            data={
                "username": OTHER,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
            },
        ).status_code
        statuses["GET /profile/ (session)"] = browser.get("/profile/").status_code
    ws_base = base.replace("http://", "ws://", 1)
    access = tokens[LISTENER]
    for path in (
        f"/ws/notifications/?token={access}",
        f"/ws/presence/?token={access}",
        f"/ws/comments/public/{LISTENER}/",
    ):
        route = "WS " + path.split("?")[0]
        try:
            with connect(ws_base + path, open_timeout=30) as ws:
                ws.send(json.dumps({"type": "ping"}))
                statuses[route] = json.loads(ws.recv(timeout=30))["type"]
        except Exception as exc:  # reported as the route's outcome
            statuses[route] = type(exc).__name__
    return statuses


def answered(outcome: int | str) -> bool:
    return outcome == "pong" if isinstance(outcome, str) else outcome < 500


def probe_redis_down(base: str, redis: RedisProcess) -> None:
    ids = catalog_ids(base)
    tokens = {name: token(base, name) for name in (LISTENER, OTHER)}
    redis.stop()
    outcomes = routes(base, ids, tokens)
    ok = sum(answered(outcome) for outcome in outcomes.values())
    ready = httpx.get(f"{base}/health/ready", timeout=30).status_code
    print(f"\nRedis stopped: {ok} of {len(outcomes)} routes answered (below 500 / a pong)")
    for route, outcome in outcomes.items():
        if not answered(outcome):
            print(f"  {route}: {outcome}")
    print(f"  /health/ready: {ready}")
    redis.start()
    started = time.monotonic()
    while httpx.get(f"{base}/health/ready", timeout=30).status_code != 200:
        if time.monotonic() - started > 60:
            print("Redis back: /health/ready still not 200 after 60 s")
            return
        time.sleep(0.1)
    print(f"Redis back: /health/ready 200 after {time.monotonic() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--database", default="rubysound_bench_resilience")
    args = parser.parse_args()

    redis = RedisProcess()
    redis.start()
    database_url = os.environ.get("DATABASE_URL", "")
    env = {
        **os.environ,
        "REDIS_URL": redis.url,
        "CACHE_KEY_PREFIX": args.database,
        "THROTTLE_ENABLED": "true",
        "THROTTLE_ANON_RATE": f"{RATES['anon']}/min",
        "THROTTLE_USER_RATE": f"{RATES['user']}/min",
        "THROTTLE_AUTH_RATE": f"{RATES['auth']}/min",
        "THROTTLE_COMMENT_RATE": f"{RATES['comments']}/min",
        # Each flood comes from an address of its own (X-Forwarded-For behind one proxy).
        "TRUSTED_PROXY_COUNT": "1",
        "EDGE_CACHE_ENABLED": "false",
        "LOG_LEVEL": "ERROR",
    }
    if database_url:
        database_url = create_database(database_url, args.database)
        env["DATABASE_URL"] = database_url
    prepare_database(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    try:
        asyncio.run(wait_until_up(base, time.monotonic() + 60))
        backend = "postgresql" if database_url else "sqlite"
        print(f"backend={backend}+redis workers={args.workers} cpus={os.cpu_count()}")
        probe_throttles(base, args.clients)
        if database_url:
            probe_terminated_backends(base, database_url)
        probe_redis_down(base, redis)
    finally:
        server.terminate()
        server.wait(timeout=30)
        redis.close()


if __name__ == "__main__":
    main()
