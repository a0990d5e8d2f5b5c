"""The user's Favorites: the section-1 routes /api/playlists/me/ and /api/playlists/me/tracks/."""

import pytest

from rubysound.catalog.models import Track
from rubysound.social.models import Playlist, PlaylistItem
from rubysound.social.serializers.playlists import (
    FavoritesSerializer,
    PlaylistTrackSerializer,
    TrackChangeSerializer,
    TrackExistsSerializer,
)
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

ME = "/api/playlists/me/"
ME_TRACKS = "/api/playlists/me/tracks/"
MBID = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"


def positions(playlist) -> list[tuple[int, int]]:
    """(position, track id) of every item, in order."""
    return list(playlist.items.order_by("position").values_list("position", "track_id"))


def declared(serializer_class) -> set[str]:
    return set(serializer_class().fields)


# --- GET /api/playlists/me/ ------------------------------------------------------------------


def test_reading_needs_a_signed_in_user(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}


def test_reading_answers_title_and_tracks_in_order(auth_client, user):
    favorites = favorites_of(user)
    first, second = TrackFactory(title="Jóga"), TrackFactory()
    PlaylistItemFactory(playlist=favorites, track=first)
    PlaylistItemFactory(playlist=favorites, track=second)

    response = auth_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == declared(FavoritesSerializer)
    assert body["title"] == "Favorites"
    assert body["id"] == favorites.pk
    assert body["tracks_count"] == 2
    assert body["likes_count"] == 0
    assert body["is_public"] is True
    assert body["tracks_truncated"] is False
    assert [t["id"] for t in body["tracks"]] == [first.pk, second.pk]
    track = body["tracks"][0]
    assert set(track) == declared(PlaylistTrackSerializer)
    assert track["name"] == "Jóga"
    assert track["artist"] == first.artist.name
    assert track["url"] == f"http://testserver/api/tracks/{first.pk}/stream"
    assert track["image_url"].startswith("http://testserver/")
    assert (track["listeners"], track["playcount"], track["position"]) == (0, 0, 0)
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_account_without_favorites_reads_an_empty_one_and_nothing_is_created(api_client):
    user = UserFactory(favorites=False, is_public_favorites=False)
    api_client.force_authenticate(user)

    response = api_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] is None
    assert body["title"] == "Favorites"
    assert body["tracks"] == []
    assert body["is_public"] is False
    assert body["visibility"] == "private"
    assert not Playlist.objects.filter(owner=user).exists()


@pytest.mark.parametrize("items", [20, 1000])
def test_reading_runs_the_same_queries_however_many_tracks(
    auth_client, user, items, django_assert_max_num_queries
):
    favorites = favorites_of(user)
    for _ in range(items):
        PlaylistItemFactory(playlist=favorites)
    # The token's user, the Favorites with counts, the items with tracks, their stats.
    with django_assert_max_num_queries(4):
        response = auth_client.get(ME)
    assert len(response.json()["tracks"]) == items


def test_the_answer_is_bounded(auth_client, user, monkeypatch):
    from rubysound.social.api import playlists as api

    monkeypatch.setattr(api, "PLAYLIST_TRACKS_LIMIT", 2)
    for _ in range(3):
        PlaylistItemFactory(playlist=favorites_of(user))
    body = auth_client.get(ME).json()
    assert len(body["tracks"]) == 2
    assert body["tracks_truncated"] is True
    assert body["tracks_count"] == 3


# --- PATCH /api/playlists/me/ ----------------------------------------------------------------


