"""The Favorites heart of every track row, as the server renders it (its script is tested
in a real browser in tests/browser/test_journey.py): present for signed-in viewers with the
state of their Favorites, absent for anonymous visitors, one query however many rows."""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import (
    AlbumFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

HEART = re.compile(
    r'<li class="track-row[^"]*" data-track-id="(\d+)".*?'
    r'<button type="submit" class="track-favorite" data-favorite aria-pressed="(true|false)" '
    r'aria-label="([^"]*)"',
    flags=re.S,
)


def hearts(response) -> dict[int, tuple[str, str]]:
    """{track id: (aria-pressed, aria-label)} of the page's track rows."""
    found = HEART.findall(response.content.decode())
    return {int(pk): (pressed, label) for pk, pressed, label in found}


@pytest.fixture
def album(db):
    album = AlbumFactory(title="Ruby Nights")
    TrackFactory(title="First Light", album=album, track_number=1)
    TrackFactory(title="Second <Wind>", album=album, track_number=2)
    TrackFactory(title="Third Time", album=album, track_number=3)
    return album


def test_hearts_show_what_is_already_in_favorites(client, album):
    user = UserFactory()
    first, second, third = album.tracks.order_by("track_number")
    PlaylistItemFactory(playlist=favorites_of(user), track=second)
    # The same track in another playlist of theirs is not a favorite.
    PlaylistItemFactory(playlist=PlaylistFactory(owner=user), track=third)
    # Nor is a track someone else has in their Favorites.
    PlaylistItemFactory(playlist=favorites_of(UserFactory()), track=first)
    client.force_login(user)
    response = client.get(f"/albums/{album.pk}/")
    assert hearts(response) == {
        first.pk: ("false", "Add First Light to Favorites"),
        second.pk: ("true", "Remove Second &lt;Wind&gt; from Favorites"),
        third.pk: ("false", "Add Third Time to Favorites"),
    }
    # The status line the heart's script speaks through, outside #main.
    content = response.content.decode()
    assert content.index('data-component="favorites"') > content.index("</main>")
    assertContains(response, 'role="status" aria-live="polite"')


def test_anonymous_visitors_get_no_heart(client, album):
    response = client.get(f"/albums/{album.pk}/")
    assertNotContains(response, "data-favorite")
    assertNotContains(response, 'data-component="favorites"')
    assert response.headers["Cache-Control"].startswith("public")


def test_favorites_are_read_in_one_query_however_many_rows(client):
    user = UserFactory()
    client.force_login(user)
    small = AlbumFactory()
    TrackFactory.create_batch(2, album=small)
    big = AlbumFactory()
    big_tracks = TrackFactory.create_batch(20, album=big)
    for track in big_tracks[::2]:
        PlaylistItemFactory(playlist=favorites_of(user), track=track)
    # Warm what the first requests read (the session, the catalog's cached stats).
    client.get(f"/albums/{small.pk}/")
    client.get(f"/albums/{big.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/albums/{small.pk}/")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/albums/{big.pk}/")
    assert len(many) == len(few)
    states = hearts(response)
    assert len(states) == 20
    assert [states[t.pk][0] for t in big_tracks] == ["true", "false"] * 10
    favorites_queries = [q for q in many.captured_queries if "social_playlistitem" in q["sql"]]
    assert len(favorites_queries) == 1


def test_favorites_are_read_once_per_request_across_templates(album, django_assert_num_queries):
    """Two templates rendered for one request (a page and a fragment): still one query."""
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user
    tracks = [{"id": t.pk, "name": t.title, "url": ""} for t in album.tracks.all()]
    with django_assert_num_queries(1):
        for _ in range(2):
            html = render_to_string("web/_track_list.html", {"tracks": tracks}, request=request)
            assert html.count("data-favorite ") == 3


def test_the_favorites_page_shows_its_tracks_with_pressed_hearts(client, album):
    user = UserFactory()
    track = album.tracks.first()
    PlaylistItemFactory(playlist=favorites_of(user), track=track)
    client.force_login(user)
    response = client.get("/playlists/")
    assert response.status_code == 200
    assert hearts(response)[track.pk][0] == "true"
    # The page's own row actions are still there next to the heart.
    assertContains(response, 'class="track-actions"')
