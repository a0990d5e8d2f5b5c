"""Live comments fan-out: how long a posted comment takes to reach hundreds of open pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rubysound_dev \\
      REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/ws_fanout.py \\
      [--viewers 500] [--comments 20] [--interval 0.5]

Needs PostgreSQL and Redis, as a deployment with several server processes does: it creates
and migrates a database of its own next to DATABASE_URL's (``--database``, default
``rubysound_bench_ws``), starts two uvicorn processes on that database and the same Redis
(keys under CACHE_KEY_PREFIX, default ``rubysound_bench_ws``), opens the viewers' sockets on
``/ws/comments/public/<owner>/`` alternately on the two servers, then posts comments through
the HTTP API, alternately on the two servers too, one every ``--interval`` seconds. Latency is
measured per viewer and comment: when the viewer's socket receives the comment, less when its
POST was sent (one clock: the viewers and the poster run in this process). It prints figures
and asserts nothing; the servers are stopped at the end.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import uvloop
from common import ROOT, free_port, percentile
from psycopg import sql
from websockets.asyncio.client import connect

OWNER = "bench-ws-owner"
COMMENTER = "bench-ws-commenter"
PASSWORD = "bench-password-not-secret-1"  # noqa: S105 - local throwaway account
WARM_UP = "warm-up"
CONNECT_CONCURRENCY = 50


def raise_open_files_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def bench_database_url(database_url: str, name: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def create_database(database_url: str, name: str) -> None:
    maintenance = bench_database_url(database_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare_database(env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    # A public owner whose Favorites start without comments, and someone to comment.
    script = (
        "from rubysound.accounts.models import User\n"
        "from rubysound.social.models import Comment\n"
        "from rubysound.social.services.playlists import ensure_favorites\n"
        f"owner, _ = User.objects.get_or_create(username={OWNER!r})\n"
        "owner.is_public_favorites = True; owner.is_active = True; owner.save()\n"
        "Comment.objects.filter(playlist=ensure_favorites(owner)).delete()\n"
        f"commenter, _ = User.objects.get_or_create(username={COMMENTER!r})\n"
        f"commenter.set_password({PASSWORD!r}); commenter.save()\n"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True)


def start_server(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "rubysound.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            "--loop=uvloop",
            "--http=rubysound.core.connections:HttpToolsProtocol",
            "--no-proxy-headers",
            "--no-access-log",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )


async def wait_until_up(base: str, deadline: float) -> None:
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"server {base} did not start")


class Viewer:
    """One open page: receives comment events and notes when each comment arrived."""

    def __init__(self, url: str):
        self.url = url
        self.received: dict[str, float] = {}  # comment text -> perf_counter at receipt
        self.socket = None
        self.task: asyncio.Task | None = None

    async def open(self) -> None:
        self.socket = await connect(self.url, open_timeout=30, max_queue=None)
        self.task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        async for frame in self.socket:
            arrived = time.perf_counter()
            message = json.loads(frame)
            if message.get("type") == "playlist_comment_created":
                self.received[message["comment"]["text"]] = arrived

    async def close(self) -> None:
        await self.socket.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


def summary(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    p50, p95 = percentile(samples, 50) * 1000, percentile(samples, 95) * 1000
    return f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(samples) * 1000:7.1f} ms"


async def run(servers: list[str], args) -> None:
    ws_bases = [base.replace("http://", "ws://", 1) for base in servers]
    viewers = [
        Viewer(f"{ws_bases[i % len(servers)]}/ws/comments/public/{OWNER}/")
        for i in range(args.viewers)
    ]
    started = time.perf_counter()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(viewer: Viewer) -> None:
        async with gate:
            await viewer.open()

    await asyncio.gather(*(open_one(viewer) for viewer in viewers))
    print(f"opened {len(viewers)} sockets in {time.perf_counter() - started:.1f} s")

    comments_path = f"/api/playlists/public/{OWNER}/comments/"
    async with httpx.AsyncClient(timeout=30) as client:
        token = (
            await client.post(
                f"{servers[0]}/api/auth/token/", json={"username": COMMENTER, "password": PASSWORD}
            )
        ).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        # The first request of each process pays for lazy imports and pool connections.
        for index, base in enumerate(servers):
            await client.post(
                base + comments_path, json={"text": f"{WARM_UP} {index}"}, headers=headers
            )
        await asyncio.sleep(1)

        sent: dict[str, tuple[float, int]] = {}  # text -> (perf_counter at send, server index)
        post_times: list[float] = []
        for number in range(args.comments):
            server_index = number % len(servers)
            text = f"comment {number}"
            sent[text] = (time.perf_counter(), server_index)
            response = await client.post(
                servers[server_index] + comments_path, json={"text": text}, headers=headers
            )
            post_times.append(time.perf_counter() - sent[text][0])
            if response.status_code != 201:
                print(f"POST {text!r}: {response.status_code} {response.text[:200]}")
            await asyncio.sleep(args.interval)

    expected = len(viewers) * len(sent)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if sum(text in v.received for v in viewers for text in sent) >= expected:
            break
        await asyncio.sleep(0.1)

    latencies: list[float] = []
    same_server: list[float] = []
    other_server: list[float] = []
    for viewer_index, viewer in enumerate(viewers):
        for text, (sent_at, server_index) in sent.items():
            arrived = viewer.received.get(text)
            if arrived is None:
                continue
            latency = arrived - sent_at
            latencies.append(latency)
            local = viewer_index % len(servers) == server_index
            (same_server if local else other_server).append(latency)
    # How long the first and the last viewer waited for each comment: the first is the
    # request's own path to its commit; the spread after it is the fan-out.
    firsts: list[float] = []
    lasts: list[float] = []
    for text, (sent_at, _) in sent.items():
        arrivals = [v.received[text] for v in viewers if text in v.received]
        if arrivals:
            firsts.append(min(arrivals) - sent_at)
            lasts.append(max(arrivals) - sent_at)
    await asyncio.gather(*(viewer.close() for viewer in viewers))

    print(f"POST comment (HTTP 201)         {summary(post_times)}")
    print(f"delivery, all viewers           {summary(latencies)}")
    print(f"  viewer on the posting server  {summary(same_server)}")
    print(f"  viewer on the other server    {summary(other_server)}")
    print(f"first viewer of each comment    {summary(firsts)}")
    print(f"last viewer of each comment     {summary(lasts)}")
    print(f"delivered {len(latencies)}/{expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--comments", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between posts")
    parser.add_argument("--timeout", type=float, default=15, help="wait after the last post")
    parser.add_argument("--database", default="rubysound_bench_ws")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not os.environ.get(
        "REDIS_URL"
    ):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench runs on both")
    raise_open_files_limit(args.viewers * 2 + 256)
    create_database(database_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(database_url, args.database),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", args.database),
        # The comment flood limit would stop the poster; this measures delivery.
        "THROTTLE_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    prepare_database(env)

    servers: list[str] = []
    processes: list[subprocess.Popen] = []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(start_server(env, port))
            servers.append(f"http://127.0.0.1:{port}")
        for base in servers:
            asyncio.run(wait_until_up(base, time.monotonic() + 60))
        print(
            f"backend=postgresql+redis servers={len(servers)} viewers={args.viewers} "
            f"comments={args.comments} interval={args.interval}s cpus={os.cpu_count()}"
        )
        # The viewers' client runs on uvloop, as the servers do, to weigh less on the cores
        # it shares with them.
        uvloop.run(run(servers, args))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