def test_renaming(auth_client, user):
    response = auth_client.patch(ME, {"title": "  Songs I love  "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["detail"] == "Title updated."
    assert body["title"] == "Songs I love"
    assert favorites_of(user).title == "Songs I love"


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "Title is required."),
        ({"title": ""}, "Title is required."),
        ({"title": "   "}, "Title is required."),
        ({"title": None}, "Title is required."),
        ({"title": "x" * 256}, "Title is too long."),
    ],
)
def test_renaming_refuses_bad_titles(auth_client, user, payload, detail):
    response = auth_client.patch(ME, payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert favorites_of(user).title == "Favorites"


def test_a_title_of_255_characters_is_fine(auth_client):
    response = auth_client.patch(ME, {"title": "x" * 255}, format="json")
    assert response.status_code == 200


def test_renaming_creates_missing_favorites(api_client):
    user = UserFactory(favorites=False)
    api_client.force_authenticate(user)
    response = api_client.patch(ME, {"title": "Mine"}, format="json")
    assert response.status_code == 200
    assert Playlist.objects.get(owner=user, is_favorites=True).title == "Mine"


# --- POST /api/playlists/me/tracks/ ----------------------------------------------------------


def test_adding_by_catalog_id(auth_client, user):
    track = TrackFactory()
    response = auth_client.post(ME_TRACKS, {"track_id": track.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == declared(TrackChangeSerializer)
    assert body["detail"] == "Track added."
    assert body["title"] == "Favorites"
    assert body["track"]["id"] == track.pk
    assert body["tracks_count"] == 1
    assert positions(favorites_of(user)) == [(0, track.pk)]


def test_adding_by_name_and_artist_finds_the_catalog_track(auth_client, user):
    track = TrackFactory(title="Jóga", artist=ArtistFactory(name="Björk"))
    response = auth_client.post(ME_TRACKS, {"name": "  JOGA ", "artist": "bjork"}, format="json")
    assert response.status_code == 201
    assert response.json()["track"]["id"] == track.pk
    assert Track.objects.count() == 1


def test_a_library_file_is_preferred_to_a_remote_track_of_the_same_name(auth_client):
    artist = ArtistFactory(name="Portishead")
    Track.objects.create(title="Roads", artist=artist, source=Track.Source.REMOTE)
    library = TrackFactory(title="Roads", artist=artist)
    response = auth_client.post(ME_TRACKS, {"name": "roads", "artist": "portishead"}, format="json")
    assert response.json()["track"]["id"] == library.pk


def test_adding_a_song_the_catalog_does_not_know_records_a_remote_track(auth_client, user):
    response = auth_client.post(
        ME_TRACKS,
        # The web client posts whole Track objects: the extra keys are ignored.
        {"name": "Teardrop", "artist": "Massive Attack", "mbid": MBID, "listeners": "12"},
        format="json",
    )
    assert response.status_code == 201
    track = Track.objects.get(title="Teardrop")
    assert track.source == Track.Source.REMOTE
    assert str(track.mbid) == MBID
    assert track.artist.name == "Massive Attack"
    body = response.json()["track"]
    assert (body["id"], body["source"], body["mbid"], body["url"]) == (
        track.pk,
        "remote",
        MBID,
        "",
    )


def test_an_mbid_finds_the_catalog_track_whatever_the_name(auth_client):
    track = TrackFactory(title="Glory Box", mbid=MBID)
    response = auth_client.post(
        ME_TRACKS,
        {"name": "Glory Box (Remastered)", "artist": "Someone", "mbid": MBID},
        format="json",
    )
    assert response.json()["track"]["id"] == track.pk


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "jóga", "artist": "BJÖRK"},
        {"name": "Joga ", "artist": " björk"},
        {"name": "Something else", "artist": "Another", "mbid": MBID},
        "same_track",
    ],
)
def test_the_same_song_twice_is_a_conflict(auth_client, user, payload):
    first = auth_client.post(
        ME_TRACKS, {"name": "Jóga", "artist": "Björk", "mbid": MBID}, format="json"
    )
    assert first.status_code == 201
    if payload == "same_track":
        payload = {"track_id": first.json()["track"]["id"]}

    response = auth_client.post(ME_TRACKS, payload, format="json")

    assert response.status_code == 409
    body = response.json()
    assert set(body) == declared(TrackExistsSerializer)
    assert body["detail"] == "Track already exists."
    assert body["title"] == "Favorites"
    assert body["track"]["id"] == first.json()["track"]["id"]
    assert favorites_of(user).items.count() == 1
    assert Track.objects.count() == 1  # nothing recorded for the refused add


