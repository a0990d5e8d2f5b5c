"""Linking Last.fm and ListenBrainz (checked with the service first), unlinking (the link's
waiting listens go with it), and each link's state as the settings show it."""

import httpx
import pytest

from rubysound.accounts import services as account_services
from rubysound.catalog import selectors, services
from rubysound.catalog.errors import (
    LastFmNotApproved,
    ScrobbleLinkNotFound,
    ScrobbleLinkThrottled,
    ScrobbleServerInvalid,
    ScrobbleServiceUnreachable,
    ScrobbleTokenInvalid,
    ScrobblingUnavailable,
)
from rubysound.catalog.models import ScrobbleLink, ScrobbleOutboxEntry
from rubysound.core.throttling import AtomicRateThrottle
from tests.catalog import scrobbling_setup
from tests.catalog.scrobbling_setup import (
    LASTFM_SESSION_KEY,
    LASTFM_TOKEN,
    LISTENBRAINZ_TOKEN,
    route_lastfm,
    route_validate_token,
)
from tests.factories import ListenFactory, UserFactory

enable_services = scrobbling_setup.enable_services
lastfm_app = scrobbling_setup.lastfm_app
upstream = scrobbling_setup.upstream
loopback_server = scrobbling_setup.loopback_server

pytestmark = pytest.mark.django_db


def _stored_credential(link: ScrobbleLink) -> str | None:
    link.refresh_from_db()
    return account_services.decrypt_service_credential(link.credential_encrypted)


def test_a_listenbrainz_token_the_server_accepts_links_its_account(user, upstream):
    checked = route_validate_token(upstream, "validate_token_valid.json")

    link = services.link_listenbrainz(user, f"  {LISTENBRAINZ_TOKEN} ")

    assert checked.calls.last.request.headers["Authorization"] == f"Token {LISTENBRAINZ_TOKEN}"
    assert (link.service, link.account_name, link.base_url) == (
        "listenbrainz",
        "iliekcomputers",
        "",  # ListenBrainz's own server: not written down
    )
    # Kept encrypted, and readable back for the worker.
    assert LISTENBRAINZ_TOKEN.encode() not in bytes(link.credential_encrypted)
    assert _stored_credential(link) == LISTENBRAINZ_TOKEN


def test_a_self_hosted_server_is_asked_and_remembered(user, upstream):
    base = "https://maloja.example.org/apis/listenbrainz"
    route_validate_token(upstream, "validate_token_valid.json", base=base)

    link = services.link_listenbrainz(user, LISTENBRAINZ_TOKEN, base + "/1/")

    assert link.base_url == base
    [_lastfm, state] = selectors.scrobble_links_of(user)
    assert state.server_url == base


@pytest.mark.parametrize(
    ("name", "status"), [("validate_token_invalid.json", 200), ("error_401.json", 401)]
)
def test_a_token_the_server_refuses_links_nothing(user, upstream, name, status):
    route_validate_token(upstream, name, status)

    with pytest.raises(ScrobbleTokenInvalid) as refused:
        services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)

    assert refused.value.fields == {"token": [refused.value.message]}
    assert not ScrobbleLink.objects.exists()


def test_an_empty_token_is_refused_without_asking(user, upstream):
    with pytest.raises(ScrobbleTokenInvalid):
        services.link_listenbrainz(user, "   ")
    assert not upstream.calls


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.ConnectError("refused"), ScrobbleServiceUnreachable),
        (httpx.Response(502, text="Bad gateway"), ScrobbleServiceUnreachable),
        (httpx.Response(404, text="no such page"), ScrobbleServerInvalid),
        (httpx.Response(200, text="<html>a blog</html>"), ScrobbleServerInvalid),
    ],
)
def test_a_server_that_does_not_answer_as_listenbrainz_links_nothing(user, upstream, answer, error):
    route = upstream.get("https://lb.example.org/1/validate-token")
    route.mock(side_effect=answer) if isinstance(answer, Exception) else route.mock(answer)

    with pytest.raises(error):
        services.link_listenbrainz(user, LISTENBRAINZ_TOKEN, "https://lb.example.org")

    assert not ScrobbleLink.objects.exists()


