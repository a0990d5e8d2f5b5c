"""``/playlists/`` as the server renders it, and its form posts (the page without JS).

The script's enhancements (moves through the API, drag and drop) are tested in a real
browser in tests/browser/test_playlists.py.
"""

import json
import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.social.models import Playlist
from tests.factories import (
    ArtistFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

EMPTY_PLAYLIST = (
    "This playlist is empty — find tracks to add with “Add tracks” above, "
    "or from the menu of any track."
)
pytestmark = pytest.mark.django_db

CONFIG = re.compile(r'<script id="playlists-config" type="application/json">(.*?)</script>', re.S)
ROW = re.compile(r'<li class="track-row[^"]*" data-track-id="(\d+)"')


def page_config(response) -> dict:
    match = CONFIG.search(response.content.decode())
    assert match, "the page carries its script's configuration"
    return json.loads(match.group(1))


def row_ids(response) -> list[int]:
    return [int(value) for value in ROW.findall(response.content.decode())]


def order_of(playlist) -> list[int]:
    return list(playlist.items.order_by("position").values_list("track_id", flat=True))


@pytest.fixture
def owner(db):
    return UserFactory(username="curator", is_public_favorites=False)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def mix(owner):
    return PlaylistFactory(owner=owner, title="Road trip", visibility=Playlist.Visibility.PRIVATE)


def fill(playlist, count: int, **track_fields) -> list:
    return [
        PlaylistItemFactory(playlist=playlist, track=TrackFactory(**track_fields)).track
        for _ in range(count)
    ]


# --- Reading -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/playlists/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/playlists/"
    response = client.get("/playlists/7/")
    assert response["Location"] == "/login/?next=/playlists/7/"


def test_the_page_lists_favorites_first_and_opens_them(signed_in, owner, mix):
    tracks = fill(favorites_of(owner), 2)

    response = signed_in.get("/playlists/")

    assert response.status_code == 200
    html = response.content.decode()
    favorites_link = html.index(f'href="/playlists/{favorites_of(owner).pk}/"')
    assert favorites_link < html.index(f'href="/playlists/{mix.pk}/"')
    assertContains(response, 'aria-current="page"', count=1)
    assert row_ids(response) == [track.pk for track in tracks]
    # Favorites follow the profile's switch: no visibility field, a link to the profile.
    assertContains(response, "They follow the privacy setting of your profile.")
    assertContains(response, 'href="/settings/privacy/"')
    assertNotContains(response, 'name="edit-visibility"')
    assertNotContains(response, "/delete/")  # Favorites cannot be deleted
    assert "no-store" in response["Cache-Control"]  # personal: never cached
    assert page_config(response)["playlistId"] == favorites_of(owner).pk


def test_a_playlist_page_has_play_move_and_remove_buttons_named_for_people(signed_in, mix):
    first, second = fill(mix, 2, title="Night Drive")[0], None
    second = TrackFactory(title="Dawn")
    PlaylistItemFactory(playlist=mix, track=second)

    response = signed_in.get(f"/playlists/{mix.pk}/")

    assertContains(response, 'aria-label="Play Night Drive"')
    assertContains(response, 'aria-label="Move Dawn up"')
    assertContains(response, 'aria-label="Move Dawn down"')
    assertContains(response, 'aria-label="Remove Dawn from this playlist"')
    # The first can't go up, the last can't go down (they stay focusable).
    html = response.content.decode()
    first_row = html[html.index(f'data-track-id="{first.pk}"') :]
    assert 'value="up" class="row-button" data-move="up" aria-disabled="true"' in first_row
    assertContains(response, 'name="edit-visibility"')
    assertContains(response, f'action="/playlists/{mix.pk}/delete/"')
    config = page_config(response)
    assert config["canReorder"] is True
    assert config["offset"] == 0


def test_someone_elses_private_playlist_is_not_found_and_a_public_one_is_read_only(
    signed_in, owner
):
    other = UserFactory()
    private = PlaylistFactory(owner=other, visibility=Playlist.Visibility.PRIVATE)
    public = PlaylistFactory(owner=other, title="Shared mix")
    fill(public, 1)

    assert signed_in.get(f"/playlists/{private.pk}/").status_code == 404
    assert signed_in.get("/playlists/999999/").status_code == 404
    response = signed_in.get(f"/playlists/{public.pk}/")
    assert response.status_code == 200
    assertContains(response, "Shared mix")
    assertNotContains(response, "from this playlist")  # no row's remove button
    assertNotContains(response, f"/playlists/{public.pk}/edit/")
    assert page_config(response)["canReorder"] is False


def test_empty_states_speak_to_people(client):
    lonely = UserFactory(favorites=False)
    client.force_login(lonely)
    response = client.get("/playlists/")
    assertContains(response, "No playlists yet")
    assertContains(response, 'action="/playlists/new/"')

    empty = PlaylistFactory(owner=lonely)
    response = client.get(f"/playlists/{empty.pk}/")
    assertContains(response, EMPTY_PLAYLIST)


def test_filters_and_sorting_narrow_the_tracks_and_turn_reordering_off(signed_in, mix):
    old = TrackFactory(title="Old one", year=1975, artist=ArtistFactory(name="Björk"))
    PlaylistItemFactory(playlist=mix, track=old)
    new = TrackFactory(title="New one", year=2021)
    PlaylistItemFactory(playlist=mix, track=new)

    response = signed_in.get(f"/playlists/{mix.pk}/", {"artist": "bjork"})
    assert row_ids(response) == [old.pk]
    assertContains(response, "Reordering is off while the tracks are filtered or sorted")
    assertNotContains(response, 'data-move="up"')
    assert page_config(response)["canReorder"] is False

    response = signed_in.get(f"/playlists/{mix.pk}/", {"year_from": "2000", "year_to": ""})
    assert row_ids(response) == [new.pk]
    response = signed_in.get(f"/playlists/{mix.pk}/", {"sort": "newest"})
    assert row_ids(response) == [new.pk, old.pk]
    response = signed_in.get(f"/playlists/{mix.pk}/", {"year_from": "2030"})
    assertContains(response, "No tracks match these filters.")

    response = signed_in.get(f"/playlists/{mix.pk}/", {"year_from": "2020", "year_to": "1990"})
    assertContains(response, "“Year from” must not be after “Year to”.")
    assert row_ids(response) == [old.pk, new.pk]  # a bad filter shows everything


def test_long_playlists_come_in_pages(signed_in, mix, settings, monkeypatch):
    monkeypatch.setattr("rubysound.web.views.playlists.TRACKS_PER_PAGE", 2)
    tracks = fill(mix, 3)
    response = signed_in.get(f"/playlists/{mix.pk}/", {"page": "2"})
    assert row_ids(response) == [tracks[2].pk]
    assert page_config(response)["offset"] == 2
    assertContains(response, "Page 2 of 2")
    assertContains(response, 'href="?page=1"')
    # The filters and order stay in the pager's links.
    sorted_page = signed_in.get(f"/playlists/{mix.pk}/", {"page": "1", "sort": "newest"})
    assertContains(sorted_page, 'href="?sort=newest&amp;page=2"')


@pytest.mark.parametrize("tracks", [1, 10])
def test_query_count_does_not_grow_with_tracks_or_playlists(
    signed_in, owner, mix, tracks, django_assert_max_num_queries
):
    fill(mix, tracks)
    for _ in range(tracks):
        PlaylistFactory(owner=owner)

    # The session (read from the database: sessions must not depend on Redis), the user, the
    # playlists with counts, the page's count and items, their stats, the viewer's Favorites
    # track ids (the rows' hearts).
    with django_assert_max_num_queries(8):
        response = signed_in.get(f"/playlists/{mix.pk}/")

    assert len(row_ids(response)) == tracks


# --- Writing ---------------------------------------------------------------------------------


def test_creating_a_playlist_opens_it(signed_in, owner):
    response = signed_in.post(
        "/playlists/new/",
        {"new-title": "  Focus  ", "new-description": "Deep work", "new-visibility": "public"},
        follow=True,
    )
    playlist = Playlist.objects.get(owner=owner, title="Focus")
    assert response.redirect_chain == [(f"/playlists/{playlist.pk}/", 302)]
    assert playlist.visibility == "public"
    assert playlist.description == "Deep work"
    assertContains(response, "Playlist “Focus” created.")
    assertContains(response, EMPTY_PLAYLIST)


def test_a_playlist_without_a_title_is_refused_with_a_message(signed_in, owner):
    response = signed_in.post("/playlists/new/", {"new-title": " ", "new-visibility": "private"})
    assert response.status_code == 400
    assertContains(response, "Give the playlist a title.", status_code=400)
    assert not Playlist.objects.filter(owner=owner, is_favorites=False).exists()


def test_renaming_and_describing(signed_in, mix):
    response = signed_in.post(
        f"/playlists/{mix.pk}/edit/",
        {"edit-title": "Night run", "edit-description": "Fast", "edit-visibility": "public"},
        follow=True,
    )
    mix.refresh_from_db()
    assert (mix.title, mix.description, mix.visibility) == ("Night run", "Fast", "public")
    assertContains(response, "Playlist saved.")

    response = signed_in.post(f"/playlists/{mix.pk}/edit/", {"edit-title": "x" * 300})
    assertContains(response, "That title is too long", status_code=400)


def test_favorites_can_be_renamed_but_keep_the_profiles_visibility(signed_in, owner):
    favorites = favorites_of(owner)
    signed_in.post(
        f"/playlists/{favorites.pk}/edit/",
        {"edit-title": "Loved", "edit-visibility": "public"},
    )
    favorites.refresh_from_db()
    assert favorites.title == "Loved"
    assert favorites.is_public is False

    response = signed_in.post(f"/playlists/{favorites.pk}/delete/", follow=True)
    assert Playlist.objects.filter(pk=favorites.pk).exists()
    assertContains(response, "Favorites cannot be deleted.")


def test_deleting_a_playlist(signed_in, mix):
    response = signed_in.post(f"/playlists/{mix.pk}/delete/", follow=True)
    assert not Playlist.objects.filter(pk=mix.pk).exists()
    assert response.redirect_chain == [("/playlists/", 302)]
    assertContains(response, "Playlist “Road trip” deleted.")


def test_only_the_owner_changes_a_playlist(signed_in):
    theirs = PlaylistFactory(owner=UserFactory(), title="Theirs")
    track = fill(theirs, 1)[0]
    for path, data in [
        (f"/playlists/{theirs.pk}/edit/", {"edit-title": "Mine now"}),
        (f"/playlists/{theirs.pk}/delete/", {}),
        (f"/playlists/{theirs.pk}/tracks/", {"track_id": track.pk, "action": "remove"}),
    ]:
        assert signed_in.post(path, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"
    assert theirs.items.count() == 1
    assert signed_in.get(f"/playlists/{theirs.pk}/edit/").status_code == 405


def test_moving_and_removing_tracks_without_javascript(signed_in, mix):
    a, b, c = fill(mix, 3)
    page = f"/playlists/{mix.pk}/"

    response = signed_in.post(
        f"{page}tracks/", {"track_id": c.pk, "action": "up", "next": f"{page}?page=1"}
    )
    assert response["Location"] == f"{page}?page=1"
    assert order_of(mix) == [a.pk, c.pk, b.pk]
    signed_in.post(f"{page}tracks/", {"track_id": a.pk, "action": "up"})  # already first
    signed_in.post(f"{page}tracks/", {"track_id": a.pk, "action": "down"})
    assert order_of(mix) == [c.pk, a.pk, b.pk]

    response = signed_in.post(
        f"{page}tracks/",
        {"track_id": a.pk, "action": "remove", "next": "https://evil.example/"},
        follow=True,
    )
    assert response.redirect_chain == [(page, 302)]
    assert order_of(mix) == [c.pk, b.pk]
    assertContains(response, f"Removed “{a.title}”.")

    response = signed_in.post(f"{page}tracks/", {"track_id": a.pk, "action": "remove"}, follow=True)
    assertContains(response, "That track is no longer in this playlist")
    response = signed_in.post(f"{page}tracks/", {"track_id": "x", "action": "up"}, follow=True)
    assertContains(response, "That did not work. Please try again.")
