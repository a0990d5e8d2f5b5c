"""Stars are the web app's Favorites, scrobbles are listens, playlists are the web app's
playlists; someone else's private playlist is not found, changing theirs is refused."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from rubysound.accounts import services as account_services
from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen, ScrobbleLink, ScrobbleOutboxEntry
from rubysound.social.models import Playlist
from rubysound.social.selectors.playlists import favorite_track_ids
from rubysound.social.services import playlists as playlist_services
from tests.compat.subsonic.conftest import Subsonic
from tests.compat.subsonic.schema_check import validate
from tests.factories import (
    ArtistFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    ScrobbleLinkFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def songs(db):
    return [TrackFactory(title=f"Song {n}", duration=200.0) for n in range(4)]


def sid(track) -> str:
    return f"tr-{track.pk}"


def test_star_and_unstar_are_the_favorites(subsonic, user, songs):
    subsonic.ok("star", {"id": [sid(songs[0]), sid(songs[1])]})
    assert favorite_track_ids(user) == {songs[0].pk, songs[1].pk}
    starred = subsonic.ok("getStarred2")
    validate("getStarred2", {"subsonic-response": starred})
    assert {s["id"] for s in starred["starred2"]["song"]} == {sid(songs[0]), sid(songs[1])}
    assert all(s["starred"] for s in starred["starred2"]["song"])
    legacy = subsonic.ok("getStarred")
    validate("getStarred", {"subsonic-response": legacy})
    # Starring twice is no error and no duplicate.
    subsonic.ok("star", {"id": sid(songs[0])})
    subsonic.ok("unstar", {"id": sid(songs[1])})
    assert favorite_track_ids(user) == {songs[0].pk}
    # The web app's heart shows up as a star.
    playlist_services.add_favorite(user, songs[2].pk)
    song = subsonic.ok("getSong", {"id": sid(songs[2])})["song"]
    assert song["starred"]
    assert "starred" not in subsonic.ok("getSong", {"id": sid(songs[3])})["song"]


def test_star_of_an_unknown_song_changes_nothing(subsonic, user, songs):
    error = subsonic.error("star", {"id": [sid(songs[0]), "tr-999999"]})
    assert error["code"] == 70
    assert favorite_track_ids(user) == frozenset()
    assert subsonic.error("star", {})["code"] == 10
    assert subsonic.error("star", {"albumId": "al-999999"})["code"] == 70


def test_scrobble_submission_records_a_listen_at_the_time(subsonic, user, songs):
    at = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)
    subsonic.ok("scrobble", {"id": sid(songs[0]), "time": int(at.timestamp() * 1000)})
    listen = Listen.objects.get()
    assert listen.user == user
    assert listen.track == songs[0]
    assert listen.listened_at == at
    assert listen.source == Listen.Source.SUBSONIC
    # The same scrobble again (an app retrying) is the same listen.
    subsonic.ok("scrobble", {"id": sid(songs[0]), "time": int(at.timestamp() * 1000)})
    assert Listen.objects.count() == 1


def test_a_scrobbled_song_is_queued_for_the_users_linked_services(subsonic, user, songs):
    link = ScrobbleLinkFactory(user=user, service=ScrobbleLink.Service.LASTFM)
    subsonic.ok("scrobble", {"id": [sid(songs[0]), sid(songs[1])]})
    queued = ScrobbleOutboxEntry.objects.filter(link=link).values_list("listen__track", flat=True)
    assert sorted(queued) == sorted([songs[0].pk, songs[1].pk])
    # Now playing is sent, never queued.
    subsonic.ok("scrobble", {"id": sid(songs[2]), "submission": "false"})
    assert ScrobbleOutboxEntry.objects.count() == 2


def test_scrobble_now_playing_is_no_listen_but_the_users_now_playing(subsonic, user, songs):
    subsonic.ok("scrobble", {"id": sid(songs[0]), "submission": "false"})
    assert not Listen.objects.exists()
    body = subsonic.ok("getNowPlaying")
    validate("getNowPlaying", {"subsonic-response": body})
    (entry,) = body["nowPlaying"]["entry"]
    assert entry["id"] == sid(songs[0])
    assert entry["username"] == user.username
    assert entry["minutesAgo"] == 0
    assert entry["playerName"] == "tests"  # the app's ``c``
    # The next song replaces it.
    subsonic.ok("scrobble", {"id": sid(songs[1]), "submission": "false"})
    assert [e["id"] for e in subsonic.ok("getNowPlaying")["nowPlaying"]["entry"]] == [sid(songs[1])]
    assert subsonic.error("scrobble", {"id": "tr-999999", "submission": "false"})["code"] == 70


def test_get_now_playing_shows_public_profiles_and_ends_with_the_track(subsonic, user, songs):
    public = UserFactory(username="public-one", is_public_listening=True)
    hidden = UserFactory(username="hidden-one", is_public_favorites=False, is_public_listening=True)
    ended = UserFactory(username="ended-one", is_public_listening=True)
    keeps_listening_to_self = UserFactory(username="quiet-one")  # a public profile only
    catalog_services.set_now_playing(public, songs[0], source=Listen.Source.LISTENBRAINZ)
    catalog_services.set_now_playing(keeps_listening_to_self, songs[1], source="subsonic")
    catalog_services.set_now_playing(hidden, songs[1], source=Listen.Source.SUBSONIC)
    catalog_services.set_now_playing(
        ended,
        songs[2],
        source=Listen.Source.SUBSONIC,
        now=timezone.now() - timedelta(seconds=201),  # the song lasts 200 s
    )
    # A song known only by name (a scrobbler's) is no song an app can open.
    remote = catalog_services.get_or_create_remote_track("Elsewhere", ArtistFactory().name)
    catalog_services.set_now_playing(UserFactory(), remote, source=Listen.Source.LISTENBRAINZ)
    entries = subsonic.ok("getNowPlaying")["nowPlaying"]["entry"]
    assert [(e["username"], e["id"]) for e in entries] == [("public-one", sid(songs[0]))]
    assert entries[0]["playerName"] == "ListenBrainz submission"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 10),
        ({"id": "tr-999999"}, 70),
        ({"id": "x"}, 70),
        ({"time": "abc"}, 0),
        ({"time": str(10**15)}, 0),
        ({"time": "-1"}, 0),
        ({"submission": "maybe"}, 0),
    ],
)
def test_scrobble_bad_input(subsonic, songs, params, code):
    if "id" not in params and params:
        params = {"id": sid(songs[0]), **params}
    assert subsonic.error("scrobble", params)["code"] == code
    assert not Listen.objects.exists()


def test_playlist_lifecycle(subsonic, user, songs):
    created = subsonic.ok(
        "createPlaylist", {"name": "Road trip", "songId": [sid(s) for s in songs[:3]]}
    )
    validate("createPlaylist", {"subsonic-response": created})
    playlist = created["playlist"]
    assert playlist["name"] == "Road trip"
    assert playlist["owner"] == user.username
    assert playlist["songCount"] == 3
    assert playlist["duration"] == 600
    assert [e["id"] for e in playlist["entry"]] == [sid(s) for s in songs[:3]]
    row = Playlist.objects.get(pk=int(playlist["id"].removeprefix("pl-")))
    assert row.owner == user
    assert row.visibility == Playlist.Visibility.PRIVATE

    listed = subsonic.ok("getPlaylists")
    validate("getPlaylists", {"subsonic-response": listed})
    assert playlist["id"] in {p["id"] for p in listed["playlists"]["playlist"]}

    subsonic.ok(
        "updatePlaylist",
        {
            "playlistId": playlist["id"],
            "name": "Road trip 2",
            "comment": "for the car",
            "public": "true",
            "songIndexToRemove": ["0", "2"],
            "songIdToAdd": [sid(songs[3]), sid(songs[1])],
        },
    )
    fetched = subsonic.ok("getPlaylist", {"id": playlist["id"]})
    validate("getPlaylist", {"subsonic-response": fetched})
    assert fetched["playlist"]["name"] == "Road trip 2"
    assert fetched["playlist"]["comment"] == "for the car"
    assert fetched["playlist"]["public"] is True
    assert [e["id"] for e in fetched["playlist"]["entry"]] == [sid(songs[1]), sid(songs[3])]

    # createPlaylist with playlistId replaces the songs.
    replaced = subsonic.ok(
        "createPlaylist", {"playlistId": playlist["id"], "songId": sid(songs[2])}
    )
    assert [e["id"] for e in replaced["playlist"]["entry"]] == [sid(songs[2])]

    subsonic.ok("deletePlaylist", {"id": playlist["id"]})
    assert not Playlist.objects.filter(pk=row.pk).exists()
    assert subsonic.error("getPlaylist", {"id": playlist["id"]})["code"] == 70


def test_bad_playlist_edits_change_nothing(subsonic, user, songs):
    created = subsonic.ok("createPlaylist", {"name": "Keep", "songId": [sid(songs[0])]})
    pid = created["playlist"]["id"]
    for params, code in (
        ({"songIndexToRemove": "5"}, 0),
        ({"songIndexToRemove": "-1"}, 0),
        ({"songIdToAdd": "tr-999999"}, 70),
        ({"name": ""}, 0),
        ({"name": "x" * 300}, 0),
    ):
        assert subsonic.error("updatePlaylist", {"playlistId": pid, **params})["code"] == code
    after = subsonic.ok("getPlaylist", {"id": pid})["playlist"]
    assert after["name"] == "Keep"
    assert [e["id"] for e in after["entry"]] == [sid(songs[0])]
    assert subsonic.error("createPlaylist", {})["code"] == 10
    assert subsonic.error("createPlaylist", {"name": "X", "songId": "tr-999999"})["code"] == 70
    assert Playlist.objects.filter(owner=user, is_favorites=False).count() == 1


def test_someone_elses_playlists(subsonic, songs):
    other = UserFactory()
    private = PlaylistFactory(owner=other, visibility=Playlist.Visibility.PRIVATE)
    public = PlaylistFactory(owner=other, visibility=Playlist.Visibility.PUBLIC)
    PlaylistItemFactory(playlist=public, track=songs[0])
    assert subsonic.error("getPlaylist", {"id": f"pl-{private.pk}"})["code"] == 70
    assert (
        subsonic.error("updatePlaylist", {"playlistId": f"pl-{private.pk}", "name": "x"})["code"]
        == 70
    )
    readable = subsonic.ok("getPlaylist", {"id": f"pl-{public.pk}"})["playlist"]
    assert [e["id"] for e in readable["entry"]] == [sid(songs[0])]
    for op, params in (
        ("updatePlaylist", {"playlistId": f"pl-{public.pk}", "name": "mine now"}),
        ("deletePlaylist", {"id": f"pl-{public.pk}"}),
        ("createPlaylist", {"playlistId": f"pl-{public.pk}", "songId": sid(songs[1])}),
    ):
        assert subsonic.error(op, params)["code"] == 50, op
    public.refresh_from_db()
    assert public.title != "mine now"
    assert [i.track_id for i in public.items.all()] == [songs[0].pk]
    assert subsonic.error("getPlaylists", {"username": other.username})["code"] == 50


def test_favorites_playlist_cannot_be_deleted(subsonic, user):
    from tests.factories import favorites_of

    favorites = favorites_of(user)
    assert subsonic.error("deletePlaylist", {"id": f"pl-{favorites.pk}"})["code"] == 0
    assert Playlist.objects.filter(pk=favorites.pk).exists()


def test_another_users_api_key_sees_their_own_favorites(subsonic, user, songs):
    other = UserFactory()
    _, key = account_services.create_api_key(other, "Phone")
    subsonic.ok("star", {"id": sid(songs[0])})
    theirs = Subsonic(subsonic.client, other.username, "")
    body = theirs.json("getStarred2", {"apiKey": key}, auth="none")
    assert body["starred2"]["song"] == []
