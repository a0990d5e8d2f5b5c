"""The play queue, lyrics and transcoding operations with missing, malformed, huge, negative
and hostile values of their own parameters: always the protocol's answer, never a 5xx, and
a refused save changes nothing."""

import pytest

from rubysound.catalog import selectors
from rubysound.catalog.models import PlayQueue
from tests.compat.subsonic.schema_check import validate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous"),
]

OPERATIONS = (
    "getPlayQueue",
    "getPlayQueueByIndex",
    "savePlayQueue",
    "savePlayQueueByIndex",
    "getLyrics",
    "getLyricsBySongId",
    "stream",
)
PARAMETERS = (
    "id",
    "current",
    "position",
    "currentIndex",
    "format",
    "maxBitRate",
    "timeOffset",
    "estimateContentLength",
    "artist",
    "title",
    "c",
)
VALUES = (
    "",
    "-1",
    "0",
    "9" * 30,
    "1e309",
    "nan",
    "tr-" + "9" * 30,
    "tr-1\x00",
    "x" * 5000,
    "pl-1 OR 1=1",
    "é\u202e",
)


@pytest.mark.parametrize("value", VALUES)
def test_hostile_values(subsonic, scanned_library, user, value, caplog, settings, tmp_path):
    settings.STREAM_ACCEL_REDIRECT_PREFIX = ""
    settings.TRANSCODE_CACHE_DIR = tmp_path / "transcodes"
    before = selectors.get_play_queue(user).version
    for name in OPERATIONS:
        params = dict.fromkeys(PARAMETERS, value)
        response = subsonic.raw(name, {"f": "json", **params})
        assert response.status_code == 200, (name, value, response.status_code)
        if response["Content-Type"].startswith("application/json"):
            body = response.json()["subsonic-response"]
            assert body["status"] in ("ok", "failed"), (name, value)
            if not name.startswith("stream"):
                validate(name, {"subsonic-response": body})
        elif response.streaming:
            b"".join(response)
    crashes = [r for r in caplog.records if r.name == "rubysound.compat.subsonic"]
    assert not crashes, [(r.getMessage(), getattr(r, "operation", "")) for r in crashes]
    # An empty id list clears the queue (the protocol's way); anything else was refused.
    if value != "":
        assert selectors.get_play_queue(user).version == before


def test_get_play_queue_reads_a_bounded_number_of_queries(
    subsonic, scanned_library, user, django_assert_max_num_queries
):
    songs = selectors.app_tracks().order_by("pk")
    ids = [f"tr-{song.pk}" for song in songs]
    subsonic.ok("savePlayQueue", {"id": ids, "current": ids[-1]})
    assert PlayQueue.objects.filter(user=user).exists()
    # Signing in is 5 (lockout counts, the user, the app passwords, last used) and the
    # savepoint 2; the queue 5 whatever its length: the row, its tracks, their genres, the
    # caller's Favorites and ratings among them.
    with django_assert_max_num_queries(12):
        body = subsonic.ok("getPlayQueue")
    assert len(body["playQueue"]["entry"]) == len(ids)
