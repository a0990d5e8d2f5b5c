"""Scrobbling, in /settings/apps/: linking Last.fm through its web authentication and
ListenBrainz with a token, each link's state, unlinking; the token and session key never
reach a page, a redirect or a log line."""

import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.signals import setting_changed
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from rubysound.catalog import services
from rubysound.catalog.models import ScrobbleLink, ScrobbleOutboxEntry
from tests.catalog import scrobbling_setup
from tests.catalog.scrobbling_setup import (
    LASTFM_KEY,
    LASTFM_SECRET,
    LASTFM_SESSION_KEY,
    LASTFM_TOKEN,
    LISTENBRAINZ_TOKEN,
    route_lastfm,
    route_validate_token,
)
from tests.factories import ListenFactory

pytestmark = pytest.mark.django_db

enable_services = scrobbling_setup.enable_services
lastfm_app = scrobbling_setup.lastfm_app
upstream = scrobbling_setup.upstream

PAGE = "/settings/apps/"
CONNECT = "/settings/scrobbling/lastfm/connect/"
CALLBACK = "/settings/scrobbling/lastfm/callback/"
SECRETS = (LASTFM_TOKEN, LASTFM_SESSION_KEY, LASTFM_SECRET, LISTENBRAINZ_TOKEN)


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _assert_no_secret_in(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def _followed(client, response):
    return client.get(response["Location"])


def test_the_apps_and_services_page_has_the_scrobbling_part(logged_in_client, enable_services):
    enable_services()

    page = logged_in_client.get(PAGE)

    assertContains(page, '<h2 id="settings-scrobbling-title">Scrobbling</h2>', html=True)
    assertContains(page, 'data-scrobbling="lastfm"')
    assertContains(page, 'data-scrobbling="listenbrainz"')


def test_without_lastfm_key_and_secret_the_page_says_what_is_missing(
    logged_in_client, enable_services
):
    enable_services("lastfm", api_key=LASTFM_KEY)  # a key, but no secret

    page = logged_in_client.get(PAGE)

    assertContains(page, "LASTFM_API_SECRET")
    assertNotContains(page, "Connect Last.fm")
    assertContains(page, "Link ListenBrainz")


def test_linking_lastfm_goes_to_lastfm_and_back(logged_in_client, user, lastfm_app, upstream, logs):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    traded = route_lastfm(upstream, "auth.getSession", "auth_get_session.json")
    assertContains(logged_in_client.get(PAGE), "Connect Last.fm")

    start = logged_in_client.post(CONNECT, {"next": PAGE})

    # Off to Last.fm to approve the token, with our callback to come back to.
    assert start.status_code == 302
    approval = urlsplit(start["Location"])
    assert (approval.netloc, approval.path) == ("www.last.fm", "/api/auth/")
    query = parse_qs(approval.query)
    assert query["api_key"] == [LASTFM_KEY]
    assert query["token"] == [LASTFM_TOKEN]
    assert query["cb"] == [f"http://testserver{CALLBACK}"]
    assert not traded.called

    # Last.fm sends the user back with the token they approved.
    back = logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})

    assertRedirects(back, PAGE, fetch_redirect_response=False)
    assert traded.call_count == 1
    link = ScrobbleLink.objects.get(user=user, service="lastfm")
    assert link.account_name == "RJ"
    page = _followed(logged_in_client, back)
    assertContains(page, "Last.fm linked as RJ")
    assertContains(page, "Linked as RJ")
    assertNotContains(page, "Connect Last.fm")
    _assert_no_secret_in(page.content.decode(), logs.text)


def test_a_callback_with_another_token_links_nothing(logged_in_client, user, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    traded = route_lastfm(upstream, "auth.getSession", "auth_get_session.json")
    logged_in_client.post(CONNECT)

    # Someone else's approved token, slipped to this user in a link.
    back = logged_in_client.get(CALLBACK, {"token": "a-token-approved-by-someone-else"})

    assertRedirects(back, PAGE, fetch_redirect_response=False)
    assertContains(_followed(logged_in_client, back), "was not started here")
    assert not traded.called
    assert not ScrobbleLink.objects.exists()


def test_a_callback_nobody_started_links_nothing(logged_in_client, lastfm_app, upstream):
    back = logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})

    assertRedirects(back, PAGE, fetch_redirect_response=False)
    assert not upstream.calls
    assert not ScrobbleLink.objects.exists()


def test_a_token_used_once_cannot_link_again(logged_in_client, user, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    traded = route_lastfm(upstream, "auth.getSession", "auth_get_session.json")
    logged_in_client.post(CONNECT)
    logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})
    services.unlink(user, "lastfm")

    logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})

    assert traded.call_count == 1
    assert not ScrobbleLink.objects.exists()


def test_coming_back_without_approving_says_so(logged_in_client, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    route_lastfm(upstream, "auth.getSession", "error_14.json", 403)
    logged_in_client.post(CONNECT)

    back = logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})

    assertRedirects(back, PAGE, fetch_redirect_response=False)
    assertContains(_followed(logged_in_client, back), "approve RubySound there")
    assert not ScrobbleLink.objects.exists()


def test_lastfm_down_on_the_way_back_is_said_and_logged_without_the_token(
    logged_in_client, lastfm_app, upstream, logs
):
    route_lastfm(upstream, "auth.getToken", "auth_get_token.json")
    route_lastfm(upstream, "auth.getSession", "error_16.json", 503)
    logged_in_client.post(CONNECT)

    back = logged_in_client.get(CALLBACK, {"token": LASTFM_TOKEN})

    assertContains(_followed(logged_in_client, back), "could not be reached")
    records = "".join(str(record.__dict__) for record in logs.records)
    # The failure is logged with the address it called, its token and signature taken out.
    assert "provider call failed" in logs.text
    assert "token=%5Bredacted%5D" in records or "token=[redacted]" in records
    _assert_no_secret_in(logs.text, records)
    assert not ScrobbleLink.objects.exists()


