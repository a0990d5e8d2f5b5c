"""GET /api/albums/<id>/cover?size=N: real images resized with Pillow and cached on disk."""

import io
import logging
import os

import pytest
from asgiref.sync import async_to_sync
from django.core.files.base import ContentFile
from django.test import RequestFactory
from PIL import Image

from rubysound.catalog.api import library as api
from rubysound.catalog.library import covers
from tests.catalog.media_files import image_bytes
from tests.factories import AlbumFactory

WEBP_BROWSER = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture(autouse=True)
def cover_cache(settings, tmp_path):
    settings.COVER_CACHE_DIR = tmp_path / "covers-resized"
    return settings.COVER_CACHE_DIR


def album_with_cover(data: bytes | None = None, name: str = "front.png"):
    album = AlbumFactory()
    album.cover.save(name, ContentFile(data or image_bytes((800, 600))), save=True)
    return album


def cover_url(album, size=None) -> str:
    base = f"/api/albums/{album.pk}/cover"
    return base if size is None else f"{base}?size={size}"


def decoded(response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def cached_files(cache_dir) -> list:
    return sorted(p for p in cache_dir.rglob("*") if p.is_file())


# --- Rendering ----------------------------------------------------------------------------


def test_webp_for_browsers_resized_to_fit_the_box(client, db, cover_cache):
    album = album_with_cover()
    response = client.get(cover_url(album, 300), HTTP_ACCEPT=WEBP_BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Length"] == str(len(response.content))
    assert response["Cache-Control"] == "public, max-age=86400"
    assert "Accept" in response["Vary"]
    assert response["ETag"].startswith('"')
    image = decoded(response)
    assert image.format == "WEBP"
    assert image.size == (300, 225)
    assert len(cached_files(cover_cache)) == 1


def test_jpeg_for_clients_that_do_not_take_webp(client, db):
    album = album_with_cover(image_bytes((600, 900), image_format="JPEG"), "front.jpg")
    for accept in ("image/jpeg", "*/*", "image/webp;q=0"):
        response = client.get(cover_url(album, 600), HTTP_ACCEPT=accept)
        assert response["Content-Type"] == "image/jpeg", accept
        image = decoded(response)
        assert image.format == "JPEG"
        assert image.size == (400, 600)


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("64", 64),
        ("100", 128),
        ("96", 128),  # a tie goes to the larger size
        ("250", 300),
        ("450", 600),
        ("1200", 1200),
        ("5000", 1200),
        ("0", 64),
        ("", 300),
        (None, 300),
        ("000300", 300),
    ],
)
def test_sizes_snap_to_the_nearest_allowed_one(client, db, asked, served):
    album = album_with_cover(image_bytes((2000, 2000)))
    response = client.get(cover_url(album, asked))
    assert response.status_code == 200
    assert decoded(response).size == (served, served)


def test_covers_are_never_enlarged(client, db):
    album = album_with_cover(image_bytes((200, 100)))
    response = client.get(cover_url(album, 1200))
    assert decoded(response).size == (200, 100)


