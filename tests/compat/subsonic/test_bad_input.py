"""Every operation, called with missing, malformed, huge, negative and hostile parameters,
answers the protocol's own shape: HTTP 200 and a Subsonic status, never a 5xx."""

import pytest

from rubysound.compat.subsonic.registry import OPERATIONS
from tests.compat.subsonic.schema_check import validate

pytestmark = pytest.mark.django_db

PARAMETERS = (
    "id",
    "type",
    "size",
    "offset",
    "query",
    "songCount",
    "songOffset",
    "albumCount",
    "artistCount",
    "fromYear",
    "toYear",
    "genre",
    "musicFolderId",
    "playlistId",
    "songId",
    "songIdToAdd",
    "songIndexToRemove",
    "name",
    "comment",
    "public",
    "time",
    "submission",
    "username",
    "count",
    "artist",
)
VALUES = (
    "",
    "-1",
    "0",
    "9" * 30,
    "tr-" + "9" * 30,
    "al-1\x00",
    "x" * 5000,
    "byYear",
    "ar--1",
    "pl-1 OR 1=1",
    "é\u202e",
)


@pytest.mark.parametrize("value", VALUES)
def test_every_operation_survives_hostile_values(subsonic, scanned_library, value, caplog):
    for name in sorted(OPERATIONS):
        params = dict.fromkeys(PARAMETERS, value)
        response = subsonic.raw(name, {"f": "json", **params})
        assert response.status_code in (200, 206), (name, value, response.status_code)
        if response["Content-Type"].startswith("application/json"):
            body = response.json()["subsonic-response"]
            assert body["status"] in ("ok", "failed"), (name, value)
            validate(name, {"subsonic-response": body})
    # Refused as bad input, not caught as a crash by the dispatcher's last resort.
    crashes = [r for r in caplog.records if r.name == "rubysound.compat.subsonic"]
    assert not crashes, [(r.getMessage(), getattr(r, "operation", "")) for r in crashes]


def test_credentials_with_hostile_values(subsonic, db, caplog):
    for value in VALUES:
        for params in (
            {"u": value, "p": value},
            {"u": value, "t": value, "s": value},
            {"apiKey": value},
        ):
            response = subsonic.raw("ping", {"f": "json", **params}, auth="none")
            assert response.status_code == 200, (params, response.status_code)
            assert response.json()["subsonic-response"]["status"] == "failed"
    assert not [r for r in caplog.records if r.name == "rubysound.compat.subsonic"]
