"""What the preview proxy's tests share: recorded preview answers and the settings that
switch the proxy on (iTunes and Deezer enabled, a cache folder of the test's own)."""

import json
from pathlib import Path

import httpx

from tests.providers.conftest import switch_on

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers" / "previews"


def recorded(name: str) -> dict:
    """A recorded preview answer: its URL, status and headers (the body is generated)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


ITUNES = recorded("itunes_preview")
DEEZER = recorded("deezer_preview")
ITUNES_URL = ITUNES["url"]
DEEZER_URL = DEEZER["url"]


def audio_bytes(size: int, seed: int = 7) -> bytes:
    """Deterministic stand-in audio: every byte position tells where it came from."""
    pattern = bytes((seed * 31 + i * 17) % 256 for i in range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def preview_answer(recording: dict, body: bytes, **header_changes) -> httpx.Response:
    """The recorded answer carrying ``body`` (headers changed or, with None, removed)."""
    headers = {**recording["headers"], "Content-Length": str(len(body))}
    for name, value in header_changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return httpx.Response(recording["status"], headers=headers, content=body)


def chunked_answer(recording: dict, body: bytes, chunk: int = 64 * 1024) -> httpx.Response:
    """The recorded answer sent chunked, without a Content-Length."""

    async def stream():
        for start in range(0, len(body), chunk):
            yield body[start : start + chunk]

    headers = {k: v for k, v in recording["headers"].items() if k.lower() != "content-length"}
    return httpx.Response(recording["status"], headers=headers, content=stream())


def enable_previews(settings, cache_dir: Path) -> None:
    switch_on(settings, "itunes", "deezer")
    settings.PREVIEW_PROXY_ENABLED = True
    settings.PREVIEW_CACHE_DIR = cache_dir
    settings.PREVIEW_MAX_BYTES = 5 * 1024 * 1024
    settings.PREVIEW_MAX_REDIRECTS = 3


def cached_files(cache_dir: Path) -> list[Path]:
    """Every file under the cache folder, temporary ones included."""
    return sorted(path for path in cache_dir.rglob("*") if path.is_file())
