"""200 listeners at once (issue 19): the server's memory growth and whether every stream
keeps ahead of playback.

    .venv/bin/python bench/streams_memory.py [--streams 200] [--seconds 30] [--buffer 2]

Starts one worker (uvicorn as production runs it), then opens ``--streams`` concurrent
listeners (httpx, async). Each one plays library tracks one after another as a player
would: a Range request from a random point of the first half, read no faster than the
track's own rate (bytes / duration) once ``--buffer`` seconds are buffered, so the server
is held back by each connection's flow control as it would be by real players. A stream
keeps above real time when, once a track's first bytes are in, it never has less audio
received than time played (within ``STALL_TOLERANCE``); the wait for first bytes is
printed apart. Prints the server's RSS (process tree) before and at its
peak, the growth (target < 50 MB), the streams that fell behind (target 0), bytes served
and the client's own CPU (on a shared machine the client may be what falls behind).
Runs on whatever DATABASE_URL/REDIS_URL say.
"""

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port
from http_load import prepare_database, start_server, wait_until_up

# A player starts once a little audio is in: the clock of a track starts at its first
# bytes, and only a stall after that counts as falling behind (the wait before it is
# reported apart, as time to first byte).
STALL_TOLERANCE = 0.25


def library_tracks(env: dict) -> list[tuple[int, int, float]]:
    """(id, bytes, seconds) of every library track with a file and a duration."""
    script = (
        "from rubysound.catalog.models import Track\n"
        "for pk, size, duration in Track.objects.filter(source='library', size__gt=0,"
        " duration__gt=0).values_list('pk', 'size', 'duration'):\n"
        "    print(pk, size, duration)\n"
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return [(int(pk), int(size), float(duration)) for pk, size, duration in rows]


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and its children (uvicorn's worker)."""
    total = 0
    pids = [root_pid]
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class Listener:
    def __init__(self) -> None:
        self.worst_deficit = 0.0  # seconds of audio missing at the worst moment
        self.first_bytes: list[float] = []  # seconds from each request to its first bytes
        self.bytes = 0
        self.tracks = 0
        self.errors: list[str] = []


async def play(client, tracks, until: float, buffer: float, listener: Listener) -> None:
    while time.monotonic() < until:
        pk, size, duration = random.choice(tracks)
        rate = size / duration
        offset = random.randrange(0, size // 2)
        requested = time.monotonic()
        started = None
        received = 0
        try:
            headers = {"Range": f"bytes={offset}-"}
            async with client.stream("GET", f"/api/tracks/{pk}/stream", headers=headers) as r:
                if r.status_code != 206:
                    listener.errors.append(f"status {r.status_code}")
                    return
                async for chunk in r.aiter_raw(8192):
                    now = time.monotonic()
                    if started is None:
                        started = now
                        listener.first_bytes.append(now - requested)
                    elif received < size - offset:
                        # Played so far against received before this chunk came.
                        deficit = (now - started) - received / rate
                        listener.worst_deficit = max(listener.worst_deficit, deficit)
                    received += len(chunk)
                    ahead = received / rate - (time.monotonic() - started) - buffer
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                    if time.monotonic() >= until:
                        break
        except httpx.HTTPError as exc:
            listener.errors.append(repr(exc))
            return
        listener.bytes += received
        listener.tracks += 1


async def run(base: str, tracks, args, server_pid: int) -> None:
    limits = httpx.Limits(max_connections=args.streams + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        # Warm-up: the code paths and the file cache, before the baseline.
        await asyncio.gather(
            *(play(client, tracks, time.monotonic() + 2, args.buffer, Listener()) for _ in range(5))
        )
        await asyncio.sleep(1)
        baseline = tree_rss_bytes(server_pid)
        peak = baseline
        listeners = [Listener() for _ in range(args.streams)]
        until = time.monotonic() + args.seconds
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        streams = asyncio.gather(
            *(play(client, tracks, until, args.buffer, listener) for listener in listeners)
        )
        while not streams.done():
            peak = max(peak, tree_rss_bytes(server_pid))
            await asyncio.sleep(0.25)
        await streams
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    behind = [listener for listener in listeners if listener.worst_deficit > STALL_TOLERANCE]
    waits = sorted(wait for listener in listeners for wait in listener.first_bytes)
    errors = [error for listener in listeners for error in listener.errors]
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    worst = max(listener.worst_deficit for listener in listeners)
    mb = 1024 * 1024
    print(f"server_rss_before_mb={baseline / mb:.1f} server_rss_peak_mb={peak / mb:.1f}")
    print(f"rss_growth_mb={(peak - baseline) / mb:.1f} (target < 50)")
    print(
        f"streams={args.streams} behind_real_time={len(behind)} (target 0) "
        f"worst_stall_s={worst:.2f} errors={len(errors)} {errors[:3]}"
    )
    if waits:
        print(
            f"first_byte_s p50={waits[len(waits) // 2]:.2f} "
            f"p95={waits[int(0.95 * (len(waits) - 1))]:.2f} max={waits[-1]:.2f}"
        )
    print(
        f"tracks_played={sum(listener.tracks for listener in listeners)} "
        f"served_mb={sum(listener.bytes for listener in listeners) / mb:.1f} "
        f"client_cpu_s={client_cpu:.1f} over {args.seconds}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--buffer", type=float, default=2.0, help="seconds a player buffers")
    args = parser.parse_args()
    env = {**os.environ, "THROTTLE_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    prepare_database(env)
    tracks = library_tracks(env)
    if not tracks:
        raise SystemExit("no library track with a file")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, 1)
    try:
        asyncio.run(wait_until_up(base, time.monotonic() + 60))
        rate = sum(size / duration for _, size, duration in tracks) / len(tracks)
        backend = "postgresql+redis" if env.get("DATABASE_URL") else "embedded (sqlite+locmem)"
        print(
            f"backend={backend} workers=1 tracks={len(tracks)} mean_rate_kbps="
            f"{rate * 8 / 1000:.0f} seconds={args.seconds} load_before={os.getloadavg()[0]:.1f}",
            flush=True,
        )
        asyncio.run(run(base, tracks, args, server.pid))
        print(f"load_after={os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
