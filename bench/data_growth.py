"""The cost as data grows (issue 19): three signed-in reads at 20, 1,000 and 10,000 items.

    .venv/bin/python bench/data_growth.py [--sizes 20,1000,10000] [--repeat 15]
        [--cache-seconds 0]

For each size the bench user's Favorites hold that many tracks and they have that many
notifications (bench_data); then, on one worker (uvicorn as production runs it, rate limits
off), each route is read ``--repeat`` times one after another after two warm-up reads:
``/api/playlists/me/`` (at most 1,000 tracks: ``tracks_truncated`` beyond),
``/api/playlists/public/<user>/`` (every track; read with the token, so the edge cache
does not answer it), ``/api/playlists/<id>/tracks/?page_size=100`` and
``/api/notifications/?page_size=100``. Prints per route and size: items in the answer,
body size, p50 and p95 in ms, and ms per 1,000 items shown: a cost that grows no faster
than the page shows as a flat or falling last column. ``--cache-seconds 0`` (the default)
turns the Favorites cache off so ``/api/playlists/me/`` is built every time; >0 measures
its hits. Runs on whatever DATABASE_URL/REDIS_URL say.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import fill_favorites, fill_notifications
from common import free_port
from http_load import BENCH_USER, prepare_database, start_server, wait_until_up
from wrk_load import access_token


def count_items(body: dict) -> int:
    if "results" in body:
        return len(body["results"])
    return len(body.get("playlist", body)["tracks"])


def measure(client: httpx.Client, path: str, repeat: int) -> dict:
    for _ in range(2):
        client.get(path).raise_for_status()
    timings = []
    response = None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    timings.sort()
    return {
        "items": count_items(response.json()),
        "kb": len(response.content) / 1024,
        "p50": statistics.median(timings) * 1000,
        "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,1000,10000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cache-seconds", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    env = {
        **os.environ,
        "THROTTLE_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "FAVORITES_CACHE_SECONDS": str(args.cache_seconds),
    }
    prepare_database(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, 1)
    backend = "postgresql+redis" if env.get("DATABASE_URL") else "embedded (sqlite+locmem)"
    print(
        f"backend={backend} workers=1 repeat={args.repeat} cache_seconds={args.cache_seconds} "
        f"load_before={os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(
        f"{'route':<34}{'size':>7}{'items':>7}{'KB':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'ms/1k items':>13}"
    )
    try:
        asyncio.run(wait_until_up(base, time.monotonic() + 60))
        for size in sizes:
            fill_favorites(env, size)
            fill_notifications(env, size)
            token = access_token(base)
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                favorites_id = client.get("/api/playlists/me/").json()["id"]
                routes = {
                    "/api/playlists/me/": "/api/playlists/me/",
                    "/api/playlists/public/<user>/": f"/api/playlists/public/{BENCH_USER}/",
                    "/api/playlists/<id>/tracks/": (
                        f"/api/playlists/{favorites_id}/tracks/?page_size=100"
                    ),
                    "/api/notifications/": "/api/notifications/?page_size=100",
                }
                for name, path in routes.items():
                    m = measure(client, path, args.repeat)
                    per_k = m["p50"] * 1000 / max(m["items"], 1)
                    print(
                        f"{name:<34}{size:>7}{m['items']:>7}{m['kb']:>9.1f}{m['p50']:>9.1f}"
                        f"{m['p95']:>9.1f}{per_k:>13.1f}",
                        flush=True,
                    )
        print(f"load_after={os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
