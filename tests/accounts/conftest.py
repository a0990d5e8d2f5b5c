"""Helpers shared by the accounts tests."""

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import DEFAULT_PASSWORD


def media_files() -> set[Path]:
    """Every file currently stored under MEDIA_ROOT."""
    root = Path(django_settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {path for path in root.rglob("*") if path.is_file()}


def noise_png(size: tuple[int, int] = (200, 200)) -> bytes:
    """A PNG that does not compress: its bytes grow with its size, truncation hurts it."""
    width, height = size
    pixels = random.Random(width * height).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose header is rewritten to claim ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    # signature (8) + chunk length (4) + b"IHDR" (4) + data (13) + crc (4)
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def obtain_tokens(client, username: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)
