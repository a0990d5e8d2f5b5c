"""The reads of /1/: validate-token, a user's listens by time, what they play now, their top
artists, recordings and releases by calendar range. A private user answers as a missing one,
except to their own token."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from rubysound.accounts import services as account_services
from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from tests.factories import AlbumFactory, ArtistFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_validate_token_names_the_user_of_a_valid_token(lb, listener):
    body = lb.get("/1/validate-token").json()
    assert body == {"code": 200, "message": "Token valid.", "valid": True, "user_name": "nina"}
    assert lb.get("/1/validate-token", token="wrong").json()["valid"] is False
    missing = lb.client.get("/1/validate-token")
    assert missing.status_code == 400
    assert missing.json()["code"] == 400


def test_validate_token_refuses_a_revoked_key(lb, listener):
    row, key = account_services.create_api_key(listener, "tablet")
    assert lb.get("/1/validate-token", token=key).json()["valid"] is True
    account_services.revoke_api_key(listener, row.pk)
    assert lb.get("/1/validate-token", token=key).json()["valid"] is False


def test_listens_newest_first_with_bounds_and_count(lb, listener):
    artist = ArtistFactory(name="Nina Simone")
    track = TrackFactory(title="Sinnerman", artist=artist, album=AlbumFactory(artist=artist))
    for n in range(10):
        ListenFactory(user=listener, track=track, listened_at=_at(1_600_000_000 + n * 100))
    ListenFactory(track=track, listened_at=_at(1_600_000_050))  # someone else's
    body = lb.get("/1/user/nina/listens").json()["payload"]
    stamps = [item["listened_at"] for item in body["listens"]]
    assert stamps == [1_600_000_000 + n * 100 for n in reversed(range(10))]
    assert body["count"] == 10
    assert body["user_id"] == "nina"
    assert body["latest_listen_ts"] == 1_600_000_900
    first = body["listens"][0]
    assert first["track_metadata"]["artist_name"] == "Nina Simone"
    assert first["track_metadata"]["track_name"] == "Sinnerman"
    assert first["track_metadata"]["release_name"] == track.album.title
    assert first["user_name"] == "nina"

    older = lb.get("/1/user/nina/listens", {"max_ts": 1_600_000_500, "count": 2}).json()
    assert [i["listened_at"] for i in older["payload"]["listens"]] == [
        1_600_000_400,
        1_600_000_300,
    ]
    newer = lb.get("/1/user/nina/listens", {"min_ts": 1_600_000_500, "count": 2}).json()
    assert [i["listened_at"] for i in newer["payload"]["listens"]] == [
        1_600_000_700,
        1_600_000_600,
    ]
    both = lb.get("/1/user/nina/listens", {"min_ts": 1_600_000_100, "max_ts": 1_600_000_400}).json()
    assert [i["listened_at"] for i in both["payload"]["listens"]] == [
        1_600_000_300,
        1_600_000_200,
    ]


def test_listens_count_is_capped_and_bad_parameters_refused(lb, listener):
    assert lb.get("/1/user/nina/listens", {"count": 5000}).status_code == 200
    for params in ({"count": "many"}, {"count": -1}, {"min_ts": "yesterday"}, {"max_ts": -5}):
        response = lb.get("/1/user/nina/listens", params)
        assert response.status_code == 400, params
        assert set(response.json()) == {"code", "error"}
    inverted = lb.get("/1/user/nina/listens", {"min_ts": 200, "max_ts": 100})
    assert inverted.status_code == 400


def test_a_missing_a_private_and_a_switched_off_user_look_the_same(lb, listener, client):
    private = UserFactory(username="hidden", is_public_favorites=False)
    ListenFactory(user=private)
    UserFactory(username="gone", is_active=False)
    for name in ("nobody", "hidden", "gone"):
        for path in (
            f"/1/user/{name}/listens",
            f"/1/user/{name}/playing-now",
            f"/1/stats/user/{name}/artists",
        ):
            response = lb.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"code": 404, "error": f"Cannot find user: {name}"}


def test_a_public_profile_shares_listening_only_when_its_user_says_so(lb, listener):
    ListenFactory(user=listener)
    listener.is_public_listening = False
    listener.save(update_fields=["is_public_listening"])
    for path in (
        "/1/user/nina/listens",
        "/1/user/nina/playing-now",
        "/1/stats/user/nina/artists",
    ):
        response = lb.get(path, token="")
        assert response.status_code == 404, path
        assert response.json() == {"code": 404, "error": "Cannot find user: nina"}
        assert lb.get(path).status_code == 200, path  # their own token still reads it
    listener.is_public_listening = True
    listener.save(update_fields=["is_public_listening"])
    assert lb.get("/1/user/nina/listens", token="").json()["payload"]["count"] == 1


def test_a_private_user_reads_their_own_data_with_their_token(lb, listener):
    listener.is_public_favorites = False
    listener.save(update_fields=["is_public_favorites"])
    ListenFactory(user=listener)
    assert lb.get("/1/user/nina/listens").status_code == 200
    assert lb.get("/1/user/nina/listens", token="").status_code == 404


def test_playing_now_until_the_track_would_have_ended(lb, listener):
    track = TrackFactory(title="Feeling Good", artist=ArtistFactory(name="Nina Simone"))
    empty = lb.get("/1/user/nina/playing-now").json()["payload"]
    assert empty["count"] == 0
    assert empty["listens"] == []
    catalog_services.set_now_playing(listener, track, source=Listen.Source.SUBSONIC)
    body = lb.get("/1/user/nina/playing-now").json()["payload"]
    assert body["count"] == 1
    assert body["playing_now"] is True
    (item,) = body["listens"]
    assert item["playing_now"] is True
    assert item["track_metadata"]["track_name"] == "Feeling Good"
    # Started longer ago than the track lasts: over.
    catalog_services.set_now_playing(
        listener,
        track,
        source=Listen.Source.SUBSONIC,
        now=timezone.now() - timedelta(seconds=track.duration + 1),
    )
    assert lb.get("/1/user/nina/playing-now").json()["payload"]["count"] == 0


def test_top_artists_recordings_and_releases_by_range(lb, listener):
    nina = ArtistFactory(name="Nina Simone")
    miles = ArtistFactory(name="Miles Davis")
    blues = AlbumFactory(title="Pastel Blues", artist=nina)
    sinnerman = TrackFactory(title="Sinnerman", artist=nina, album=blues)
    so_what = TrackFactory(title="So What", artist=miles, album=AlbumFactory(artist=miles))
    now = timezone.now()
    for _ in range(3):
        ListenFactory(user=listener, track=sinnerman, listened_at=now - timedelta(minutes=_ + 1))
    ListenFactory(user=listener, track=so_what, listened_at=now - timedelta(minutes=10))
    # Two years ago: in all_time only.
    for n in range(5):
        ListenFactory(user=listener, track=so_what, listened_at=now - timedelta(days=730 + n))

    artists = lb.get("/1/stats/user/nina/artists", {"range": "this_year"}).json()["payload"]
    assert [(a["artist_name"], a["listen_count"]) for a in artists["artists"]] == [
        ("Nina Simone", 3),
        ("Miles Davis", 1),
    ]
    assert artists["total_artist_count"] == 2
    assert artists["range"] == "this_year"
    everything = lb.get("/1/stats/user/nina/artists", {"range": "all_time", "count": 1}).json()
    assert [a["artist_name"] for a in everything["payload"]["artists"]] == ["Miles Davis"]
    assert everything["payload"]["total_artist_count"] == 2

    recordings = lb.get("/1/stats/user/nina/recordings").json()["payload"]["recordings"]
    assert recordings[0]["track_name"] == "So What"
    assert recordings[0]["listen_count"] == 6
    assert recordings[1]["release_name"] == "Pastel Blues"

    releases = lb.get("/1/stats/user/nina/releases", {"range": "this_year"}).json()
    assert releases["payload"]["releases"][0]["release_name"] == "Pastel Blues"
    assert releases["payload"]["releases"][0]["artist_name"] == "Nina Simone"


def test_stats_without_listens_in_the_range_are_204_and_bad_ranges_400(lb, listener):
    ListenFactory(user=listener, listened_at=timezone.now() - timedelta(days=800))
    assert lb.get("/1/stats/user/nina/artists", {"range": "this_week"}).status_code == 204
    assert lb.get("/1/stats/user/nina/artists", {"range": "all_time"}).status_code == 200
    bad = lb.get("/1/stats/user/nina/artists", {"range": "forever"})
    assert bad.status_code == 400
    assert bad.json()["code"] == 400
    assert lb.get("/1/stats/user/nina/artists", {"offset": -1}).status_code == 400
    assert lb.get("/1/stats/user/nina/genres").status_code == 404


@pytest.mark.parametrize(
    "name",
    ["this_week", "this_month", "this_year", "week", "month", "quarter", "half_yearly", "year"],
)
def test_every_range_is_answered(lb, listener, name):
    ListenFactory(user=listener, listened_at=timezone.now() - timedelta(days=1))
    assert lb.get("/1/stats/user/nina/recordings", {"range": name}).status_code in (200, 204)
