"""Load from an external generator (wrk): per route class, and the weighted mix of http_load.py.

    .venv/bin/python bench/wrk_load.py [--seconds 8] [--connections 16] [--workers 1]
        [--only mix,live,...] [--repeat 3] [--rates 500,1000,1500]

Needs `wrk` (Debian: apt-get install wrk). Starts uvicorn on 127.0.0.1 as http_load.py does
(same database preparation, throttling off), then for each scenario runs wrk and prints
req/s, p50/p95/p99 and the server's CPU time per request (user+system of the server's
processes over the run divided by the requests served). CPU per request is the figure to
compare between changes on a shared machine: req/s and latency move with whatever else the
two cores are doing, CPU per request much less. With --repeat, each scenario runs that many
times and the median of each column is printed. With --rates, the mix is also sent paced at
each rate (BENCH_RATE in wrk_mix.lua): the latency that load sees, where the plain mix
(every connection sending again at once) measures the queue at saturation.
"""

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port
from http_load import BENCH_PASSWORD, BENCH_USER, prepare_database, start_server, wait_until_up

MIX_SCRIPT = Path(__file__).resolve().parent / "wrk_mix.lua"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Prints exact percentiles (wrk's own --latency table has no p95).
PERCENTILES_LUA = """
function done(summary, latency, requests)
  io.write(string.format("pct p50=%d p95=%d p99=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
MIX_PERCENTILES_LUA = PERCENTILES_LUA.replace("function done(", "function done_pct(")

# name: (path, credentials: None | "jwt" | "session" | "cookie", what it shows)
SCENARIOS = {
    "edge": ("/music_api/search/?q=night&page=1&page_size=14", None, "edge-cache hit"),
    "home": ("/", None, "anonymous home page, edge-cache hit"),
    "live": ("/health/live", None, "uncacheable async view, full middleware"),
    "charts-cookie": (
        "/music_api/trending/?limit=16",
        "cookie",
        "public route with an unrelated cookie: Django, chart from the cache",
    ),
    "tracks-cookie": ("/api/tracks/?page=2", "cookie", "DRF list through Django, anonymous"),
    "me": ("/api/users/me/", "jwt", "signed in (JWT), DRF"),
    "tracks-jwt": ("/api/tracks/?page=3", "jwt", "signed in (JWT), DRF list"),
    "home-session": ("/", "session", "signed-in home page (session cookie)"),
    "schema-cookie": ("/api/schema/", "cookie", "OpenAPI schema through Django"),
    "mix": (None, "jwt", "http_load.py's weighted mix (4 of 21 requests reach Django)"),
}


def session_cookie(env: dict) -> str:
    script = (
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from rubysound.accounts.models import User\n"
        f"u = User.objects.get(username={BENCH_USER!r})\n"
        "s = SessionStore()\n"
        "s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
        "s.create()\n"
        "print('SESSION=' + s.session_key)\n"
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"SESSION=(\w+)", out).group(1)


def access_token(base: str) -> str:
    response = httpx.post(
        f"{base}/api/auth/token/", json={"username": BENCH_USER, "password": BENCH_PASSWORD}
    )
    response.raise_for_status()
    return response.json()["access"]


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User+system CPU of a process and its descendants (uvicorn --workers N forks)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    tree = {root_pid}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return sum(times.get(pid, 0.0) for pid in tree)


def run_wrk(url: str, args, headers: list[str], script: str, env: dict, server_pid: int):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
    for header in headers:
        command += ["-H", header]
    command += ["-s", script, url]
    cpu_before = process_tree_cpu_seconds(server_pid)
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    cpu = process_tree_cpu_seconds(server_pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pct = re.search(r"pct p50=(\d+) p95=(\d+) p99=(\d+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": requests / args.seconds,
        "p50": int(pct.group(1)) / 1000,
        "p95": int(pct.group(2)) / 1000,
        "p99": int(pct.group(3)) / 1000,
        "cpu_ms": 1000 * cpu / requests if requests else float("nan"),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="", help=f"comma-separated of: {', '.join(SCENARIOS)}")
    parser.add_argument(
        "--rates",
        default="",
        help="comma-separated req/s: also run the mix paced at each (latency at that load)",
    )
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name] or list(SCENARIOS)
    unknown = set(chosen) - SCENARIOS.keys()
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")

    env = {**os.environ, "THROTTLE_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    prepare_database(env)
    session = session_cookie(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    with tempfile.TemporaryDirectory() as scratch:
        single = Path(scratch) / "single.lua"
        single.write_text(PERCENTILES_LUA)
        mix = Path(scratch) / "mix.lua"
        # The mix script's own done() reports failures; chain the percentiles after it.
        mix.write_text(
            # Run from where it lies, so it finds wrk_common.lua beside it.
            f"dofile({json.dumps(str(MIX_SCRIPT))})\n"
            + MIX_PERCENTILES_LUA
            + "local mix_done = done\n"
            + "function done(s, l, r) mix_done(s, l, r); done_pct(s, l, r) end\n"
        )
        try:
            asyncio.run(wait_until_up(base, time.monotonic() + 30))
            token = access_token(base)
            credentials = {
                None: [],
                "jwt": [f"Authorization: Bearer {token}"],
                "session": [f"Cookie: sessionid={session}"],
                "cookie": ["Cookie: theme=dark"],
            }
            backend = "postgresql+redis" if env.get("DATABASE_URL") else "embedded (sqlite+locmem)"
            load = os.getloadavg()
            print(
                f"backend={backend} workers={args.workers} connections={args.connections} "
                f"seconds={args.seconds} repeat={args.repeat} cpus={os.cpu_count()} "
                f"load_before={load[0]:.1f}"
            )
            print(
                f"{'scenario':<15}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
                f"{'cpu ms/req':>12}  note"
            )
            wrk_env = {**os.environ, "BENCH_TOKEN": token, "BENCH_THREADS": str(args.threads)}
            for name in chosen:
                path, kind, note = SCENARIOS[name]
                script = str(mix if name == "mix" else single)
                url = base + (path or "/")
                runs = []
                for _ in range(args.repeat):
                    # One warm-up second fills the caches this scenario reads.
                    warm = argparse.Namespace(**{**vars(args), "seconds": 1})
                    run_wrk(url, warm, credentials[kind], script, wrk_env, server.pid)
                    runs.append(run_wrk(url, args, credentials[kind], script, wrk_env, server.pid))
                median = {
                    key: statistics.median(run[key] for run in runs)
                    for key in ("rps", "p50", "p95", "p99", "cpu_ms")
                }
                bad = sum(run["bad"] for run in runs)
                flags = f" non-2xx={bad}" if bad else ""
                print(
                    f"{name:<15}{median['rps']:>9.0f}{median['p50']:>9.1f}{median['p95']:>9.1f}"
                    f"{median['p99']:>9.1f}{median['cpu_ms']:>12.2f}  {note}{flags}"
                )
            for rate in [int(r) for r in args.rates.split(",") if r]:
                runs = [
                    run_wrk(
                        base + "/",
                        args,
                        credentials["jwt"],
                        str(mix),
                        {**wrk_env, "BENCH_RATE": str(rate)},
                        server.pid,
                    )
                    for _ in range(args.repeat)
                ]
                median = {
                    key: statistics.median(run[key] for run in runs)
                    for key in ("rps", "p50", "p95", "p99", "cpu_ms")
                }
                print(
                    f"{f'mix@{rate}':<15}{median['rps']:>9.0f}{median['p50']:>9.1f}"
                    f"{median['p95']:>9.1f}{median['p99']:>9.1f}{median['cpu_ms']:>12.2f}"
                    f"  the mix paced at {rate} req/s"
                )
            print(f"load_after={os.getloadavg()[0]:.1f}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
