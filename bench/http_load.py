"""Load benchmark: starts the ASGI server, runs a fixed route mix, prints throughput and latency.

    .venv/bin/python bench/http_load.py [--seconds 15] [--concurrency 32] [--workers 1]

Traffic goes only to 127.0.0.1, is bounded in time, and the server is stopped at the end.
It uses whatever DATABASE_URL/REDIS_URL are set (embedded defaults otherwise), with request
throttling off so the figures measure the server, not the rate limiter.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import ROOT, free_port, percentile

BENCH_USER = "bench-listener"
BENCH_PASSWORD = "bench-password-not-secret-1"  # noqa: S105 - local throwaway account

# (route, weight, signed in): the old site's mix, where public music routes dominate and are
# requested anonymously (edge-cacheable), plus signed-in API calls that always reach Django.
ROUTE_MIX = [
    ("/music_api/search/?q=night&page=1&page_size=14", 4, False),
    ("/music_api/search/artists/?q=the", 3, False),
    ("/music_api/trending/?limit=16", 3, False),
    ("/music_api/year-chart/?limit=15", 2, False),
    ("/music_api/apple-chart/?count=50", 1, False),
    ("/api/tracks/?page=2", 2, False),
    ("/", 2, False),
    ("/health/live", 1, False),
    ("/api/users/me/", 2, True),
    ("/api/tracks/?page=3", 1, True),
]


def prepare_database(env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    # The catalog the music routes answer from (idempotent; seconds when already there).
    subprocess.run([*manage, "demo_library", "--quiet"], env=env, check=True)
    script = (
        "from rubysound.accounts.models import User\n"
        f"u, _ = User.objects.get_or_create(username={BENCH_USER!r})\n"
        f"u.set_password({BENCH_PASSWORD!r}); u.save()\n"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True)


async def wait_until_up(base: str, deadline: float) -> None:
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("server did not start")


async def run_load(base: str, seconds: float, concurrency: int) -> dict[str, list[float]]:
    schedule = [(route, signed_in) for route, weight, signed_in in ROUTE_MIX for _ in range(weight)]
    latencies: dict[str, list[float]] = {label(r, a): [] for r, _, a in ROUTE_MIX}
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        token = (
            await client.post(
                "/api/auth/token/", json={"username": BENCH_USER, "password": BENCH_PASSWORD}
            )
        ).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        stop_at = time.monotonic() + seconds

        async def worker(offset: int) -> None:
            index = offset
            while time.monotonic() < stop_at:
                route, signed_in = schedule[index % len(schedule)]
                index += 1
                started = time.perf_counter()
                response = await client.get(route, headers=headers if signed_in else None)
                elapsed = time.perf_counter() - started
                if response.status_code >= 400:
                    key = f"{route} {response.status_code}"
                    errors[key] = errors.get(key, 0) + 1
                else:
                    latencies[label(route, signed_in)].append(elapsed)

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    if errors:
        print(f"errors: {errors}")
    return latencies


def label(route: str, signed_in: bool) -> str:
    return ("(auth) " if signed_in else "") + route.split("?")[0]


def report(latencies: dict[str, list[float]], seconds: float) -> None:
    print(f"{'route':<34}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    everything: list[float] = []
    for route, samples in latencies.items():
        everything.extend(samples)
        print(
            f"{route:<34}{len(samples):>10}{len(samples) / seconds:>10.0f}"
            f"{percentile(samples, 50) * 1000:>10.1f}{percentile(samples, 95) * 1000:>10.1f}"
            f"{percentile(samples, 99) * 1000:>10.1f}"
        )
    print(
        f"{'all':<34}{len(everything):>10}{len(everything) / seconds:>10.0f}"
        f"{percentile(everything, 50) * 1000:>10.1f}{percentile(everything, 95) * 1000:>10.1f}"
        f"{percentile(everything, 99) * 1000:>10.1f}"
    )


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    """uvicorn as production runs it (uvloop, httptools), quiet, on 127.0.0.1:port."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "rubysound.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={workers}",
            "--loop=uvloop",
            "--http=rubysound.core.connections:HttpToolsProtocol",
            "--no-proxy-headers",
            "--no-access-log",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    env = {**os.environ, "THROTTLE_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    prepare_database(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    try:
        asyncio.run(wait_until_up(base, time.monotonic() + 30))
        backend = "postgresql+redis" if env.get("DATABASE_URL") else "embedded (sqlite+locmem)"
        print(
            f"backend={backend} workers={args.workers} concurrency={args.concurrency} "
            f"seconds={args.seconds} cpus={os.cpu_count()}"
        )
        latencies = asyncio.run(run_load(base, args.seconds, args.concurrency))
        report(latencies, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
