"""``make screenshots``: PNGs of the main pages, both themes, desktop and phone.

Everything runs on a throwaway embedded install under ``var/screenshots-db/`` (its own
SQLite database, media, secret key and a small generated demo library, kept between runs
so the audio is generated once; the database starts empty every time): migrate, the demo
library, two listeners with favorites, a comment with a reply and likes, made through the
services. Then a uvicorn server on a free port, and Debian's Chromium (``CHROMIUM_PATH``,
default ``/usr/bin/chromium``) driven by Playwright writes
``var/screenshots/<page>-<theme>-<viewport>.png`` and this script prints each file.

    .venv/bin/python scripts/screenshots.py [--only home,album]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var" / "screenshots-db"
OUT_DIR = BASE_DIR / "var" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
THEMES = ("light", "dark")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
DEMO_SIZE = [
    "--artists=6",
    "--albums-per-artist=2",
    "--tracks-per-album=4",
    "--min-seconds=8",
    "--max-seconds=16",
]
PASSWORD = "screenshots-are-not-secret-1"  # noqa: S105 - a throwaway local install

# The install's environment: nothing from a developer's DATABASE_URL or REDIS_URL.
ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "RUBYSOUND_LIBRARY_DIRS"}
}
ENV.update(
    {
        "RUBYSOUND_VAR_DIR": str(VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "rubysound.settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
)


def prepare_django():
    os.environ.clear()
    os.environ.update(ENV)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def build_data() -> dict:
    """A fresh database with the demo library, two users, favorites, comments and likes."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_library", *DEMO_SIZE, "--quiet")

    from rubysound.accounts.services import signup_user
    from rubysound.catalog.models import Album, Artist, Genre, Track
    from rubysound.social.services.comments import like_comment, post_comment
    from rubysound.social.services.likes import like_playlist
    from rubysound.social.services.playlists import TrackRef, add_track, ensure_favorites

    alice = signup_user(username="alice", email="alice@example.com", password=PASSWORD)
    alice.bio = "Synth pop, late-night radio and anything with a good bassline."
    alice.save(update_fields=["bio"])
    bob = signup_user(username="bob", email="bob@example.com", password=PASSWORD)
    tracks = list(Track.objects.order_by("pk"))
    alice_favorites, bob_favorites = ensure_favorites(alice), ensure_favorites(bob)
    for track in tracks[:8]:
        add_track(alice_favorites, TrackRef(track_id=track.pk))
    for track in tracks[5:11]:
        add_track(bob_favorites, TrackRef(track_id=track.pk))
    like_playlist(bob, alice_favorites)
    comment = post_comment(
        author=bob, playlist=alice_favorites, text="Lovely picks, the third one especially!"
    )
    reply = post_comment(
        author=alice, playlist=alice_favorites, text="Thank you, Bob!", parent_id=comment.pk
    )
    like_comment(user=alice, playlist=alice_favorites, comment=comment)
    like_comment(user=bob, playlist=alice_favorites, comment=reply)
    _listening_history(alice, tracks)
    track = tracks[0]
    return {
        "alice": alice,
        "bob": bob,
        "search": track.title.split()[0],
        "artist": Artist.objects.order_by("name").first().pk,
        "album": Album.objects.order_by("title").first().pk,
        "genre": Genre.objects.order_by("name").first().slug,
    }


