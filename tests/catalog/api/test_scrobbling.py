"""/api/users/me/scrobbling/: the services a user's listens are passed on to, linking
ListenBrainz with a token, unlinking; errors in the one JSON shape, no token in any answer."""

import httpx
import pytest

from rubysound.catalog import services
from rubysound.catalog.models import ScrobbleLink, ScrobbleOutboxEntry
from rubysound.core.throttling import AtomicRateThrottle
from tests.accounts.api.test_schema import request_properties, response_properties
from tests.catalog import scrobbling_setup
from tests.catalog.scrobbling_setup import (
    LASTFM_SESSION_KEY,
    LISTENBRAINZ_TOKEN,
    route_validate_token,
)
from tests.factories import ListenFactory, UserFactory

pytestmark = pytest.mark.django_db

enable_services = scrobbling_setup.enable_services
lastfm_app = scrobbling_setup.lastfm_app
upstream = scrobbling_setup.upstream

LINKS = "/api/users/me/scrobbling/"
LISTENBRAINZ = LINKS + "listenbrainz/"
LASTFM = LINKS + "lastfm/"


def test_every_service_is_listed_with_its_state(auth_client, user, lastfm_app):
    link = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    ScrobbleOutboxEntry.objects.create(link=link, listen=ListenFactory(user=user))
    services.link_lastfm(UserFactory(), "another-session", "someone-else")

    response = auth_client.get(LINKS)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    lastfm, listenbrainz = response.json()
    assert lastfm == {
        "service": "lastfm",
        "name": "Last.fm",
        "available": True,
        "linked": True,
        "account_name": "RJ",
        "server_url": "",
        "linked_at": lastfm["linked_at"],
        "last_sent_at": None,
        "pending": 1,
        "dead": 0,
    }
    assert lastfm["linked_at"].startswith(link.created_at.date().isoformat())
    assert listenbrainz["linked"] is False
    assert listenbrainz["available"] is True
    assert listenbrainz["server_url"] == "https://api.listenbrainz.org"
    assert LASTFM_SESSION_KEY not in response.content.decode()


def test_lastfm_without_the_servers_secret_is_not_available(auth_client, enable_services):
    enable_services()

    lastfm, _listenbrainz = auth_client.get(LINKS).json()

    assert (lastfm["service"], lastfm["available"]) == ("lastfm", False)


def test_linking_listenbrainz_answers_the_link_without_the_token(auth_client, user, upstream):
    route_validate_token(upstream, "validate_token_valid.json")

    response = auth_client.post(LISTENBRAINZ, {"token": LISTENBRAINZ_TOKEN}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["service"], body["linked"], body["account_name"]) == (
        "listenbrainz",
        True,
        "iliekcomputers",
    )
    assert LISTENBRAINZ_TOKEN not in response.content.decode()
    assert ScrobbleLink.objects.get(user=user).service == "listenbrainz"


def test_a_self_hosted_server_is_linked(auth_client, upstream):
    base = "https://lb.example.org"
    route_validate_token(upstream, "validate_token_valid.json", base=base)

    response = auth_client.post(
        LISTENBRAINZ, {"token": LISTENBRAINZ_TOKEN, "base_url": base + "/"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["server_url"] == base


def test_a_refused_token_is_a_400_on_its_field(auth_client, upstream):
    route_validate_token(upstream, "validate_token_invalid.json")

    response = auth_client.post(LISTENBRAINZ, {"token": LISTENBRAINZ_TOKEN}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "scrobble_token_invalid"
    assert body["fields"] == {"token": [body["detail"]]}
    assert LISTENBRAINZ_TOKEN not in response.content.decode()
    assert not ScrobbleLink.objects.exists()


def test_a_server_that_does_not_answer_is_a_502(auth_client, upstream):
    upstream.get("https://lb.example.org/1/validate-token").mock(
        side_effect=httpx.ConnectTimeout("slow")
    )

    response = auth_client.post(
        LISTENBRAINZ,
        {"token": LISTENBRAINZ_TOKEN, "base_url": "https://lb.example.org"},
        format="json",
    )

    assert response.status_code == 502
    assert response.json()["code"] == "scrobble_service_unreachable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "token"),
        ({"token": ""}, "token"),
        ({"token": "x", "base_url": "javascript:alert(1)"}, "base_url"),
        ({"token": "x", "server": "https://lb.example.org"}, "server"),
    ],
)
def test_bad_input_is_refused_without_asking_anyone(auth_client, upstream, body, field):
    response = auth_client.post(LISTENBRAINZ, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not upstream.calls


def test_lastfm_is_not_linked_through_the_api(auth_client, lastfm_app, upstream):
    response = auth_client.post(LASTFM, {"token": "x"}, format="json")

    assert response.status_code == 405
    assert set(response.json()) >= {"detail", "code"}
    assert not upstream.calls


def test_unlinking_drops_the_link_and_its_waiting_listens(auth_client, user):
    link = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    ScrobbleOutboxEntry.objects.create(link=link, listen=ListenFactory(user=user))

    assert auth_client.delete(LASTFM).status_code == 204

    assert not ScrobbleLink.objects.exists()
    assert not ScrobbleOutboxEntry.objects.exists()
    again = auth_client.delete(LASTFM)
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_an_unknown_service_is_not_found(auth_client):
    response = auth_client.delete(LINKS + "spotify/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_someone_elses_link_is_not_touched(auth_client):
    other = UserFactory()
    services.link_lastfm(other, LASTFM_SESSION_KEY, "someone")

    assert auth_client.delete(LASTFM).status_code == 404
    assert ScrobbleLink.objects.filter(user=other).exists()


@pytest.mark.parametrize(
    ("method", "url"), [("get", LINKS), ("post", LISTENBRAINZ), ("delete", LASTFM)]
)
def test_signed_out_clients_are_refused(api_client, method, url):
    response = getattr(api_client, method)(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_schema_documents_the_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert {"service", "linked", "pending", "dead"} <= set(_list_item_properties(schema, LINKS))
    assert {"service", "account_name"} <= set(
        response_properties(schema, LINKS + "{service}/", "post", "201")
    )
    detail = LINKS + "{service}/"
    assert {"token", "base_url"} <= set(request_properties(schema, detail, "post"))
    assert "delete" in schema["paths"][detail]


def _list_item_properties(schema: dict, path: str) -> dict:
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    item = content["schema"]["items"]
    return schema["components"]["schemas"][item["$ref"].rsplit("/", 1)[-1]]["properties"]


def test_too_many_link_attempts_are_a_429_with_retry_after(
    auth_client, settings, upstream, monkeypatch
):
    settings.THROTTLE_ENABLED = True
    rates = {**AtomicRateThrottle.THROTTLE_RATES, "scrobble_link": "1/hour"}
    monkeypatch.setattr(AtomicRateThrottle, "THROTTLE_RATES", rates)
    route_validate_token(upstream, "validate_token_invalid.json")
    auth_client.post(LISTENBRAINZ, {"token": LISTENBRAINZ_TOKEN}, format="json")

    response = auth_client.post(LISTENBRAINZ, {"token": LISTENBRAINZ_TOKEN}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "scrobble_link_throttled"
    assert 0 < int(response["Retry-After"]) <= 3600
