"""A third real Subsonic client, subsonic-api (npm, run with Node), against a live server on
the generated library: token auth with a fresh salt on every request, POST forms
(``post: true``) and an API key. The session runs in subsonic_api_session.mjs; this test
checks what it saw against the database."""

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from rubysound.accounts import services as account_services
from rubysound.catalog.models import Listen, Track
from rubysound.social.models import Playlist
from rubysound.social.selectors.playlists import favorite_track_ids
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)

SESSION = Path(__file__).with_name("subsonic_api_session.mjs")
NODE = shutil.which("node")
CLIENT = Path(django_settings.BASE_DIR) / "node_modules" / "subsonic-api"


def run_session(base_url: str, **env) -> dict:
    if NODE is None or not CLIENT.exists():
        pytest.fail("Node.js and node_modules/subsonic-api are needed: `make` installs them")
    result = subprocess.run(  # noqa: S603 - our own script, with our own arguments
        [NODE, str(SESSION)],
        env={**os.environ, "SERVER": base_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def track_of(song_id: str) -> Track:
    return Track.objects.get(pk=int(song_id.removeprefix("tr-")))


def test_a_listening_session_with_subsonic_api(scanned_library, settings):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    user = UserFactory(username="yara")
    _, secret = account_services.create_app_password(user, "subsonic-api")
    _, api_key = account_services.create_api_key(user, "subsonic-api")
    played_at = int(time.time()) - 900
    with serve(env={"STREAM_ACCEL_REDIRECT_PREFIX": ""}) as base_url:
        seen = run_session(
            base_url,
            USERNAME="yara",
            PASSWORD=secret,
            API_KEY=api_key,
            PLAYED_AT=str(played_at * 1000),
        )

    assert seen["wrongPassword"] == 40
    assert seen["tokenInfo"] == "yara"
    song = track_of(seen["song"]["id"])
    assert seen["song"]["title"] == song.title
    assert seen["artistCount"] >= 1
    assert seen["album"]["songCount"] == len(seen["album"]["songs"])
    assert seen["song"]["id"] in seen["searchFound"]
    assert sorted(seen["everything"]) == sorted(
        f"tr-{pk}" for pk in Track.objects.values_list("pk", flat=True)
    )

    original = (Path(song.library_root) / song.path).read_bytes()
    assert seen["streamSha256"] == hashlib.sha256(original).hexdigest()
    assert seen["cover"]["contentType"].startswith("image/")
    assert seen["cover"]["head"].startswith("ffd8ff") or seen["cover"]["head"] == b"RIFF".hex()

    # Starred from the app: in the web app's Favorites.
    assert seen["starred2"] == [seen["song"]["id"]]
    assert favorite_track_ids(user) == {song.pk}

    # The album and artist starred from the app, the album rated.
    assert seen["starredAlbums"] == [seen["album"]["id"]]
    assert len(seen["starredArtists"]) == 1
    assert seen["albumAnnotations"] == {"rating": 3, "starred": True}

    # Scrobbled: one listen at the app's time.
    listen = Listen.objects.get()
    assert (listen.user_id, listen.track_id) == (user.pk, song.pk)
    assert int(listen.listened_at.timestamp()) == played_at

    three = seen["everything"][:3]
    assert seen["playlist"]["created"] == three
    assert seen["playlist"]["name"] == "Sunday afternoon"
    assert seen["playlist"]["songs"] == [*three[1:], seen["everything"][3]]
    assert seen["playlistListed"]
    playlist = Playlist.objects.get(pk=int(seen["playlist"]["id"].removeprefix("pl-")))
    assert (playlist.owner, playlist.title) == (user, "Sunday afternoon")