def test_lastfm_refusing_our_key_comes_back_as_a_message(logged_in_client, lastfm_app, upstream):
    route_lastfm(upstream, "auth.getToken", "error_10.json", 403)

    start = logged_in_client.post(CONNECT, {"next": PAGE})

    assert start.status_code == 303
    assert start["Location"] == PAGE
    assertContains(_followed(logged_in_client, start), "not available on this server")


def test_connect_is_a_post_with_the_csrf_token(client, user, lastfm_app, upstream):
    client.handler.enforce_csrf_checks = True
    client.force_login(user)

    assert client.get(CONNECT).status_code == 405
    assert client.post(CONNECT).status_code == 403
    assert not upstream.calls


def test_linking_listenbrainz_with_a_valid_token(logged_in_client, user, upstream, logs):
    checked = route_validate_token(upstream, "validate_token_valid.json")

    response = logged_in_client.post(
        PAGE,
        {"action": "link:listenbrainz", "token": LISTENBRAINZ_TOKEN, "base_url": "", "next": PAGE},
    )

    assertRedirects(response, PAGE, fetch_redirect_response=False)
    assert checked.call_count == 1
    page = _followed(logged_in_client, response)
    assertContains(page, "ListenBrainz linked as iliekcomputers")
    assertContains(page, "https://api.listenbrainz.org")
    assert ScrobbleLink.objects.get(user=user).service == "listenbrainz"
    _assert_no_secret_in(page.content.decode(), logs.text)


def test_a_refused_listenbrainz_token_is_said_and_never_shown_back(
    logged_in_client, upstream, logs
):
    route_validate_token(upstream, "validate_token_invalid.json")

    response = logged_in_client.post(
        PAGE, {"action": "link:listenbrainz", "token": LISTENBRAINZ_TOKEN, "next": PAGE}
    )

    assert response.status_code == 303
    page = _followed(logged_in_client, response)
    assertContains(page, "does not accept this token")
    assert not ScrobbleLink.objects.exists()
    _assert_no_secret_in(response.get("Location", ""), page.content.decode(), logs.text)


def test_an_unreachable_server_is_said(logged_in_client, upstream):
    upstream.get("https://lb.example.org/1/validate-token").mock(
        side_effect=httpx.ConnectError("refused")
    )

    response = logged_in_client.post(
        PAGE,
        {
            "action": "link:listenbrainz",
            "token": LISTENBRAINZ_TOKEN,
            "base_url": "https://lb.example.org",
            "next": PAGE,
        },
    )

    assertContains(_followed(logged_in_client, response), "could not be reached")
    assert not ScrobbleLink.objects.exists()


def test_a_form_without_token_is_refused_on_its_field_without_asking(logged_in_client, upstream):
    response = logged_in_client.post(
        PAGE, {"action": "link:listenbrainz", "token": "", "base_url": "https://x.example"}
    )

    assert response.status_code == 400
    assertContains(response, "This field is required.", status_code=400)
    assert not upstream.calls


def test_a_link_shows_its_state_and_unlinks(logged_in_client, user, lastfm_app):
    link = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    for _ in range(2):
        ScrobbleOutboxEntry.objects.create(link=link, listen=ListenFactory(user=user))
    ScrobbleOutboxEntry.objects.create(
        link=link, listen=ListenFactory(user=user), status=ScrobbleOutboxEntry.Status.DEAD
    )

    page = logged_in_client.get(PAGE)

    assertContains(page, "Linked as RJ")
    assertContains(page, f'datetime="{link.created_at.isoformat()}"')
    assertContains(page, "nothing sent yet")
    assertContains(page, "2 listens waiting to be sent")
    assertContains(page, "1 listen refused by the service")
    _assert_no_secret_in(page.content.decode())

    response = logged_in_client.post(PAGE, {"action": "unlink:lastfm", "next": PAGE})

    assertRedirects(response, PAGE, fetch_redirect_response=False)
    assertContains(_followed(logged_in_client, response), "Last.fm unlinked")
    assert not ScrobbleLink.objects.exists()
    assert not ScrobbleOutboxEntry.objects.exists()


def test_unlinking_what_is_no_longer_linked_says_so(logged_in_client):
    response = logged_in_client.post(PAGE, {"action": "unlink:listenbrainz", "next": PAGE})

    assert (response.status_code, response["Location"]) == (303, PAGE)
    assertContains(_followed(logged_in_client, response), "was not linked (any more)")


@pytest.mark.parametrize("action", ["link:lastfm", "unlink:spotify", "delete:listenbrainz", ""])
def test_an_unknown_action_is_a_bad_request(logged_in_client, action):
    assert logged_in_client.post(PAGE, {"action": action}).status_code == 400


def test_the_pages_need_a_signed_in_user(client):
    for url in (PAGE, CALLBACK + "?token=x"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_state_reads_in_russian(client, user, lastfm_app):
    call_command("compile_translations", verbosity=0)
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )
    link = services.link_lastfm(user, LASTFM_SESSION_KEY, "RJ")
    for _ in range(2):
        ScrobbleOutboxEntry.objects.create(link=link, listen=ListenFactory(user=user))
    client.force_login(user)

    page = client.get(PAGE, headers={"accept-language": "ru"})

    assertContains(page, "Привязан как RJ")
    assertContains(page, "2 прослушивания ждут отправки")
    assertContains(page, "Отвязать")
    translation.activate(settings.LANGUAGE_CODE)
