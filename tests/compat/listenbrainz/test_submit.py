"""POST /1/submit-listens: what a scrobbler sends becomes listens (matched to the library or
kept by name), playing_now becomes the user's now playing, and a request that breaks one
of ListenBrainz's rules is refused whole with its {"code", "error"} shape."""

import json
import time
import uuid

import pytest

from rubysound.accounts import services as account_services
from rubysound.catalog.models import (
    Album,
    Artist,
    Listen,
    NowPlaying,
    ScrobbleLink,
    ScrobbleOutboxEntry,
    Track,
)
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    ScrobbleLinkFactory,
    TrackFactory,
    UserFactory,
)

from .conftest import listen, submission

pytestmark = pytest.mark.django_db


def test_a_single_listen_of_a_library_track_is_recorded_against_it(lb, listener):
    track = TrackFactory(title="Sinnerman", artist=ArtistFactory(name="Nina Simone"))
    at = int(time.time()) - 300
    response = lb.submit(submission("single", listen("nina simone", "SINNERMAN", at=at)))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    stored = Listen.objects.get()
    assert (stored.user, stored.track, int(stored.listened_at.timestamp())) == (
        listener,
        track,
        at,
    )
    assert stored.source == Listen.Source.LISTENBRAINZ


def test_the_mbid_wins_over_the_names(lb):
    mbid = uuid.uuid4()
    by_mbid = TrackFactory(title="Real Title", mbid=mbid)
    TrackFactory(title="Sinnerman", artist=ArtistFactory(name="Nina Simone"))
    info = {"recording_mbid": str(mbid)}
    assert lb.submit(submission("single", listen(additional_info=info))).status_code == 200
    assert Listen.objects.get().track == by_mbid


def test_the_release_picks_between_two_tracks_of_the_same_name(lb):
    artist = ArtistFactory(name="Nina Simone")
    TrackFactory(title="Sinnerman", artist=artist, album=AlbumFactory(title="Live", artist=artist))
    studio = TrackFactory(
        title="Sinnerman", artist=artist, album=AlbumFactory(title="Pastel Blues", artist=artist)
    )
    lb.submit(submission("single", listen(release_name="pastel blues")))
    assert Listen.objects.get().track == studio


def test_an_unknown_song_is_kept_as_a_track_known_only_by_name(lb):
    unknown = listen("Unknown Band", "Unheard Song", release_name="EP")
    response = lb.submit(submission("single", unknown))
    assert response.status_code == 200
    track = Listen.objects.get().track
    assert track.source == Track.Source.REMOTE
    assert (track.title, track.artist.name) == ("Unheard Song", "Unknown Band")
    assert track.album.title == "EP"
    # The same song again is the same track.
    again = listen("unknown band", "unheard song", at=int(time.time()) - 60)
    lb.submit(submission("single", again))
    assert Listen.objects.count() == 2
    assert Track.objects.filter(source=Track.Source.REMOTE).count() == 1


def test_the_same_listen_twice_is_one_listen(lb):
    document = submission("import", listen(at=1_600_000_000), listen(at=1_600_000_000))
    assert lb.submit(document).status_code == 200
    assert lb.submit(submission("single", listen(at=1_600_000_000))).status_code == 200
    assert Listen.objects.count() == 1


def test_an_import_of_a_thousand_listens_takes_bounded_queries(lb, django_assert_max_num_queries):
    artist = ArtistFactory(name="Nina Simone")
    tracks = [TrackFactory(title=f"Song {n}", artist=artist) for n in range(20)]
    base = 1_600_000_000
    listens = [listen("Nina Simone", tracks[n % 20].title, at=base + n * 200) for n in range(1000)]
    with django_assert_max_num_queries(20):
        response = lb.submit(submission("import", *listens))
    assert response.status_code == 200, response.content
    assert Listen.objects.count() == 1000


def test_the_body_is_json_whatever_the_content_type_says(lb):
    body = json.dumps(submission("single", listen()))
    assert lb.submit(body, content_type="text/plain").status_code == 200
    as_form = lb.submit(body.encode(), content_type="application/x-www-form-urlencoded")
    assert as_form.status_code == 200
    assert Listen.objects.count() == 1


