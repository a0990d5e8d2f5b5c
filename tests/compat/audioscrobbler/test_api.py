"""/2.0/ as Last.fm clients call it: a mobile session from an app password (plain or as
authToken), now playing, and indexed batches of scrobbles where bad entries are ignored with
Last.fm's codes and the rest recorded. XML by default, JSON with format=json."""

import hashlib
import time
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from rubysound.accounts import services as account_services
from rubysound.accounts.models import ApiKey
from rubysound.catalog.models import Listen, NowPlaying, Track
from rubysound.core.logging import redact_query_secrets
from tests.factories import DEFAULT_PASSWORD, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the protocol's


@pytest.fixture
def listener():
    return UserFactory(username="Ines")


@pytest.fixture
def app_password(listener) -> str:
    _, secret = account_services.create_app_password(listener, "phone")
    return secret


def call(client, method: str, *, fmt: str | None = None, http="post", **params):
    data = {"method": method, "api_key": "any-key", "api_sig": "not-checked", **params}
    if fmt:
        data["format"] = fmt
    if http == "get":
        return client.get("/2.0/", data)
    # As Last.fm clients send it: a urlencoded form.
    return client.post("/2.0/", urlencode(data), content_type="application/x-www-form-urlencoded")


def xml(response) -> ElementTree.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own answer


def error_code(response) -> int:
    root = xml(response)
    assert root.get("status") == "failed"
    return int(root.find("error").get("code"))


@pytest.fixture
def session_key(client, listener, app_password) -> str:
    root = xml(call(client, "auth.getMobileSession", username="Ines", password=app_password))
    return root.find("session/key").text


def test_a_mobile_session_from_an_app_password(client, listener, app_password):
    response = call(client, "auth.getMobileSession", username="ines", password=app_password)
    assert response.status_code == 200
    root = xml(response)
    assert root.get("status") == "ok"
    assert root.find("session/name").text == "Ines"
    key = root.find("session/key").text
    assert account_services.user_for_api_key(key) == listener
    # The session is an API key the user can see and revoke in settings.
    assert ApiKey.objects.filter(user=listener).count() == 1


def test_a_mobile_session_from_an_auth_token_in_json(client, app_password):
    token = md5("Ines" + md5(app_password))
    response = call(client, "auth.getMobileSession", fmt="json", username="Ines", authToken=token)
    body = response.json()
    assert body["session"]["name"] == "Ines"
    assert body["session"]["key"]


def test_the_account_password_and_wrong_tokens_fail_with_code_4(client, listener, app_password):
    for params in (
        {"username": "Ines", "password": DEFAULT_PASSWORD},
        {"username": "Ines", "password": "wrong"},
        {"username": "Ines", "authToken": md5("Ines" + md5("wrong"))},
        {"username": "nobody", "password": app_password},
    ):
        response = call(client, "auth.getMobileSession", **params)
        assert response.status_code == 403
        assert error_code(response) == 4
    json_error = call(client, "auth.getMobileSession", fmt="json", username="Ines", password="x")
    assert json_error.json() == {
        "error": 4,
        "message": "Authentication Failed - Invalid username or app password.",
    }
    assert not ApiKey.objects.exists()


def test_repeated_wrong_passwords_lock_the_account_as_sign_in_does(
    client, listener, app_password, settings
):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        call(client, "auth.getMobileSession", username="Ines", password="guess")
    locked = call(client, "auth.getMobileSession", username="Ines", password=app_password)
    assert error_code(locked) == 4
    assert b"Too many failed attempts" in locked.content


def test_update_now_playing(client, listener, session_key):
    track = TrackFactory(title="So What", artist=ArtistFactory(name="Miles Davis"))
    response = call(
        client,
        "track.updateNowPlaying",
        sk=session_key,
        artist="miles davis",
        track="so what",
        duration="545",
    )
    root = xml(response)
    assert root.get("status") == "ok"
    assert root.find("nowplaying/track").text == "so what"
    assert root.find("nowplaying/ignoredMessage").get("code") == "0"
    row = NowPlaying.objects.get(user=listener)
    assert row.track == track
    assert row.source == Listen.Source.AUDIOSCROBBLER
    assert (row.expires_at - row.started_at).total_seconds() == 545
    assert not Listen.objects.exists()


def test_a_batch_with_three_bad_entries_records_the_other_47(client, listener, session_key):
    now = int(time.time())
    params = {}
    for index in range(50):
        params[f"artist[{index}]"] = "Miles Davis"
        params[f"track[{index}]"] = f"Take {index}"
        params[f"timestamp[{index}]"] = str(now - 3600 - index * 60)
    params["artist[5]"] = ""  # 1: artist ignored
    params["track[17]"] = "   "  # 2: track ignored
    params["timestamp[30]"] = str(now + 86400)  # 4: too new
    response = call(client, "track.scrobble", sk=session_key, **params)
    root = xml(response)
    scrobbles = root.find("scrobbles")
    assert (scrobbles.get("accepted"), scrobbles.get("ignored")) == ("47", "3")
    codes = [int(s.find("ignoredMessage").get("code")) for s in scrobbles.findall("scrobble")]
    assert len(codes) == 50
    assert {index: code for index, code in enumerate(codes) if code} == {5: 1, 17: 2, 30: 4}
    assert Listen.objects.filter(user=listener, source=Listen.Source.AUDIOSCROBBLER).count() == 47
    assert not Listen.objects.filter(track__title__in=["Take 5", "Take 17", "Take 30"]).exists()
    # The same batch again: nothing new.
    call(client, "track.scrobble", sk=session_key, **params)
    assert Listen.objects.count() == 47