def _listening_history(user, tracks) -> None:
    """Three weeks of evenings and weekend mornings, for /history/ and the profile."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from rubysound.catalog.services import record_listen

    rng = random.Random(7)  # noqa: S311 - made-up listening times, the same every run
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for day in range(21):
        start = now - timedelta(days=day)
        hours = [8, 9, 10] if start.weekday() >= 5 else [19, 20, 21, 22]
        for hour in hours:
            for slot in range(rng.randint(1, 4)):
                at = start.replace(hour=hour) + timedelta(minutes=12 * slot)
                if at < now:
                    track = rng.choice(tracks[:30])
                    record_listen(user=user, track=track, played_seconds=None, listened_at=at)
    user.is_public_listening = True
    user.save(update_fields=["is_public_listening"])


def session_for(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    process = subprocess.Popen(  # noqa: S603 - our own uvicorn, fixed arguments
        [
            uvicorn,
            "rubysound.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            "--no-access-log",
            "--log-level=warning",
            "--timeout-graceful-shutdown=2",
        ],
        cwd=BASE_DIR,
        env=ENV,
    )
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not answer /health/live within 30 s")


def pages(data: dict) -> dict:
    """name -> (path, signed-in user or None, play a track first: True, or "queue" to also
    open the player's "Up next" panel)."""
    return {
        "home": ("/", None, False),
        "home-signed-in": ("/", "alice", False),
        "search": (f"/music_api/index/?q={data['search']}", None, False),
        "artist": (f"/artists/{data['artist']}/", None, False),
        "album": (f"/albums/{data['album']}/", None, False),
        "login": ("/login/", None, False),
        "signup": ("/signup/", None, False),
        "playlists": ("/playlists/", "alice", False),
        "settings-profile": ("/settings/profile/", "alice", False),
        "settings-account": ("/settings/account/", "alice", False),
        "settings-privacy": ("/settings/privacy/", "alice", False),
        "settings-apps": ("/settings/apps/", "alice", False),
        "history": ("/history/", "alice", False),
        "settings-notifications": ("/settings/notifications/", "alice", False),
        "password-reset": ("/password-reset/", None, False),
        "public-profile": ("/u/alice/", None, False),
        "public-profile-signed-in": ("/u/alice/", "bob", False),
        "player-open": (f"/albums/{data['album']}/", "bob", True),
        "browse-artists": ("/artists/", None, False),
        "browse-albums": ("/albums/", None, False),
        "browse-genres": ("/genres/", None, False),
        "genre": (f"/genres/{data['genre']}/", None, False),
        "browse-tracks": ("/tracks/?sort=-plays", None, False),
        "player-queue": (f"/albums/{data['album']}/", "bob", "queue"),
    }


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#main [data-component][data-ready]')]"
        ".every((el) => el.dataset.ready === 'true')"
    )


def play_first_track(page) -> None:
    page.wait_for_selector("#player[data-ready='true']", state="attached")
    page.locator("#main").get_by_role("button", name="Play ").first.click()
    page.wait_for_function(
        "() => { const a = document.querySelector('#player audio');"
        " return a && !a.paused && a.currentTime > 0.5; }"
    )
    page.wait_for_load_state("networkidle")  # the waveform's peaks


def open_queue(page) -> None:
    player = page.locator("#player")
    expand = player.get_by_role("button", name="Expand the player")
    if expand.is_visible():
        # A phone shows the queue in the full-screen now-playing view, with no button of its own.
        expand.click()
        page.wait_for_selector("#player.is-expanded .player-queue")
        return
    player.get_by_role("button", name="Up next").click()
    page.wait_for_selector("#player-queue:not([hidden])")


def shoot(base_url: str, data: dict, only: set[str]) -> list[Path]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    cookie_name = settings.SESSION_COOKIE_NAME
    sessions = {name: session_for(data[name]) for name in ("alice", "bob")}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            for name, (path, user, play) in pages(data).items():
                if only and name not in only:
                    continue
                for theme in THEMES:
                    for size, viewport in VIEWPORTS.items():
                        context = browser.new_context(
                            base_url=base_url,
                            viewport=viewport,
                            color_scheme=theme,
                            reduced_motion="reduce",  # still frames, not mid-animation
                        )
                        try:
                            if user:
                                context.add_cookies(
                                    [
                                        {
                                            "name": cookie_name,
                                            "value": sessions[user],
                                            "url": base_url,
                                        }
                                    ]
                                )
                            context.add_init_script(
                                f"localStorage.setItem('rubysound-theme', '{theme}')"
                            )
                            page = context.new_page()
                            page.goto(path)
                            settle(page)
                            if play:
                                play_first_track(page)
                            if play == "queue":
                                open_queue(page)
                            target = OUT_DIR / f"{name}-{theme}-{size}.png"
                            # The player bar is fixed to the window: a full-page picture would
                            # paint it over the middle of a long page.
                            page.screenshot(path=str(target), full_page=not play)
                            written.append(target)
                            print(target.relative_to(BASE_DIR), flush=True)
                        finally:
                            context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium or set CHROMIUM_PATH")
    # A throwaway install: the database and media start empty, the generated library stays.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    for stale in VAR_DIR.glob("rubysound.sqlite3*"):
        stale.unlink()
    shutil.rmtree(VAR_DIR / "media", ignore_errors=True)
    shutil.rmtree(VAR_DIR / "prometheus", ignore_errors=True)
    prepare_django()
    data = build_data()
    port = free_port()
    server = start_server(port)
    try:
        written = shoot(f"http://127.0.0.1:{port}", data, {n for n in args.only.split(",") if n})
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{len(written)} screenshots in {OUT_DIR.relative_to(BASE_DIR)}/")


if __name__ == "__main__":
    main()
