"""py-opensonic (a real client, decoding every answer into its dataclasses) against a live
server: the play queue saved on the phone and restored (and continued in the web player's
queue), lyrics by song id and by artist and title, and a transcoded stream."""

import asyncio
import shutil

import pytest
from libopensonic import Connection

from rubysound.accounts import services as account_services
from rubysound.catalog import selectors as catalog
from rubysound.catalog.models import Track
from tests.catalog.streaming.ffprobe import probe
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)


def connect(base_url: str, **credentials) -> Connection:
    host, port = base_url.rsplit(":", 1)
    return Connection(host, port=int(port), app_name="rubysound-phone", **credentials)


def read(conn: Connection, response) -> bytes:
    return asyncio.run_coroutine_threadsafe(response.read(), conn._loop).result(timeout=60)


def test_queue_lyrics_and_transcoding_with_py_opensonic(scanned_library, settings, tmp_path):
    user = UserFactory(username="oskar")
    _, secret = account_services.create_app_password(user, "py-opensonic")
    env = {"STREAM_ACCEL_REDIRECT_PREFIX": "", "TRANSCODE_CACHE_DIR": str(tmp_path / "tc")}
    with serve(env=env) as base_url:
        conn = connect(base_url, username="oskar", password=secret)
        try:
            names = {extension.name for extension in conn.get_open_subsonic_extensions()}
            assert {"indexBasedQueue", "songLyrics"} <= names
            assert ("transcodeOffset" in names) == (shutil.which("ffmpeg") is not None)

            songs = [s.id for s in conn.search3("", song_count=500).song]
            assert len(songs) == Track.objects.count()

            # The queue saved on the phone...
            assert conn.save_play_queue(songs[:3], current=songs[1], position=42_000)
            queue = conn.get_play_queue()
            assert [entry.id for entry in queue.entry] == songs[:3]
            assert (queue.current, queue.position, queue.changed_by) == (
                songs[1],
                42_000,
                "rubysound-phone",
            )
            # ...is the web player's queue.
            state = catalog.get_play_queue(user)
            assert [f"tr-{track.pk}" for track in state.tracks] == songs[:3]
            assert state.current_index == 1

            repeated = [songs[0], songs[2], songs[0]]
            assert conn.save_play_queue_by_index(repeated, current_index=2, position=5)
            by_index = conn.get_play_queue_by_index()
            assert [entry.id for entry in by_index.entry] == repeated
            assert by_index.current_index == 2

            # Lyrics: the demo library has an .lrc beside the first track of each album.
            with_lyrics = Track.objects.filter(lyrics__isnull=False).order_by("pk").first()
            (structured,) = conn.get_lyrics_by_song_id(f"tr-{with_lyrics.pk}")
            assert structured.synced
            assert structured.line[0].start is not None
            plain = conn.get_lyrics(artist=with_lyrics.artist.name, title=with_lyrics.title)
            assert plain.value.splitlines() == [line.value for line in structured.line]

            if shutil.which("ffmpeg"):
                mp3 = read(conn, conn.stream(songs[0], max_bit_rate=64, tformat="mp3"))
                assert probe(mp3, tmp_path)["streams"][0]["codec_name"] == "mp3"
        finally:
            conn.cleanup()