def test_a_library_track_and_a_remote_one_of_the_same_song_are_the_same_song(auth_client):
    artist = ArtistFactory(name="Björk")
    remote = Track.objects.create(title="Jóga", artist=artist, source=Track.Source.REMOTE)
    library = TrackFactory(title="joga", artist=artist)
    assert auth_client.post(ME_TRACKS, {"track_id": remote.pk}, format="json").status_code == 201
    response = auth_client.post(ME_TRACKS, {"track_id": library.pk}, format="json")
    assert response.status_code == 409


def test_a_catalog_match_already_there_under_its_mbid_is_a_conflict(auth_client, user):
    held = TrackFactory(title="Original", mbid=MBID)
    PlaylistItemFactory(playlist=favorites_of(user), track=held)
    # Another catalog track of the same recording, named differently.
    TrackFactory(title="Live", artist=ArtistFactory(name="Band"), mbid=MBID)
    response = auth_client.post(ME_TRACKS, {"name": "Live", "artist": "band"}, format="json")
    assert response.status_code == 409
    assert response.json()["track"]["id"] == held.pk


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "Teardrop"},
        {"artist": "Massive Attack"},
        {"name": "  ", "artist": "Massive Attack"},
        {"name": "Teardrop", "artist": ""},
        {"name": "x" * 256, "artist": "Massive Attack"},
        {"name": "Teardrop", "artist": "Massive Attack", "mbid": "not-a-uuid"},
        {"track_id": "seven"},
        {"track_id": 0},
    ],
)
def test_bad_input_is_a_400(auth_client, user, payload):
    response = auth_client.post(ME_TRACKS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]
    assert favorites_of(user).items.count() == 0


