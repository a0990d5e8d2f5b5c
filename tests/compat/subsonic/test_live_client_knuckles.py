"""A second real Subsonic client, knuckles (from PyPI), against a live server on the
generated library: GET requests with the parameters in the query, no ``.view``, and the app
password sent as plain ``p`` (its other mode, token auth, too). It builds its models from
our JSON, so a missing or misnamed field fails here as it would in the app."""

import datetime
import time
from pathlib import Path

import httpx
import pytest
from knuckles import Subsonic
from knuckles.exceptions import ErrorCode40

from rubysound.accounts import services as account_services
from rubysound.catalog.models import Listen, Track
from rubysound.social.models import Playlist
from rubysound.social.selectors.playlists import favorite_track_ids
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)


def connect(base_url: str, user: str, password: str, *, use_token: bool) -> Subsonic:
    # knuckles adds the scheme itself: it takes the host as 'host:port' (a URL with a scheme
    # would land in its netloc as given).
    host = base_url.removeprefix("http://")
    return Subsonic(
        url=host,
        user=user,
        password=password,
        client="rubysound-tests",
        use_https=False,
        use_token=use_token,
    )


def test_a_listening_session_with_knuckles(scanned_library, settings, tmp_path):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    user = UserFactory(username="noor")
    _, secret = account_services.create_app_password(user, "knuckles")
    with serve(env={"STREAM_ACCEL_REDIRECT_PREFIX": ""}) as base_url:
        plain = connect(base_url, "noor", secret, use_token=False)  # p=<secret>, GET
        token = connect(base_url, "noor", secret, use_token=True)  # t + a fresh s, GET
        wrong = connect(base_url, "noor", "not-it", use_token=False)

        assert plain.system.ping().status == "ok"
        assert token.system.ping().status == "ok"
        with pytest.raises(ErrorCode40):
            wrong.system.ping()
        # (Not get_open_subsonic_extensions: knuckles 1.2 reads the list the spec defines as
        # a mapping; py-opensonic's test checks that answer.)

        # Browse: artists -> artist -> album.
        artists = plain.browsing.get_artists()
        assert artists
        artist = plain.browsing.get_artist(artists[0].id)
        assert artist.albums
        album = plain.browsing.get_album(artist.albums[0].id)
        assert album.songs
        song = album.songs[0]
        track = Track.objects.get(pk=int(song.id.removeprefix("tr-")))
        assert song.title == track.title
        assert plain.browsing.get_song(song.id).title == track.title

        # Search: a word of the title; an empty query pages through the whole library.
        found = token.searching.search(track.title.split()[0], song_count=50)
        assert song.id in {s.id for s in found.songs}
        everything = plain.searching.search("", song_count=500, album_count=0, artist_count=0)
        assert len(everything.songs) == Track.objects.count()

        # Media: the stream URL it builds (GET, plain p) answers the original bytes; the cover
        # downloads to a file.
        streamed = httpx.get(plain.media_retrieval.stream(song.id), timeout=30)
        assert streamed.status_code == 200
        assert streamed.content == (Path(track.library_root) / track.path).read_bytes()
        cover = plain.media_retrieval.get_cover_art(album.id, tmp_path, size=128)
        assert cover.read_bytes()[:3] == b"\xff\xd8\xff" or cover.read_bytes()[:4] == b"RIFF"
        assert not Listen.objects.exists()  # streaming counts no play

        # Star a song: it is in the web app's Favorites, and in getStarred2.
        plain.media_annotation.star_song(song.id)
        assert favorite_track_ids(user) == {track.pk}
        assert [s.id for s in token.lists.get_starred().songs] == [song.id]

        # Star the album and the artist too, and rate the song and the album.
        plain.media_annotation.star_album(album.id)
        plain.media_annotation.star_artist(artist.id)
        plain.media_annotation.set_rating(song.id, 4)
        token.api.json_request("setRating", {"id": album.id, "rating": 5})
        starred = token.lists.get_starred()
        assert [a.id for a in starred.albums] == [album.id]
        assert [a.id for a in starred.artists] == [artist.id]
        assert plain.browsing.get_song(song.id).user_rating == 4
        assert plain.browsing.get_album(album.id).user_rating == 5
        plain.media_annotation.remove_rating(song.id)
        assert plain.browsing.get_song(song.id).user_rating is None

        # Scrobble: a listen at the client's time (knuckles sends milliseconds).
        played_at = datetime.datetime.fromtimestamp(int(time.time()) - 600, tz=datetime.UTC)
        plain.media_annotation.scrobble([song.id], [played_at], submission=True)
        listen = Listen.objects.get()
        assert listen.track_id == track.pk
        assert listen.listened_at == played_at

        # Create and edit a playlist (repeated songId / songIdToAdd / songIndexToRemove).
        songs = [s.id for s in everything.songs[:3]]
        created = plain.playlists.create_playlist("Night drive", song_ids=songs)
        assert [s.id for s in plain.playlists.get_playlist(created.id).songs] == songs
        plain.playlists.update_playlist(
            created.id, name="Longer night drive", song_ids_to_add=[everything.songs[3].id]
        )
        plain.playlists.update_playlist(created.id, song_indexes_to_remove=[0])
        edited = token.playlists.get_playlist(created.id)
        assert edited.name == "Longer night drive"
        assert [s.id for s in edited.songs] == [*songs[1:], everything.songs[3].id]
        assert Playlist.objects.get(pk=int(created.id.removeprefix("pl-"))).owner == user
        assert created.id in {p.id for p in plain.playlists.get_playlists()}
