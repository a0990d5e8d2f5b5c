"""The heart as a plain form (``POST /favorites/``): what a browser without JavaScript does.

The form on the page is read the way a browser reads it (its fields and CSRF token), sent
back, and the redirect followed: the Favorites change once, the page says so, and nothing
leads to another site.
"""

import re

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.social.models import PlaylistItem
from tests.factories import (
    AlbumFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)
from tests.web.helpers import csrf_tokens

pytestmark = pytest.mark.django_db

HEART_FORM = re.compile(
    r'<form class="track-favorite-form" method="post" action="/favorites/">.*?</form>', re.S
)
FIELD = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
CSRF_PAGE_TEXT = "Your session expired or the form was open too long."


@pytest.fixture
def browser() -> Client:
    """A client that checks CSRF tokens, as the real site does."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def album(db):
    album = AlbumFactory(title="Ruby Nights")
    TrackFactory(title="First Light", album=album, track_number=1)
    TrackFactory(title="Second Wind", album=album, track_number=2)
    return album


def heart_forms(response) -> list[dict[str, str]]:
    """The fields of every heart form of the page (its CSRF token included), as the browser
    would send them."""
    return [dict(FIELD.findall(form)) for form in HEART_FORM.findall(response.content.decode())]


def favorite_titles(user) -> list[str]:
    items = PlaylistItem.objects.filter(playlist__owner=user, playlist__is_favorites=True)
    return sorted(items.values_list("track__title", flat=True))


def signed_in(browser: Client, user) -> Client:
    browser.force_login(user)
    return browser


def test_the_form_adds_then_removes_and_comes_back_to_the_page(browser, album):
    user = UserFactory()
    signed_in(browser, user)
    page = browser.get(f"/albums/{album.pk}/?from=search")
    forms = heart_forms(page)
    assert len(forms) == 2
    first = forms[0]
    assert first["action"] == "add"
    assert first["next"] == f"/albums/{album.pk}/?from=search"
    assert first["csrfmiddlewaretoken"] in csrf_tokens(page)

    response = browser.post("/favorites/", first)
    assert response.status_code == 303
    assert response["Location"] == f"/albums/{album.pk}/?from=search"
    assert favorite_titles(user) == ["First Light"]

    page = browser.get(response["Location"])
    assertContains(page, "First Light is now in your Favorites.")
    added = heart_forms(page)[0]
    assert added["action"] == "remove"
    assert 'aria-label="Remove First Light from Favorites"' in page.content.decode()

    response = browser.post("/favorites/", added)
    assert response.status_code == 303
    assert favorite_titles(user) == []
    assertContains(
        browser.get(response["Location"]), "First Light was removed from your Favorites."
    )


def test_sending_the_same_form_twice_changes_nothing_the_second_time(browser, album):
    user = UserFactory()
    signed_in(browser, user)
    page = browser.get(f"/albums/{album.pk}/")
    form = heart_forms(page)[1]

    browser.post("/favorites/", form)
    second = browser.post("/favorites/", form)  # a double click, or the back button
    assert second.status_code == 303
    assert favorite_titles(user) == ["Second Wind"]
    assert PlaylistItem.objects.filter(playlist__owner=user).count() == 1
    assertContains(browser.get(second["Location"]), "Second Wind was already in your Favorites.")

    removal = {**form, "action": "remove"}
    browser.post("/favorites/", removal)
    again = browser.post("/favorites/", removal)
    assert again.status_code == 303
    assert favorite_titles(user) == []
    assertContains(browser.get(again["Location"]), "Second Wind was no longer in your Favorites.")


def test_removing_never_creates_favorites_for_an_account_without_any(browser, album):
    user = UserFactory()
    favorites_of(user).delete()
    signed_in(browser, user)
    page = browser.get(f"/albums/{album.pk}/")
    form = {**heart_forms(page)[0], "action": "remove"}

    response = browser.post("/favorites/", form)
    assert response.status_code == 303
    assert not user.playlists.filter(is_favorites=True).exists()


def test_without_the_csrf_token_nothing_changes(browser, album):
    user = UserFactory()
    signed_in(browser, user)
    page = browser.get(f"/albums/{album.pk}/")
    form = heart_forms(page)[0]
    del form["csrfmiddlewaretoken"]  # the browser has the cookie, the form lost its token

    response = browser.post("/favorites/", form)
    assertContains(response, CSRF_PAGE_TEXT, status_code=403)
    assert favorite_titles(user) == []


def test_a_signed_out_browser_is_sent_to_sign_in_and_back(browser, album):
    user = UserFactory()
    signed_in(browser, user)
    page = browser.get(f"/albums/{album.pk}/")
    form = heart_forms(page)[0]
    browser.logout()  # the session ended while the page stayed open
    browser.get("/login/")  # a fresh CSRF cookie, as the browser had one

    response = browser.post(
        "/favorites/", {**form, "csrfmiddlewaretoken": csrf_tokens(browser.get("/login/"))[0]}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/login/?next=%2Falbums%2F{album.pk}%2F"
    assert not PlaylistItem.objects.exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "albums/1/",
        "",
    ],
)
def test_next_only_leads_back_to_this_site(client, album, target):
    user = UserFactory()
    client.force_login(user)
    track = album.tracks.first()

    response = client.post("/favorites/", {"track_id": track.pk, "action": "add", "next": target})
    assert response.status_code == 303
    assert response["Location"] == "/"
    assert favorite_titles(user) == [track.title]


def test_next_may_be_any_page_of_this_site(client, album):
    client.force_login(UserFactory())
    track = album.tracks.first()
    target = "/music_api/index/?q=ruby&sort=popular"
    response = client.post("/favorites/", {"track_id": track.pk, "action": "add", "next": target})
    assert response["Location"] == target


@pytest.mark.parametrize(
    "data",
    [
        {"action": "add"},
        {"track_id": "abc", "action": "add"},
        {"track_id": "-3", "action": "add"},
        {"track_id": "1", "action": "toggle"},
        {"track_id": "1"},
    ],
)
def test_malformed_forms_change_nothing_and_say_so(client, album, data):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/favorites/", {**data, "next": f"/albums/{album.pk}/"})
    assert response.status_code == 303
    assert response["Location"] == f"/albums/{album.pk}/"
    assert favorite_titles(user) == []
    assertContains(
        client.get(response["Location"]),
        "Your Favorites could not be changed right now. Please try again.",
    )


def test_a_track_gone_from_the_catalog_is_reported(client, album):
    user = UserFactory()
    client.force_login(user)
    track = album.tracks.first()
    track_id = track.pk
    track.delete()
    response = client.post("/favorites/", {"track_id": track_id, "action": "add", "next": "/"})
    assert response.status_code == 303
    assertContains(client.get("/"), "This track is no longer in the catalog.")
    assert favorite_titles(user) == []


def test_only_post_is_accepted(client, album):
    client.force_login(UserFactory())
    assert client.get("/favorites/").status_code == 405


def test_existing_favorites_show_as_remove_forms(client, album):
    user = UserFactory()
    second = album.tracks.order_by("track_number")[1]
    PlaylistItemFactory(playlist=favorites_of(user), track=second)
    client.force_login(user)
    forms = heart_forms(client.get(f"/albums/{album.pk}/"))
    assert [form["action"] for form in forms] == ["add", "remove"]
    assert [int(form["track_id"]) for form in forms] == list(
        album.tracks.order_by("track_number").values_list("pk", flat=True)
    )


def test_anonymous_pages_carry_no_heart_form_nor_csrf_token(client, album):
    response = client.get(f"/albums/{album.pk}/")
    assertNotContains(response, "track-favorite-form")
    assertNotContains(response, "csrfmiddlewaretoken")
    assert "csrftoken" not in response.cookies
    assert response.headers["Cache-Control"].startswith("public")
