"""The installable app: ``/manifest.json``, ``/service-worker.js`` and ``/offline/``.

The service worker is a template so that the static URLs it precaches come from
``static()`` (hashed names in production). Its cache name carries a digest of those URLs and
of every static file's size and modification time, so any change to the assets gives a new
worker (browsers compare the script byte for byte) that replaces the old cache.

What it caches, and what it never does, is stated in the template itself: static assets
only. Pages (they carry CSRF tokens and user data), API answers and audio always go to the
network; a navigation that cannot reach the server gets the offline page, which is a
standalone document with nothing personal in it.
"""

import hashlib
import json
import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rubysound.core.http.caching import public

MANIFEST_MAX_AGE = 3600
WORKER_MAX_AGE = 300
OFFLINE_MAX_AGE = 3600
OFFLINE_URL = "/offline/"
BACKGROUND_COLOR = "#0f0b0d"  # --bg of the dark theme
THEME_COLOR = "#0f0b0d"

ICONS = (
    ("img/icons/icon-192.png", "192x192", "any"),
    ("img/icons/icon-512.png", "512x512", "any"),
    ("img/icons/icon-maskable-512.png", "512x512", "maskable"),
)

# What every page needs (base.html) plus the offline page; components load on demand and
# are cached the first time a page uses them.
SHELL_ASSETS = (
    "css/app.css",
    "css/player.css",
    "css/catalog.css",
    "css/playlists.css",
    "css/profile.css",
    "css/home.css",
    "css/favorites.css",
    "js/theme-init.js",
    "js/offline-language.js",
    "js/app.js",
    "js/pwa.js",
    "js/navigation-errors.js",
    "js/api.js",
    "js/live-socket.js",
    "js/notification-feed.js",
    "js/plurals.js",
    "js/list-keys.js",
    "js/display.js",
    "vendor/htmx/htmx.min.js",
    "img/logo.svg",
    "img/default-avatar.svg",
    "img/default-cover.svg",
    *(path for path, _size, _purpose in ICONS),
)
# Modules imported by app.js at run time, precached too when they exist.
PRECACHED_FOLDERS = ("js/components/", "js/player/")


def manifest_data() -> dict:
    return {
        "name": "RubySound.fm",
        "short_name": "RubySound",
        "description": _("Stream your library, collect favorites and share playlists."),
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND_COLOR,
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }


@require_safe
@public(max_age=MANIFEST_MAX_AGE)
def manifest(request):
    response = JsonResponse(manifest_data(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def _static_files() -> list[tuple[str, str]]:
    """(path under STATIC_URL, file on disk) of every static file the finders know."""
    found: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None) or ""
            name = f"{prefix}/{path}" if prefix else path
            found.setdefault(name.replace("\\", "/"), storage.path(path))
    return sorted(found.items())


def precache_paths(files: list[tuple[str, str]]) -> list[str]:
    names = {name for name, _path in files}
    wanted = [path for path in SHELL_ASSETS if path in names] if names else list(SHELL_ASSETS)
    wanted += [
        name
        for name in sorted(names)
        if name.startswith(PRECACHED_FOLDERS) and name.endswith(".js")
    ]
    return list(dict.fromkeys(wanted))


def _version(files: list[tuple[str, str]], urls: list[str]) -> str:
    digest = hashlib.sha256()
    for url in urls:
        digest.update(url.encode() + b"\0")
    for name, path in files:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


@require_safe
@public(max_age=WORKER_MAX_AGE)
def service_worker(request):
    files = _static_files()
    urls = [static(path) for path in precache_paths(files)]
    config = {
        "version": _version(files, [*urls, OFFLINE_URL]),
        "precache": urls,
        "offlineUrl": OFFLINE_URL,
        "staticPrefix": settings.STATIC_URL,
    }
    # Rendered without the request: nothing about the visitor can end up in the worker.
    # json.dumps output is a valid JavaScript literal (the worker is not HTML).
    body = render_to_string("web/service-worker.js", {"config": mark_safe(json.dumps(config))})  # noqa: S308
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
@public(max_age=OFFLINE_MAX_AGE)
def offline(request):
    # Rendered without the request: a standalone page with nothing personal, safe to keep.
    return HttpResponse(render_to_string("web/offline.html"))


@require_safe
def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the API's JSON,
    media files): our icon instead of a 404."""
    return HttpResponsePermanentRedirect(static("img/icons/icon-192.png"))
