"""The installable app: web manifest, service worker and offline page."""

import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.web.views import pwa

pytestmark = pytest.mark.django_db


def static_bytes(client, url: str) -> bytes:
    """A static file the site serves (the response streams; the file is read from disk)."""
    assert client.get(url).status_code == 200, url
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, url
    return Path(path).read_bytes()


def worker_config(response) -> dict:
    match = re.search(r"^const CONFIG = (\{.*\});$", response.content.decode(), re.MULTILINE)
    assert match, "the worker declares its configuration"
    return json.loads(match.group(1))


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert "public" in response["Cache-Control"]
    manifest = json.loads(response.content)
    assert manifest["name"] == "RubySound.fm"
    assert manifest["short_name"] == "RubySound"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


@pytest.mark.parametrize(
    "size_purpose", [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]
)
def test_manifest_icons_are_served_pngs_of_their_size(client, size_purpose):
    manifest = json.loads(client.get("/manifest.json").content)
    icon = next(i for i in manifest["icons"] if (i["sizes"], i["purpose"]) == size_purpose)

    image = Image.open(io.BytesIO(static_bytes(client, icon["src"])))
    assert image.format == "PNG"
    assert f"{image.width}x{image.height}" == icon["sizes"]


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/service-worker.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    cache_control = response["Cache-Control"]
    assert "max-age=300" in cache_control
    assert not response.cookies


def test_service_worker_precaches_the_shell_by_its_static_urls(client):
    config = worker_config(client.get("/service-worker.js"))

    for url in (
        "/static/css/app.css",
        "/static/css/home.css",
        "/static/js/app.js",
        "/static/js/pwa.js",
        "/static/vendor/htmx/htmx.min.js",
        "/static/img/icons/icon-192.png",
        "/static/js/components/home-carousel.js",
    ):
        assert url in config["precache"]
    assert config["offlineUrl"] == "/offline/"
    assert config["staticPrefix"] == "/static/"
    # Everything precached exists (one missing file would make the install fail).
    for url in config["precache"]:
        assert client.get(url).status_code == 200, url
    # Only static assets: no page, no API.
    assert all(url.startswith("/static/") for url in config["precache"])


def test_service_worker_never_caches_pages_api_or_audio(client):
    source = client.get("/service-worker.js").content.decode()

    # Cache writes happen in one place, behind the static-asset and content-type checks.
    assert source.count("cache.put(") == 1
    assert 'request.mode === "navigate"' in source
    assert "fromNetworkOrOffline" in source
    assert '!type.startsWith("text/html")' in source
    assert '!type.startsWith("audio/")' in source
    assert 'request.headers.has("Range")' in source
    assert "url.pathname.startsWith(CONFIG.staticPrefix)" in source
    assert 'credentials: "omit"' in source


def test_worker_version_changes_when_an_asset_changes(tmp_path):
    files = [("css/app.css", str(tmp_path / "app.css"))]
    (tmp_path / "app.css").write_text("body{}")
    before = pwa._version(files, ["/static/css/app.css"])
    (tmp_path / "app.css").write_text("body{color:red}")

    assert pwa._version(files, ["/static/css/app.css"]) != before
    assert pwa._version(files, ["/static/css/app.abc123.css"]) != before


def test_offline_page_stands_alone_with_nothing_personal(client, user):
    client.force_login(user)

    response = client.get("/offline/")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assertContains(response, "You are offline")
    assertContains(response, "Try again")
    assertNotContains(response, user.username)
    assertNotContains(response, "csrfmiddlewaretoken")
    assertNotContains(response, "<script>")  # no inline script
    assert not response.cookies


def test_every_page_registers_the_worker_through_app_js(client):
    response = client.get("/")

    assertContains(response, 'src="/static/js/app.js"')
    app_js = static_bytes(client, "/static/js/app.js").decode()
    assert 'import "./pwa.js";' in app_js
    pwa_js = static_bytes(client, "/static/js/pwa.js").decode()
    assert 'register("/service-worker.js"' in pwa_js