def test_playing_now_is_the_users_now_playing_and_no_listen(lb, listener):
    response = lb.submit(
        submission(
            "playing_now",
            listen(at=False, additional_info={"duration_ms": 200000, "submission_client": "Pano"}),
        )
    )
    assert response.status_code == 200, response.content
    assert not Listen.objects.exists()
    row = NowPlaying.objects.get(user=listener)
    assert row.track.title == "Sinnerman"
    assert row.client == "Pano"
    assert 199 <= (row.expires_at - row.started_at).total_seconds() <= 201


# --- Refusals ----------------------------------------------------------------------------


def _refused(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "error"}
    assert body["code"] == status
    assert body["error"]
    return body["error"]


def _nothing_written():
    assert not Listen.objects.exists()
    assert not Track.objects.exists()
    assert not NowPlaying.objects.exists()


def test_no_token_a_wrong_one_and_a_revoked_one_are_refused(lb, listener, client):
    document = submission("single", listen())
    assert "Authorization" in _refused(lb.submit(document, token=""), 401)
    assert _refused(lb.submit(document, token="not-a-key"), 401) == "Invalid authorization token."
    key_row, key = account_services.create_api_key(listener, "old phone")
    account_services.revoke_api_key(listener, key_row.pk)
    _refused(lb.submit(document, token=key), 401)
    response = client.post(
        "/1/submit-listens", "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    _refused(response, 401)
    _nothing_written()


def test_a_switched_off_accounts_token_is_refused(lb, listener):
    listener.is_active = False
    listener.save(update_fields=["is_active"])
    _refused(lb.submit(submission("single", listen())), 401)
    _nothing_written()


def test_a_token_records_for_its_own_user_only(lb, listener):
    other = UserFactory(username="someone")
    _, their_key = account_services.create_api_key(other, "theirs")
    lb.submit(submission("single", listen()), token=their_key)
    assert Listen.objects.get().user == other


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"text"',
        b"{}",
        b'{"listen_type": "single"}',
        b'{"listen_type": "sometimes", "payload": []}',
        b'{"listen_type": "import", "payload": []}',
        b'{"listen_type": "import", "payload": {}}',
        b'{"listen_type": "import", "payload": [1]}',
        b"[" * 100000 + b"]" * 100000,
        b'{"listen_type": "single", "payload": [{"listened_at": 1600000000, "track_metadata": '
        b'{"artist_name": "A\\u0000", "track_name": "B"}}]}',
    ],
)
def test_malformed_documents_are_refused(lb, body):
    _refused(lb.submit(body))
    _nothing_written()


def _bad_listens():
    now = int(time.time())
    good = listen()
    too_big = listen(additional_info={"comment": "x" * 10240})
    return {
        "listened_at too old": listen(at=1033430399),
        "listened_at in the future": listen(at=now + 3600),
        "listened_at a string": listen(at="1600000000"),
        "listened_at a float": listen(at=1600000000.5),
        "listened_at a boolean": listen(at=True),
        "listened_at missing": listen(at=False),
        "no artist": listen(artist=""),
        "no title": {"listened_at": now - 60, "track_metadata": {"artist_name": "A"}},
        "artist not a string": listen(artist=5),
        "no track_metadata": {"listened_at": now - 60},
        "unknown top-level key": {**good, "extra": 1},
        "51 tags": listen(additional_info={"tags": [f"t{n}" for n in range(51)]}),
        "a 65-character tag": listen(additional_info={"tags": ["x" * 65]}),
        "tags not a list": listen(additional_info={"tags": "rock"}),
        "recording_mbid not a UUID": listen(additional_info={"recording_mbid": "nope"}),
        "release_mbid not a UUID": listen(additional_info={"release_mbid": "1234"}),
        "artist_mbids not UUIDs": listen(additional_info={"artist_mbids": ["nope"]}),
        "artist_mbids not a list": listen(additional_info={"artist_mbids": str(uuid.uuid4())}),
        "additional_info not an object": listen(additional_info=[1]),
        "a listen over 10,240 bytes": too_big,
    }


