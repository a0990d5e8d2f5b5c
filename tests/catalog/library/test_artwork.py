"""Album artwork: covers re-encoded once and replaced cleanly, folder images found by name."""

import io
from pathlib import Path

import pytest
from PIL import Image

from rubysound.catalog.library import artwork
from tests.catalog.conftest import jpeg_bytes
from tests.factories import AlbumFactory

pytestmark = pytest.mark.django_db


def _png_with_alpha() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (2000, 1000), (0, 0, 255, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_cover_is_reencoded_as_bounded_jpeg_and_written_once(
    settings, django_capture_on_commit_callbacks
):
    album = AlbumFactory()
    assert artwork.set_album_cover(album, _png_with_alpha())
    with Image.open(album.cover.path) as image:
        assert (image.format, image.size) == ("JPEG", (1200, 600))
    first = album.cover.name

    assert not artwork.set_album_cover(album, _png_with_alpha())  # same image: nothing to do

    with django_capture_on_commit_callbacks(execute=True):
        assert artwork.set_album_cover(album, jpeg_bytes("gold"))
    album.refresh_from_db()
    assert album.cover.name != first
    stored = list((Path(settings.MEDIA_ROOT) / "covers" / "original").iterdir())
    assert [p.name for p in stored] == [Path(album.cover.name).name]  # the old one is gone


def test_garbage_is_not_stored_as_a_cover():
    album = AlbumFactory()
    assert not artwork.set_album_cover(album, b"<svg onload=alert(1)>")
    album.refresh_from_db()
    assert not album.cover


def test_folder_covers_are_found_by_name_in_order_of_preference(tmp_path):
    for name in ("front.png", "Folder.jpg", "scan.jpg"):
        (tmp_path / name).write_bytes(b"x")
    assert artwork.find_folder_cover(tmp_path).name == "Folder.jpg"
    assert artwork.find_folder_cover(tmp_path / "missing") is None