def test_a_scrobble_in_json_and_unindexed(client, listener, session_key):
    at = int(time.time()) - 600
    response = call(
        client,
        "track.scrobble",
        fmt="json",
        sk=session_key,
        artist="Nina Simone",
        track="Sinnerman",
        album="Pastel Blues",
        timestamp=str(at),
    )
    body = response.json()["scrobbles"]
    assert body["@attr"] == {"accepted": "1", "ignored": "0"}
    assert body["scrobble"][0]["track"] == {"#text": "Sinnerman", "corrected": "0"}
    track = Listen.objects.get().track
    assert track.source == Track.Source.REMOTE
    assert track.album.title == "Pastel Blues"


def test_too_old_and_unreadable_timestamps_are_ignored_with_code_3(client, session_key):
    params = {
        "artist[0]": "A",
        "track[0]": "B",
        "timestamp[0]": "1000",
        "artist[1]": "A",
        "track[1]": "C",
        "timestamp[1]": "yesterday",
    }
    scrobbles = xml(call(client, "track.scrobble", sk=session_key, **params)).find("scrobbles")
    assert scrobbles.get("accepted") == "0"
    codes = [s.find("ignoredMessage").get("code") for s in scrobbles.findall("scrobble")]
    assert codes == ["3", "3"]
    assert not Listen.objects.exists()
    assert not Track.objects.exists()


def test_more_than_fifty_scrobbles_are_refused_whole(client, session_key):
    now = int(time.time())
    params = {}
    for index in (0, 50):
        params |= {f"artist[{index}]": "A", f"track[{index}]": "B", f"timestamp[{index}]": now}
    response = call(client, "track.scrobble", sk=session_key, **params)
    assert response.status_code == 400
    assert error_code(response) == 6
    assert not Listen.objects.exists()


def test_sessions_keys_and_methods_are_checked(client, listener, session_key):
    now = str(int(time.time()))
    scrobble = {"artist": "A", "track": "B", "timestamp": now}
    assert error_code(call(client, "track.scrobble", sk="wrong", **scrobble)) == 9
    assert error_code(call(client, "track.scrobble", **scrobble)) == 9
    # A multipart form is read too.
    no_key = client.post("/2.0/", {"method": "track.scrobble", "sk": session_key, **scrobble})
    assert error_code(no_key) == 10
    assert error_code(call(client, "track.love", sk=session_key)) == 3
    assert error_code(call(client, "track.scrobble", http="get", sk=session_key, **scrobble)) == 3
    assert error_code(call(client, "track.updateNowPlaying", sk=session_key, artist="A")) == 6
    assert error_code(call(client, "track.scrobble", sk=session_key)) == 6
    nul = call(client, "track.scrobble", sk=session_key, artist="A\x00", track="B", timestamp=now)
    assert error_code(nul) == 6
    # A revoked session (its API key revoked in settings) is over.
    key = ApiKey.objects.get(user=listener)
    account_services.revoke_api_key(listener, key.pk)
    assert error_code(call(client, "track.scrobble", sk=session_key, **scrobble)) == 9
    assert not Listen.objects.exists()


def test_a_full_batch_with_every_optional_field_is_read(client, listener, session_key):
    now = int(time.time())
    params = {}
    for index in range(50):
        params |= {
            f"artist[{index}]": "Miles Davis",
            f"track[{index}]": f"Take {index}",
            f"timestamp[{index}]": str(now - 3600 - index * 60),
            f"album[{index}]": "Kind of Blue",
            f"albumArtist[{index}]": "Miles Davis",
            f"duration[{index}]": "300",
            f"trackNumber[{index}]": str(index + 1),
            f"mbid[{index}]": "",
            f"chosenByUser[{index}]": "1",
        }
    # As a client may send it: the format in the body too, as text/plain.
    body = urlencode({"method": "track.scrobble", "api_key": "k", "sk": session_key, **params})
    response = client.post("/2.0/?format=json", body, content_type="text/plain")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["scrobbles"]["@attr"] == {"accepted": "50", "ignored": "0"}
    assert Listen.objects.filter(user=listener).count() == 50


def test_access_log_lines_redact_its_credentials():
    line = (
        '"GET /2.0/?method=auth.getMobileSession&username=ines&password=hunter2'
        '&authToken=abcdef&sk=SESSION&api_sig=SIG&api_key=KEY HTTP/1.1"'
    )
    redacted = redact_query_secrets(line)
    for secret in ("hunter2", "abcdef", "SESSION", "SIG", "KEY"):
        assert secret not in redacted
    assert "username=ines" in redacted
    assert "method=auth.getMobileSession" in redacted
