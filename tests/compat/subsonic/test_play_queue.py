"""getPlayQueue, savePlayQueue and the indexBasedQueue pair: the one queue of the user that
the web player restores too (``/api/me/queue/``), in both directions."""

import pytest

from rubysound.catalog import selectors, services
from tests.compat.subsonic.schema_check import validate
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def songs():
    return [TrackFactory(title=f"Song {n}", duration=180.0) for n in range(3)]


def ids(tracks) -> list[str]:
    return [f"tr-{track.pk}" for track in tracks]


def test_a_never_saved_queue_is_an_empty_queue(subsonic, user):
    body = subsonic.ok("getPlayQueue")
    validate("getPlayQueue", {"subsonic-response": body})
    assert body["playQueue"]["username"] == user.username
    assert "entry" not in body["playQueue"] or body["playQueue"]["entry"] == []
    assert "current" not in body["playQueue"]
    by_index = subsonic.ok("getPlayQueueByIndex")
    validate("getPlayQueueByIndex", {"subsonic-response": by_index})
    assert "currentIndex" not in by_index["playQueueByIndex"]


def test_saved_queue_comes_back_with_current_position_and_app(subsonic, user, songs):
    subsonic.ok(
        "savePlayQueue",
        {"id": ids([songs[2], songs[0]]), "current": f"tr-{songs[0].pk}", "position": "61500"},
    )
    body = subsonic.ok("getPlayQueue")
    validate("getPlayQueue", {"subsonic-response": body})
    queue = body["playQueue"]
    assert [entry["id"] for entry in queue["entry"]] == ids([songs[2], songs[0]])
    assert queue["current"] == f"tr-{songs[0].pk}"
    assert queue["position"] == 61500
    assert queue["changedBy"] == "tests"  # the app's `c`
    assert queue["username"] == user.username
    assert queue["changed"].endswith("Z")

    xml = subsonic.xml("getPlayQueue")
    element = xml.find("{http://subsonic.org/restapi}playQueue")
    assert element.get("current") == f"tr-{songs[0].pk}"
    assert len(element.findall("{http://subsonic.org/restapi}entry")) == 2


def test_index_based_queue_keeps_repeats_apart(subsonic, songs):
    queue = ids([songs[0], songs[1], songs[0]])
    subsonic.ok(
        "savePlayQueueByIndex", {"id": queue, "currentIndex": "2", "position": "5"}, method="post"
    )
    body = subsonic.ok("getPlayQueueByIndex")
    validate("getPlayQueueByIndex", {"subsonic-response": body})
    answer = body["playQueueByIndex"]
    assert [entry["id"] for entry in answer["entry"]] == queue
    assert answer["currentIndex"] == 2
    assert answer["position"] == 5
    # The same queue read by id: the current song is the repeated one.
    assert subsonic.ok("getPlayQueue")["playQueue"]["current"] == queue[2]


def test_saving_nothing_clears_the_queue(subsonic, songs):
    subsonic.ok("savePlayQueue", {"id": ids(songs), "current": ids(songs)[1]})
    subsonic.ok("savePlayQueue")
    queue = subsonic.ok("getPlayQueue")["playQueue"]
    assert queue.get("entry", []) == []
    assert "current" not in queue


def test_a_queue_saved_by_an_app_is_the_one_the_web_player_restores(subsonic, auth_client, songs):
    subsonic.ok(
        "savePlayQueue",
        {"id": ids([songs[1], songs[2]]), "current": f"tr-{songs[2].pk}", "position": "9000"},
    )
    web = auth_client.get("/api/me/queue/").json()
    assert [card["id"] for card in web["tracks"]] == [songs[1].pk, songs[2].pk]
    assert web["current_index"] == 1
    assert web["position_ms"] == 9000
    assert web["changed_by"] == "tests"


def test_a_queue_saved_in_the_web_player_continues_in_the_app(subsonic, auth_client, songs):
    version = auth_client.get("/api/me/queue/")["ETag"]
    saved = auth_client.put(
        "/api/me/queue/",
        {
            "track_ids": [songs[0].pk, songs[2].pk],
            "current_index": 1,
            "position_ms": 1234,
            "client": "Firefox",
        },
        format="json",
        HTTP_IF_MATCH=version,
    )
    assert saved.status_code == 200, saved.content
    queue = subsonic.ok("getPlayQueue")["playQueue"]
    assert [entry["id"] for entry in queue["entry"]] == ids([songs[0], songs[2]])
    assert queue["current"] == f"tr-{songs[2].pk}"
    assert queue["position"] == 1234
    assert queue["changedBy"] == "Firefox"


@pytest.mark.parametrize(
    ("op", "params", "code"),
    [
        ("savePlayQueue", {"id": ["tr-99999"], "current": "tr-99999"}, 70),
        ("savePlayQueue", {"id": ["al-1"], "current": "al-1"}, 70),
        ("savePlayQueue", {"id": ["garbage"]}, 70),
        ("savePlayQueueByIndex", {"id": ["tr-99999"], "currentIndex": "0"}, 70),
        ("savePlayQueueByIndex", {"currentIndex": "-1", "id": ["SONG"]}, 0),
        ("savePlayQueueByIndex", {"currentIndex": "5", "id": ["SONG"]}, 0),
        ("savePlayQueueByIndex", {"id": ["SONG"]}, 10),
        ("savePlayQueue", {"id": ["SONG"]}, 10),
        ("savePlayQueue", {"id": ["SONG"], "current": "OTHER"}, 0),
        ("savePlayQueue", {"id": ["SONG"], "current": "SONG", "position": "-3"}, 0),
        ("savePlayQueue", {"id": ["SONG"], "current": "SONG", "position": "x"}, 0),
        ("savePlayQueue", {"id": ["SONG"], "current": "SONG", "position": str(10**12)}, 0),
    ],
)
def test_bad_saves_are_protocol_errors_and_change_nothing(subsonic, user, songs, op, params, code):
    subsonic.ok("savePlayQueue", {"id": ids(songs), "current": ids(songs)[0]})
    before = selectors.get_play_queue(user)
    named = {"SONG": ids(songs)[0], "OTHER": ids(songs)[1]}
    params = {
        key: [named.get(item, item) for item in value]
        if isinstance(value, list)
        else named.get(value, value)
        for key, value in params.items()
    }
    assert subsonic.error(op, params)["code"] == code
    after = selectors.get_play_queue(user)
    assert after.version == before.version
    assert [track.pk for track in after.tracks] == [song.pk for song in songs]


def test_each_user_has_their_own_queue(subsonic, songs):
    other = UserFactory()
    services.save_play_queue(other, track_ids=[songs[0].pk])
    assert subsonic.ok("getPlayQueue")["playQueue"].get("entry", []) == []


def test_index_based_queue_is_advertised(subsonic):
    extensions = subsonic.ok("getOpenSubsonicExtensions")["openSubsonicExtensions"]
    assert {"name": "indexBasedQueue", "versions": [1]} in extensions
