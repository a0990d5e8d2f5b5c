"""Scanner throughput: first scan and unchanged rescan of a generated 2,000-file library.

    .venv/bin/python bench/scanner_throughput.py [--files 2000] [--rescans 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rubysound_dev .venv/bin/python bench/...

The library comes from the demo generator (0.5-1.5 s tracks, 80 artists x 4 albums) and
is cached under ``var/bench/scanner-library-*`` between runs. Scans go into a throwaway
database on whatever DATABASE_URL names (``<name>_bench_scanner`` on PostgreSQL,
``var/bench/scanner.sqlite3`` on the embedded SQLite), never into the real catalog; covers
go to ``var/bench/media``. Traffic stays on the machine.
Target (issue 3): an unchanged rescan of 2,000 files in under 5 s.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubysound.settings")


def library_shape(files: int) -> dict:
    """Artists x 4 albums of 5 to 7 tracks: 25 tracks an artist, so 2,000 files = 80 artists."""
    return {"artists": max(1, round(files / 25)), "albums_per_artist": 4, "tracks_per_album": 6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rescans", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from rubysound.catalog.library.scanner import scan_library
    from rubysound.catalog.models import Track
    from rubysound.demo.library import generate_demo_library

    library = BENCH_DIR / f"scanner-library-{args.files}-seed{args.seed}"
    started = time.monotonic()
    demo = generate_demo_library(
        library,
        seed=args.seed,
        min_seconds=0.5,
        max_seconds=1.5,
        workers=os.cpu_count() or 1,
        **library_shape(args.files),
    )
    files = len(demo.tracks)
    made = "generated" if demo.generated else "cached"
    print(
        f"library: {files} audio files ({made} in {time.monotonic() - started:.1f} s) at {library}"
    )

    settings.LIBRARY_DIRS = [library.resolve()]
    settings.MEDIA_ROOT = BENCH_DIR / "media"
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    original_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        test_db = BENCH_DIR / "scanner.sqlite3"
        test_db.unlink(missing_ok=True)
        bench_name = str(test_db)
    else:  # not test_<name>: that one belongs to a pytest run that may be going on
        bench_name = f"{original_name}_bench_scanner"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = bench_name
    connection.settings_dict.setdefault("TEST", {})["NAME"] = bench_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        cpus = os.cpu_count()

        first_started = time.monotonic()
        first = scan_library()
        first_seconds = time.monotonic() - first_started
        if not Track.objects.count() == first.added == files:
            raise SystemExit(f"the first scan did not add every file: {first.line()}")
        print(f"first scan:       {first.line()}")
        print(f"  -> {files / first_seconds:,.0f} files/s ({cpus} CPUs)")

        times = []
        for _ in range(args.rescans):
            rescan_started = time.monotonic()
            again = scan_library()
            times.append(time.monotonic() - rescan_started)
            if again.unchanged != files or again.changed:
                raise SystemExit(f"the rescan was not a no-op: {again.line()}")
        print(f"unchanged rescan: {again.line()}")
        print(
            f"  -> {statistics.median(times):.2f} s median of {len(times)} "
            f"(best {min(times):.2f} s) for {files} files; target < 5 s"
        )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