def test_only_the_operators_server_may_be_on_a_private_address(user, settings, loopback_server):
    local = f"http://127.0.0.1:{loopback_server.server_address[1]}"
    settings.SCROBBLING_PRIVATE_ADDRESSES = False

    with pytest.raises(ScrobbleServiceUnreachable):
        services.link_listenbrainz(user, LISTENBRAINZ_TOKEN, local)
    assert loopback_server.paths == []

    settings.LISTENBRAINZ_BASE_URL = local
    link = services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)
    assert (link.account_name, link.base_url) == ("me", "")
    assert loopback_server.paths == ["/1/validate-token"]


def test_a_server_address_that_is_no_url_is_refused_on_its_field(user, upstream):
    with pytest.raises(ScrobbleServerInvalid) as refused:
        services.link_listenbrainz(user, LISTENBRAINZ_TOKEN, "ftp://lb.example.org")

    assert list(refused.value.fields) == ["base_url"]
    assert not upstream.calls


def test_linking_the_same_account_again_replaces_the_token_and_keeps_waiting_listens(
    user, upstream
):
    route_validate_token(upstream, "validate_token_valid.json")
    link = services.link_listenbrainz(user, "old-token")
    waiting = ScrobbleOutboxEntry.objects.create(link=link, listen=ListenFactory(user=user))

    again = services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)

    assert again.pk == link.pk
    assert again.created_at == link.created_at  # "linked since" is still the first time
    assert _stored_credential(again) == LISTENBRAINZ_TOKEN
    assert ScrobbleOutboxEntry.objects.filter(pk=waiting.pk).exists()


def test_linking_another_account_drops_what_waited_for_the_first(user, upstream):
    route_validate_token(upstream, "validate_token_valid.json")
    first = services.link_listenbrainz(user, "their-token")
    ScrobbleLink.objects.filter(pk=first.pk).update(account_name="someone-else")
    waiting = ScrobbleOutboxEntry.objects.create(link=first, listen=ListenFactory(user=user))
    refused = ScrobbleOutboxEntry.objects.create(
        link=first, listen=ListenFactory(user=user), status=ScrobbleOutboxEntry.Status.DEAD
    )

    second = services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)

    assert second.account_name == "iliekcomputers"
    assert _stored_credential(second) == LISTENBRAINZ_TOKEN
    assert list(ScrobbleLink.objects.filter(user=user)) == [second]
    assert not ScrobbleOutboxEntry.objects.filter(pk__in=[waiting.pk, refused.pk]).exists()
    [_lastfm, state] = selectors.scrobble_links_of(user)
    assert (state.dead, state.pending) == (0, 0)


