"""Data the signed-in benchmarks need beyond the demo library, made through manage.py shell.

``ensure_tracks`` tops the catalog up with remote tracks (through the catalog's service, in
one transaction: a minute for 10,000 on PostgreSQL, once per database); ``fill_favorites``
makes the bench user's Favorites hold exactly the first ``count`` tracks (through the
playlist service); ``fill_notifications`` gives them ``count`` notifications (rows written in
bulk: the service would also push each one to the user's open pages, which no bench has).
"""

import subprocess
import sys

from common import ROOT
from http_load import BENCH_USER

BENCH_ARTIST = "Bench Artist"
BENCH_ACTOR = "bench-actor"


def _shell(env: dict, script: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", script],
        env=env,
        check=True,
    )


def ensure_tracks(env: dict, count: int) -> None:
    """The catalog holds at least ``count`` tracks."""
    _shell(
        env,
        "from django.db import transaction\n"
        "from rubysound.catalog.models import Track\n"
        "from rubysound.catalog.services import get_or_create_remote_track\n"
        f"missing = {count} - Track.objects.count()\n"
        "with transaction.atomic():\n"
        "    for n in range(max(missing, 0)):\n"
        f"        get_or_create_remote_track(f'Bench song {{n}} {{missing}}', {BENCH_ARTIST!r})\n",
    )


def fill_favorites(env: dict, count: int) -> None:
    """The bench user's Favorites (public) hold exactly the first ``count`` catalog tracks."""
    ensure_tracks(env, count)
    _shell(
        env,
        "from rubysound.accounts.models import User\n"
        "from rubysound.catalog.models import Track\n"
        "from rubysound.social.services import playlists\n"
        f"u = User.objects.get(username={BENCH_USER!r})\n"
        "User.objects.filter(pk=u.pk).update(is_public_favorites=True)\n"
        f"ids = list(Track.objects.order_by('pk').values_list('pk', flat=True)[:{count}])\n"
        "playlists.replace_tracks(playlists.ensure_favorites(u), ids)\n",
    )


def fill_notifications(env: dict, count: int) -> None:
    """The bench user has exactly ``count`` notifications (likes of their Favorites)."""
    _shell(
        env,
        "from rubysound.accounts.models import User\n"
        "from rubysound.social.models import Notification\n"
        "from rubysound.social.services import playlists\n"
        f"u = User.objects.get(username={BENCH_USER!r})\n"
        f"actor, _ = User.objects.get_or_create(username={BENCH_ACTOR!r})\n"
        "favorites = playlists.ensure_favorites(u)\n"
        "Notification.objects.filter(recipient=u).delete()\n"
        "Notification.objects.bulk_create(\n"
        "    [Notification(recipient=u, actor=actor, type=Notification.Type.PLAYLIST_LIKE,\n"
        "                  playlist=favorites) for _ in range("
        f"{count})],\n"
        "    batch_size=1000,\n"
        ")\n",
    )
