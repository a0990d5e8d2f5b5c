"""ffprobe's view of transcoded bytes, for the tests: they decode, with this codec and
this duration."""

import json
import shutil
import subprocess
from pathlib import Path

FFPROBE = shutil.which("ffprobe")


def probe(data: bytes, folder: Path) -> dict:
    path = folder / "probed.bin"
    path.write_bytes(data)
    out = subprocess.run(  # noqa: S603 - the system's ffprobe, fixed arguments
        [
            FFPROBE,
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,sample_rate:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


def duration(data: bytes, folder: Path) -> float:
    return float(probe(data, folder)["format"]["duration"])
