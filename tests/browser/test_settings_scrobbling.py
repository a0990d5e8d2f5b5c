"""Scrobbling (Settings → Apps and services) in a browser: a person links ListenBrainz with
a token from another RubySound server (its /1/validate-token answers as ListenBrainz does),
sees the link, and unlinks it; a server that does not allow private addresses refuses it."""

import pytest
from playwright.sync_api import expect

from rubysound.accounts import services as account_services
from rubysound.catalog.models import ScrobbleLink
from tests.browser.conftest import record_errors, sign_in
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/settings/apps/"


def _link(page, token: str, server: str) -> None:
    listenbrainz = page.locator("[data-scrobbling=listenbrainz]")
    listenbrainz.get_by_label("User token").fill(token)
    listenbrainz.get_by_label("Your ListenBrainz server (optional)").fill(server)
    with page.expect_navigation():
        listenbrainz.get_by_role("button", name="Link ListenBrainz").click()


def test_listenbrainz_links_to_another_rubysound_and_unlinks(browser, site_url):
    peer_account = UserFactory(username="peer-listener")
    _key, token = account_services.create_api_key(peer_account, "Scrobbles from my home server")
    listener = UserFactory(username="ines")
    errors: list[str] = []
    # Both servers are on 127.0.0.1: the linking one must allow private addresses.
    with serve(env={"SCROBBLING_PRIVATE_ADDRESSES": "true"}) as linking_site:
        context = browser.new_context(base_url=linking_site)
        try:
            sign_in(context, listener, linking_site)
            page = context.new_page()
            record_errors(page, errors, PAGE)
            page.goto(PAGE)

            _link(page, "not-a-key-of-the-peer", site_url)
            expect(
                page.get_by_role("status").filter(has_text="does not accept this token")
            ).to_be_visible()
            assert not ScrobbleLink.objects.exists()

            _link(page, token, site_url)
            expect(
                page.get_by_role("status").filter(has_text="ListenBrainz linked as peer-listener")
            ).to_be_visible()
            listenbrainz = page.locator("[data-scrobbling=listenbrainz]")
            expect(listenbrainz).to_contain_text("Linked as peer-listener")
            expect(listenbrainz.locator("[data-scrobbling-server]")).to_have_text(site_url)
            expect(listenbrainz).to_contain_text("0 listens waiting to be sent")
            assert token not in page.content()
            link = ScrobbleLink.objects.get(user=listener)
            assert (link.service, link.base_url) == ("listenbrainz", site_url)

            listenbrainz.locator("summary", has_text="Unlink").click()
            with page.expect_navigation():
                listenbrainz.get_by_role("button", name="Yes, unlink").click()
            expect(
                page.get_by_role("status").filter(has_text="ListenBrainz unlinked")
            ).to_be_visible()
            expect(
                page.locator("[data-scrobbling=listenbrainz]").get_by_label("User token")
            ).to_be_visible()
            assert not ScrobbleLink.objects.exists()
        finally:
            context.close()
    assert not errors, "errors in the page:\n" + "\n".join(errors)


def test_a_server_on_a_private_address_is_refused_by_default(open_page, site_url):
    peer_account = UserFactory(username="peer-listener")
    _key, token = account_services.create_api_key(peer_account, "Scrobbles")
    page = open_page(PAGE, as_user=UserFactory())

    # The site itself, on 127.0.0.1: a valid token, but no request may go there.
    _link(page, token, site_url)

    expect(page.get_by_role("status").filter(has_text="could not be reached")).to_be_visible()
    assert not ScrobbleLink.objects.exists()