def test_the_lastfm_flow_links_the_account_that_approved_the_token(user, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    route_lastfm(upstream, "auth.getSession", "auth_get_session.json")

    token, approval_url = services.start_lastfm_link(user, "https://music.example.org/cb/")
    link = services.finish_lastfm_link(user, token)

    assert token == LASTFM_TOKEN
    assert approval_url.startswith("https://www.last.fm/api/auth/?")
    assert (link.service, link.account_name) == ("lastfm", "RJ")
    assert _stored_credential(link) == LASTFM_SESSION_KEY


@pytest.mark.parametrize(("name", "status"), [("error_14.json", 403), ("error_4.json", 403)])
def test_a_token_last_fm_did_not_approve_links_nothing(user, lastfm_app, upstream, name, status):
    route_lastfm(upstream, "auth.getSession", name, status)

    with pytest.raises(LastFmNotApproved):
        services.finish_lastfm_link(user, LASTFM_TOKEN)

    assert not ScrobbleLink.objects.exists()


def test_a_refused_application_key_is_the_operators_problem(user, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "error_10.json", 403)

    with pytest.raises(ScrobblingUnavailable):
        services.start_lastfm_link(user, "https://music.example.org/cb/")


def test_last_fm_down_is_unreachable(user, lastfm_app, upstream):
    upstream.get("https://ws.audioscrobbler.com/2.0/").mock(
        side_effect=httpx.ConnectError("refused")
    )

    with pytest.raises(ScrobbleServiceUnreachable):
        services.start_lastfm_link(user, "https://music.example.org/cb/")


def test_without_the_lastfm_secret_linking_is_unavailable(user, enable_services, upstream):
    enable_services("lastfm", api_key="a-key")

    assert not selectors.lastfm_linking_available()
    with pytest.raises(ScrobblingUnavailable):
        services.start_lastfm_link(user, "https://music.example.org/cb/")
    assert not upstream.calls


def test_unlinking_drops_the_links_waiting_and_refused_listens_only(user):
    lastfm = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    other = services.link_lastfm(UserFactory(), "another-key", "someone")
    for status in ScrobbleOutboxEntry.Status.values:
        ScrobbleOutboxEntry.objects.create(
            link=lastfm, listen=ListenFactory(user=user), status=status
        )
    kept = ScrobbleOutboxEntry.objects.create(link=other, listen=ListenFactory(user=other.user))

    services.unlink(user, "lastfm")

    assert not ScrobbleLink.objects.filter(user=user).exists()
    assert list(ScrobbleOutboxEntry.objects.all()) == [kept]
    assert user.listens.count() == 2  # the listens themselves stay


def test_unlinking_what_is_not_linked_is_not_found(user):
    services.link_lastfm(UserFactory(), LASTFM_SESSION_KEY, "someone")

    with pytest.raises(ScrobbleLinkNotFound):
        services.unlink(user, "lastfm")
    assert ScrobbleLink.objects.count() == 1


def test_the_state_of_each_service_in_one_query(user, lastfm_app, django_assert_num_queries):
    lastfm = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    for _ in range(3):
        ScrobbleOutboxEntry.objects.create(link=lastfm, listen=ListenFactory(user=user))
    ScrobbleOutboxEntry.objects.create(
        link=lastfm, listen=ListenFactory(user=user), status=ScrobbleOutboxEntry.Status.DEAD
    )

    with django_assert_num_queries(1):
        states = selectors.scrobble_links_of(user)

    lastfm_state, listenbrainz_state = states
    assert (lastfm_state.service, lastfm_state.linked, lastfm_state.available) == (
        "lastfm",
        True,
        True,
    )
    assert (lastfm_state.account_name, lastfm_state.pending, lastfm_state.dead) == ("RJ", 3, 1)
    assert lastfm_state.linked_at == lastfm.created_at
    assert (listenbrainz_state.service, listenbrainz_state.linked) == ("listenbrainz", False)
    assert listenbrainz_state.server_url == "https://api.listenbrainz.org"


def test_link_attempts_are_limited_per_user(user, settings, upstream, monkeypatch):
    settings.THROTTLE_ENABLED = True
    rates = {**AtomicRateThrottle.THROTTLE_RATES, "scrobble_link": "2/hour"}
    monkeypatch.setattr(AtomicRateThrottle, "THROTTLE_RATES", rates)
    checked = route_validate_token(upstream, "validate_token_invalid.json")
    for _ in range(2):
        with pytest.raises(ScrobbleTokenInvalid):
            services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)

    with pytest.raises(ScrobbleLinkThrottled) as refused:
        services.link_listenbrainz(user, LISTENBRAINZ_TOKEN)

    assert refused.value.status == 429
    assert 0 < refused.value.retry_after <= 3600
    assert checked.call_count == 2  # the third attempt asked nobody
    # Someone else still may.
    with pytest.raises(ScrobbleTokenInvalid):
        services.link_listenbrainz(UserFactory(), LISTENBRAINZ_TOKEN)