@pytest.mark.parametrize(
    "size", ["abc", "-5", "1e3", "3.5", "12345678901", "١٢", " ", "300px", "0x40", "%00"]
)
def test_bad_sizes_are_400_json_never_500(client, db, size):
    album = album_with_cover()
    response = client.get(f"/api/albums/{album.pk}/cover?size={size}")
    if size == " ":
        assert response.status_code == 200  # blank means the default
        return
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "size" in body["fields"]


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "CMYK"])
def test_images_of_every_mode_are_rendered(client, db, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    album = album_with_cover(image_bytes((300, 300), "teal", fmt, mode), f"c.{fmt.lower()}")
    response = client.get(cover_url(album, 128), HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200
    assert decoded(response).size == (128, 128)


# --- The disk cache -----------------------------------------------------------------------


def test_a_cached_render_is_reused(client, db, cover_cache, monkeypatch):
    album = album_with_cover()
    first = client.get(cover_url(album, 128), HTTP_ACCEPT=WEBP_BROWSER)
    [cached] = cached_files(cover_cache)
    mtime = cached.stat().st_mtime_ns

    def no_render(*args, **kwargs):
        raise AssertionError("the cover was drawn again")

    monkeypatch.setattr(covers, "render", no_render)
    second = client.get(cover_url(album, 128), HTTP_ACCEPT=WEBP_BROWSER)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert cached.stat().st_mtime_ns == mtime
    assert cached_files(cover_cache) == [cached]


def test_each_size_and_format_is_cached_once_and_writes_are_atomic(client, db, cover_cache):
    album = album_with_cover()
    for size in (64, 100, 128, 300):  # 100 snaps to 128
        client.get(cover_url(album, size), HTTP_ACCEPT=WEBP_BROWSER)
        client.get(cover_url(album, size), HTTP_ACCEPT="image/jpeg")
    names = sorted(p.name.split("-")[0] + "." + p.suffix for p in cached_files(cover_cache))
    assert len(names) == 6
    assert not [p for p in cover_cache.rglob(".*") if p.is_file()]  # no temporary files left
    assert {p.parent.name for p in cached_files(cover_cache)} == {str(album.pk)}


def test_a_new_cover_gets_a_new_etag_and_replaces_the_old_render(client, db, cover_cache):
    album = album_with_cover(image_bytes((800, 600), "crimson"))
    old = client.get(cover_url(album, 300))
    old_file = cached_files(cover_cache)[0]
    album.cover.save("new.png", ContentFile(image_bytes((800, 800), "navy")), save=True)
    new = client.get(cover_url(album, 300), HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200
    assert new["ETag"] != old["ETag"]
    assert decoded(new).size == (300, 300)
    assert not old_file.exists()
    assert len(cached_files(cover_cache)) == 1


def test_an_unwritable_cache_still_serves_the_cover(client, db, monkeypatch, caplog):
    album = album_with_cover()

    def refuse(path, data):
        raise PermissionError("read-only")

    monkeypatch.setattr(covers, "_write_atomically", refuse)
    with caplog.at_level(logging.WARNING, logger="rubysound.catalog.library.covers"):
        response = client.get(cover_url(album, 64))
    assert response.status_code == 200
    assert decoded(response).size == (64, 48)
    assert any(r.getMessage() == "cover cache not writable" for r in caplog.records)


# --- Validators and fallbacks ---------------------------------------------------------


def test_if_none_match_is_304(client, db):
    album = album_with_cover()
    etag = client.get(cover_url(album, 300), HTTP_ACCEPT=WEBP_BROWSER)["ETag"]
    response = client.get(cover_url(album, 300), HTTP_ACCEPT=WEBP_BROWSER, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=86400"
    # The same tag does not validate the other format.
    other = client.get(cover_url(album, 300), HTTP_ACCEPT="image/jpeg", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_an_album_without_a_cover_redirects_to_the_default_image(client, db):
    album = AlbumFactory()
    response = client.get(cover_url(album, 300))
    assert response.status_code == 302
    assert response["Location"] == "/static/img/default-cover.svg"
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("broken", ["not an image", "missing file"])
def test_an_unreadable_cover_redirects_to_the_default_image(client, db, broken, caplog):
    album = album_with_cover(b"this is not an image" if broken == "not an image" else None)
    if broken == "missing file":
        os.remove(album.cover.path)
    with caplog.at_level(logging.WARNING, logger="rubysound.catalog.library.covers"):
        response = client.get(cover_url(album, 300))
    assert response.status_code == 302
    assert response["Location"] == "/static/img/default-cover.svg"
    assert any(r.getMessage() == "cover unavailable" for r in caplog.records)


def test_an_oversized_original_is_refused_without_decoding_it(client, db, monkeypatch):
    monkeypatch.setattr(covers, "MAX_SOURCE_PIXELS", 100 * 100)
    album = album_with_cover(image_bytes((101, 100)))
    assert client.get(cover_url(album, 64)).status_code == 302


def test_unknown_albums_are_404_json(client, db):
    for path in ("/api/albums/999999/cover", f"/api/albums/{10**30}/cover?size=64"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_head_has_no_body_and_other_methods_are_405(client, db):
    album = album_with_cover()
    request = RequestFactory().head(cover_url(album, 64))
    head = async_to_sync(api.album_cover)(request, pk=album.pk)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head["Content-Length"]) > 0
    response = client.delete(cover_url(album, 64))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("image/webp", covers.WEBP),
        ("IMAGE/WEBP;q=0.5", covers.WEBP),
        ("image/webp;q=0", covers.JPEG),
        ("image/webp;q=0.0", covers.JPEG),
        ("image/webp;q=x", covers.JPEG),
        ("image/png,image/jpeg", covers.JPEG),
        ("", covers.JPEG),
    ],
)
def test_format_negotiation(accept, fmt):
    assert covers.negotiate_format(accept) is fmt