@pytest.mark.parametrize("case", list(_bad_listens()))
def test_one_bad_listen_refuses_the_whole_import(lb, case):
    bad = _bad_listens()[case]
    goods = [listen(track=f"Good {n}", at=1_600_000_000 + n) for n in range(5)]
    _refused(lb.submit(submission("import", *goods, bad, *goods)))
    _nothing_written()


def test_exactly_the_limits_are_accepted(lb):
    info = {"tags": ["x" * 64] * 50, "recording_mbid": str(uuid.uuid4())}
    at_the_edge = listen(at=1033430400, additional_info=info)
    listens = [at_the_edge] + [listen(track=f"T{n}", at=1_600_000_000 + n) for n in range(999)]
    assert lb.submit(submission("import", *listens)).status_code == 200
    assert Listen.objects.count() == 1000


def test_more_than_a_thousand_listens_are_refused(lb):
    listens = [listen(track=f"T{n}", at=1_600_000_000 + n) for n in range(1001)]
    assert "1000" in _refused(lb.submit(submission("import", *listens)))
    _nothing_written()


def test_single_and_playing_now_carry_exactly_one_listen(lb):
    two = [listen(at=1_600_000_000), listen(at=1_600_000_100)]
    _refused(lb.submit(submission("single", *two)))
    _refused(lb.submit(submission("playing_now", listen(at=False), listen(at=False))))
    _refused(lb.submit(submission("playing_now", listen(at=1_600_000_000))))
    _nothing_written()


def test_a_body_too_large_for_any_valid_request_is_refused_unread(lb):
    body = b'{"listen_type": "import", "payload": [' + b" " * (11 * 1024 * 1024) + b"]}"
    _refused(lb.submit(body), 413)
    _nothing_written()


def test_other_methods_are_refused(lb):
    _refused(lb.get("/1/submit-listens"), 405)


def test_an_import_of_songs_never_seen_creates_each_once_in_bounded_queries(
    lb, django_assert_max_num_queries
):
    ArtistFactory(name="Band 0")  # known already: reused, not created again
    listens = [
        listen(
            f"Band {n % 10}",
            f"New Song {n % 300}",
            at=1_600_000_000 + n * 60,
            release_name=f"LP {n % 3}",
        )
        for n in range(1000)
    ]
    # 31 with the scrobble outbox's one look for the user's linked services.
    with django_assert_max_num_queries(31):
        response = lb.submit(submission("import", *listens))
    assert response.status_code == 200, response.content
    assert Listen.objects.count() == 1000
    remote = Track.objects.filter(source=Track.Source.REMOTE)
    assert remote.count() == 300
    assert Artist.objects.count() == 10
    assert Album.objects.count() == 30
    song = remote.get(title="New Song 7")
    assert (song.artist.name, song.album.title) == ("Band 7", "LP 1")
    # Sent again: the same tracks, no listen twice.
    lb.submit(submission("import", *listens))
    assert remote.count() == 300
    assert Listen.objects.count() == 1000


def test_submitted_listens_are_queued_for_last_fm_but_never_back_to_listenbrainz(lb, listener):
    lastfm = ScrobbleLinkFactory(user=listener, service=ScrobbleLink.Service.LASTFM)
    ScrobbleLinkFactory(user=listener, service=ScrobbleLink.Service.LISTENBRAINZ)
    now = int(time.time())
    response = lb.submit(
        submission("import", listen(track="One", at=now - 900), listen(track="Two", at=now - 600))
    )
    assert response.status_code == 200, response.content
    queued = ScrobbleOutboxEntry.objects.values_list("link_id", "listen__track__title")
    assert sorted(queued) == [(lastfm.pk, "One"), (lastfm.pk, "Two")]
    # A refused request writes no entry either.
    refused = lb.submit(submission("import", listen(track="Three", at=now - 300), {"bad": 1}))
    assert refused.status_code == 400
    assert ScrobbleOutboxEntry.objects.count() == 2
