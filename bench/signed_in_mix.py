"""Issue 19's main benchmark: the old site's eight-request iteration driven by wrk.

    .venv/bin/python bench/signed_in_mix.py [--seconds 10] [--connections 25] [--workers 1]
        [--favorites 20] [--repeat 1] [--only mix,playlists-me,...]

Six public GETs and two signed in (``/api/users/me/``, ``/api/playlists/me/`` with a Bearer
token for a user whose Favorites hold ``--favorites`` tracks, prepared here), rate limits off.
Runs on whatever ``DATABASE_URL``/``REDIS_URL`` say (the embedded defaults without them).
Prints, for the mix and for each route alone: req/s, p50/p95/p99, non-2xx and the server's
CPU ms per request (user+system of the server's processes over the run / requests served),
the figure to compare on a shared machine. Needs ``wrk`` (Debian: apt-get install wrk).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import fill_favorites
from common import free_port
from http_load import prepare_database, start_server, wait_until_up
from wrk_load import PERCENTILES_LUA, access_token, run_wrk

MIX_SCRIPT = Path(__file__).resolve().parent / "signed_in_mix.lua"

# name: (path, signed in)
ROUTES = {
    "live": ("/health/live", False),
    "trending": ("/music_api/trending/?limit=10", False),
    "search": ("/music_api/search/?q=metallica&page=1", False),
    "search-artists": ("/music_api/search/artists/?q=metallica&limit=12", False),
    "playlists-trending": ("/api/playlists/public/trending/?limit=10", False),
    "year-chart": ("/music_api/year-chart/?genre=rock&limit=10", False),
    "users-me": ("/api/users/me/", True),
    "playlists-me": ("/api/playlists/me/", True),
}


def median_of(runs: list[dict]) -> dict:
    median = {
        key: statistics.median(run[key] for run in runs)
        for key in ("rps", "p50", "p95", "p99", "cpu_ms")
    }
    median["bad"] = sum(run["bad"] for run in runs)
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=25)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--favorites", type=int, default=20, help="tracks in the user's Favorites")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="", help=f"comma-separated of: mix, {', '.join(ROUTES)}")
    parser.add_argument(
        "--hold", type=int, default=0, help="keep the server up this many seconds first (py-spy)"
    )
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name] or ["mix", *ROUTES]
    unknown = set(chosen) - {"mix", *ROUTES}
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")

    env = {**os.environ, "THROTTLE_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    prepare_database(env)
    fill_favorites(env, args.favorites)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    with tempfile.TemporaryDirectory() as scratch:
        single = Path(scratch) / "single.lua"
        single.write_text(PERCENTILES_LUA)
        mix = Path(scratch) / "mix.lua"
        mix.write_text(
            # Run from where it lies, so it finds wrk_common.lua beside it.
            f"dofile({json.dumps(str(MIX_SCRIPT))})\n"
            + PERCENTILES_LUA.replace("function done(", "function done_pct(")
            + "local mix_done = done\n"
            + "function done(s, l, r) mix_done(s, l, r); done_pct(s, l, r) end\n"
        )
        try:
            asyncio.run(wait_until_up(base, time.monotonic() + 60))
            token = access_token(base)
            backend = "postgresql+redis" if env.get("DATABASE_URL") else "embedded (sqlite+locmem)"
            print(
                f"backend={backend} workers={args.workers} connections={args.connections} "
                f"seconds={args.seconds} favorites={args.favorites} repeat={args.repeat} "
                f"server_pid={server.pid} load_before={os.getloadavg()[0]:.1f}",
                flush=True,
            )
            time.sleep(args.hold)
            print(
                f"{'scenario':<20}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
                f"{'cpu ms/req':>12}{'non-2xx':>9}"
            )
            wrk_env = {**os.environ, "BENCH_TOKEN": token}
            for name in chosen:
                if name == "mix":
                    url, headers, script = base + "/", [], str(mix)
                else:
                    path, signed_in = ROUTES[name]
                    url, script = base + path, str(single)
                    headers = [f"Authorization: Bearer {token}"] if signed_in else []
                runs = []
                for _ in range(args.repeat):
                    # One warm-up second fills the caches the scenario reads.
                    warm = argparse.Namespace(**{**vars(args), "seconds": 1})
                    run_wrk(url, warm, headers, script, wrk_env, server.pid)
                    runs.append(run_wrk(url, args, headers, script, wrk_env, server.pid))
                m = median_of(runs)
                print(
                    f"{name:<20}{m['rps']:>9.0f}{m['p50']:>9.1f}{m['p95']:>9.1f}{m['p99']:>9.1f}"
                    f"{m['cpu_ms']:>12.2f}{m['bad']:>9}",
                    flush=True,
                )
            print(f"load_after={os.getloadavg()[0]:.1f}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
