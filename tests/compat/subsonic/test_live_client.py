"""A real Subsonic client (py-opensonic, from PyPI) against a live server on the generated
library: POST forms with token auth and ``.view`` paths, an API key, and ``p=enc:``
(legacy auth). It decodes every answer into its dataclasses, which checks required fields."""

import asyncio
import time
from pathlib import Path

import pytest
from libopensonic import Connection
from libopensonic.errors import SonicError

from rubysound.accounts import services as account_services
from rubysound.catalog.models import Listen, Track
from rubysound.social.models import Playlist
from rubysound.social.selectors.playlists import favorite_track_ids
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)


def connect(base_url: str, **credentials) -> Connection:
    host, port = base_url.rsplit(":", 1)
    return Connection(host, port=int(port), app_name="rubysound-tests", **credentials)


def read(conn: Connection, response) -> bytes:
    """The body of a binary answer, read on the client's own event loop."""
    return asyncio.run_coroutine_threadsafe(response.read(), conn._loop).result(timeout=30)


def test_a_listening_session_with_py_opensonic(scanned_library, settings):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    user = UserFactory(username="ines")
    _, secret = account_services.create_app_password(user, "py-opensonic")
    _, api_key = account_services.create_api_key(user, "py-opensonic")
    with serve(env={"STREAM_ACCEL_REDIRECT_PREFIX": ""}) as base_url:
        conn = connect(base_url, username="ines", password=secret)  # token auth, POST, .view
        by_key = connect(base_url, api_key=api_key)
        legacy = connect(base_url, username="ines", password=secret, legacy_auth=True)
        wrong = connect(base_url, username="ines", password="not-it")
        try:
            assert conn.ping()
            assert by_key.ping()
            assert legacy.ping()
            with pytest.raises(SonicError):
                wrong.ping()
            assert by_key.token_info().username == "ines"
            names = {extension.name for extension in conn.get_open_subsonic_extensions()}
            assert {"formPost", "apiKeyAuthentication"} <= names

            # Browse: artists -> artist -> album.
            artists = [a for index in conn.get_artists().index for a in index.artist]
            assert artists
            artist = conn.get_artist(artists[0].id)
            assert artist.album
            album = conn.get_album(artist.album[0].id)
            assert album.song
            song = album.song[0]
            track = Track.objects.get(pk=int(song.id.removeprefix("tr-")))
            assert song.title == track.title

            # Search: a word of the song's title, and the whole library with an empty query.
            found = conn.search3(track.title.split()[0], song_count=50)
            assert song.id in {s.id for s in found.song}
            everything = legacy.search3("", artist_count=500, album_count=500, song_count=500)
            assert len(everything.song) == Track.objects.count()

            # Media: the original bytes, and the cover.
            streamed = read(conn, conn.stream(song.id))
            assert streamed == (Path(track.library_root) / track.path).read_bytes()
            cover = read(conn, conn.get_cover_art(album.id, size=128))
            assert cover[:3] == b"\xff\xd8\xff" or cover[:4] == b"RIFF"
            assert not Listen.objects.exists()  # streaming counts no play

            # Star a song: it is in the web app's Favorites.
            assert conn.star(sids=[song.id])
            assert favorite_track_ids(user) == {track.pk}
            assert [s.id for s in by_key.get_starred2().song] == [song.id]

            # Scrobble: a listen at the client's time.
            played_at = int(time.time()) - 600
            assert conn.scrobble(song.id, submission=True, listen_time=played_at)
            listen = Listen.objects.get()
            assert listen.track_id == track.pk
            assert int(listen.listened_at.timestamp()) == played_at

            # Now playing: no listen, but what getNowPlaying answers (the client decodes it).
            assert conn.scrobble(song.id, submission=False)
            (playing,) = conn.get_now_playing()
            assert (playing.id, playing.username) == (song.id, "ines")
            assert Listen.objects.count() == 1

            # Create and edit a playlist.
            songs = [s.id for s in everything.song[:3]]
            assert conn.create_playlist(name="For the road", song_ids=songs)
            created = next(p for p in conn.get_playlists() if p.name == "For the road")
            assert [e.id for e in conn.get_playlist(created.id).entry] == songs
            assert conn.update_playlist(
                created.id, name="For the long road", song_ids_to_add=[everything.song[3].id]
            )
            assert conn.update_playlist(created.id, song_indices_to_remove=[0])
            edited = conn.get_playlist(created.id)
            assert edited.name == "For the long road"
            assert [e.id for e in edited.entry] == [*songs[1:], everything.song[3].id]
            row = Playlist.objects.get(pk=int(created.id.removeprefix("pl-")))
            assert row.owner == user
            assert created.id in {p.id for p in conn.get_playlists()}
        finally:
            for client in (conn, by_key, legacy, wrong):
                client.cleanup()