def test_an_unknown_track_id_is_a_404(auth_client):
    response = auth_client.post(ME_TRACKS, {"track_id": 999_999}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."


def test_adding_needs_a_signed_in_user(api_client):
    response = api_client.post(ME_TRACKS, {"name": "a", "artist": "b"}, format="json")
    assert response.status_code == 401


def test_adding_creates_missing_favorites(api_client):
    user = UserFactory(favorites=False)
    api_client.force_authenticate(user)
    track = TrackFactory()
    response = api_client.post(ME_TRACKS, {"track_id": track.pk}, format="json")
    assert response.status_code == 201
    assert positions(Playlist.objects.get(owner=user, is_favorites=True)) == [(0, track.pk)]


def test_an_empty_mbid_means_unknown(auth_client):
    response = auth_client.post(
        ME_TRACKS, {"name": "Teardrop", "artist": "Massive Attack", "mbid": ""}, format="json"
    )
    assert response.status_code == 201
    assert Track.objects.get().mbid is None


def test_adding_touches_the_playlist(auth_client, user):
    favorites = favorites_of(user)
    before = favorites.updated_at
    auth_client.post(ME_TRACKS, {"track_id": TrackFactory().pk}, format="json")
    favorites.refresh_from_db()
    assert favorites.updated_at > before


# --- DELETE /api/playlists/me/tracks/ --------------------------------------------------------


def _favorites_with(user, count: int) -> tuple[Playlist, list[Track]]:
    favorites = favorites_of(user)
    tracks = [TrackFactory() for _ in range(count)]
    for track in tracks:
        PlaylistItemFactory(playlist=favorites, track=track)
    return favorites, tracks


def test_removing_by_catalog_id_closes_the_gap(auth_client, user):
    favorites, tracks = _favorites_with(user, 4)
    response = auth_client.delete(ME_TRACKS, {"track_id": tracks[1].pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == declared(TrackChangeSerializer)
    assert body["detail"] == "Track removed."
    assert body["track"]["id"] == tracks[1].pk
    assert body["tracks_count"] == 3
    assert positions(favorites) == [(0, tracks[0].pk), (1, tracks[2].pk), (2, tracks[3].pk)]


def test_removing_by_folded_name_and_artist(auth_client, user):
    favorites = favorites_of(user)
    track = TrackFactory(title="Jóga", artist=ArtistFactory(name="Björk"))
    PlaylistItemFactory(playlist=favorites, track=track)
    response = auth_client.delete(ME_TRACKS, {"name": "JOGA", "artist": "bjork "}, format="json")
    assert response.status_code == 200
    assert favorites.items.count() == 0


def test_removing_by_mbid(auth_client, user):
    favorites = favorites_of(user)
    PlaylistItemFactory(playlist=favorites, track=TrackFactory(mbid=MBID))
    response = auth_client.delete(
        ME_TRACKS, {"name": "Whatever", "artist": "Whoever", "mbid": MBID}, format="json"
    )
    assert response.status_code == 200
    assert favorites.items.count() == 0


def test_removing_with_the_track_in_the_query_string(auth_client, user):
    favorites, tracks = _favorites_with(user, 2)
    response = auth_client.delete(f"{ME_TRACKS}?track_id={tracks[0].pk}")
    assert response.status_code == 200
    assert positions(favorites) == [(0, tracks[1].pk)]


@pytest.mark.parametrize(
    "payload", [{"track_id": 999_999}, {"name": "Nope", "artist": "Nobody"}, "other_track"]
)
def test_removing_what_is_not_there_is_a_404(auth_client, user, payload):
    favorites, _ = _favorites_with(user, 1)
    if payload == "other_track":
        payload = {"track_id": TrackFactory().pk}
    response = auth_client.delete(ME_TRACKS, payload, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."
    assert favorites.items.count() == 1


def test_removing_needs_name_and_artist_or_an_id(auth_client):
    response = auth_client.delete(ME_TRACKS, {"name": "Only a name"}, format="json")
    assert response.status_code == 400


def test_removing_from_missing_favorites_is_a_404_and_creates_nothing(api_client):
    user = UserFactory(favorites=False)
    api_client.force_authenticate(user)
    response = api_client.delete(ME_TRACKS, {"track_id": TrackFactory().pk}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Track not found."
    assert not Playlist.objects.filter(owner=user).exists()


def test_positions_stay_without_gaps_after_many_removals(auth_client, user):
    favorites, tracks = _favorites_with(user, 6)
    for track in (tracks[0], tracks[3], tracks[5]):
        auth_client.delete(ME_TRACKS, {"track_id": track.pk}, format="json")
    assert positions(favorites) == [(0, tracks[1].pk), (1, tracks[2].pk), (2, tracks[4].pk)]
    auth_client.post(ME_TRACKS, {"track_id": tracks[0].pk}, format="json")
    assert [p for p, _ in positions(favorites)] == [0, 1, 2, 3]


def test_another_users_favorites_are_untouched(auth_client, user):
    other = UserFactory()
    track = TrackFactory()
    PlaylistItemFactory(playlist=favorites_of(other), track=track)
    response = auth_client.delete(ME_TRACKS, {"track_id": track.pk}, format="json")
    assert response.status_code == 404
    assert PlaylistItem.objects.filter(playlist__owner=other).count() == 1


def test_album_of_a_new_remote_track_is_kept(auth_client):
    AlbumFactory(title="Mezzanine", artist=ArtistFactory(name="Massive Attack"))
    auth_client.post(
        ME_TRACKS,
        {"name": "Teardrop", "artist": "Massive Attack", "album": "mezzanine"},
        format="json",
    )
    assert Track.objects.get(title="Teardrop").album.title == "Mezzanine"


# --- Revalidation: ETag / If-None-Match ---------------------------------------------------------


def test_a_matching_if_none_match_is_answered_304_and_a_change_gives_a_new_200(auth_client, user):
    favorites = favorites_of(user)
    PlaylistItemFactory(playlist=favorites)
    first = auth_client.get(ME)
    etag = first["ETag"]
    assert first.status_code == 200
    assert etag

    again = auth_client.get(ME, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "private" in again["Cache-Control"]

    added = TrackFactory()
    assert auth_client.post(ME_TRACKS, {"track_id": added.pk}, format="json").status_code == 201
    changed = auth_client.get(ME, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert added.pk in [track["id"] for track in changed.json()["tracks"]]


def test_another_user_s_etag_gets_their_own_favorites_not_a_304(auth_client, user):
    other = UserFactory()
    PlaylistItemFactory(playlist=favorites_of(other))
    PlaylistItemFactory(playlist=favorites_of(user))
    mine = auth_client.get(ME)
    auth_client.force_authenticate(other)
    theirs = auth_client.get(ME, HTTP_IF_NONE_MATCH=mine["ETag"])
    assert theirs.status_code == 200
    assert theirs.json()["id"] == favorites_of(other).pk
