"""A real ListenBrainz client (liblistenbrainz, from PyPI) against a live server: it checks
its token, submits a single listen, now playing and an import, and reads them back."""

import time
import uuid

import pytest
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException

from rubysound.accounts import services as account_services
from rubysound.catalog.models import Listen as StoredListen
from rubysound.catalog.models import Track
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_scrobbling_session_with_liblistenbrainz():
    user = UserFactory(username="ines")
    _, token = account_services.create_api_key(user, "liblistenbrainz")
    artist = ArtistFactory(name="Nina Simone")
    library_track = TrackFactory(
        title="Sinnerman", artist=artist, album=AlbumFactory(title="Pastel Blues", artist=artist)
    )
    now = int(time.time())
    with serve() as base_url:
        client = ListenBrainz(api_base_url=base_url)
        with pytest.raises(InvalidAuthTokenException):
            client.set_auth_token("not-a-token")
        client.set_auth_token(token)

        # A single listen of a library track, named as a scrobbler names it.
        client.submit_single_listen(
            Listen(
                track_name="sinnerman",
                artist_name="NINA SIMONE",
                release_name="Pastel Blues",
                listened_at=now - 900,
                tags=["jazz"],
            )
        )
        # Now playing, with a length: answered back.
        client.submit_playing_now(
            Listen(
                track_name="Feeling Good",
                artist_name="Nina Simone",
                additional_info={"duration_ms": 180000},
                listening_from="tests",
            )
        )
        playing = client.get_playing_now("ines")
        assert playing is not None
        assert (playing.track_name, playing.artist_name) == ("Feeling Good", "Nina Simone")

        # An import of songs we do not have, one of them with its MBID.
        recording = str(uuid.uuid4())
        history = [
            Listen(
                track_name=f"Old Song {n}",
                artist_name="Someone Else",
                listened_at=now - 86400 - n * 300,
                recording_mbid=recording if n == 0 else None,
            )
            for n in range(30)
        ]
        client.submit_multiple_listens(history)
        client.submit_multiple_listens(history[:5])  # sent again: nothing changes

        listens = client.get_listens("ines", count=100)
        assert len(listens) == 31
        assert listens[0].track_name == "Sinnerman"
        assert listens[0].listened_at == now - 900
        assert listens[0].release_name == "Pastel Blues"
        assert [listen.listened_at for listen in listens[1:]] == [
            now - 86400 - n * 300 for n in range(30)
        ]
        page = client.get_listens("ines", max_ts=now - 86400 - 300, count=2)
        assert [listen.track_name for listen in page] == ["Old Song 2", "Old Song 3"]

        top = client.get_user_artists("ines", time_range="all_time")
        assert top["payload"]["artists"][0]["artist_name"] == "Someone Else"
        assert top["payload"]["artists"][0]["listen_count"] == 30
        recordings = client.get_user_recordings("ines", count=5)
        assert recordings["payload"]["total_recording_count"] == 31

        with pytest.raises(ListenBrainzAPIException) as missing:
            client.get_listens("nobody")
        assert missing.value.status_code == 404

    assert StoredListen.objects.filter(user=user).count() == 31
    assert StoredListen.objects.filter(track=library_track).count() == 1
    assert Track.objects.get(mbid=recording).title == "Old Song 0"
