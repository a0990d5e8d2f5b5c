"""Adding tracks to playlists with plain forms: the picker page, a playlist's add form, a new
playlist made on the spot, and the menus and "Add all" controls the pages render."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.social.models import Playlist
from tests.factories import (
    AlbumFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def album(db):
    album = AlbumFactory(title="Neon Rooms")
    for number, title in enumerate(["Glass", "Chrome", "Static"], start=1):
        TrackFactory(title=title, album=album, artist=album.artist, track_number=number)
    return album


def ids_of(album) -> list[int]:
    return list(album.tracks.order_by("track_number").values_list("pk", flat=True))


def messages_of(response) -> list[str]:
    return [m.message for m in response.context["messages"]] if response.context else []


def test_the_picker_lists_my_playlists_with_a_button_each(logged_in_client, user, album):
    mine = PlaylistFactory(owner=user, title="Evening")
    PlaylistFactory(title="Someone else's")
    track = album.tracks.first()

    response = logged_in_client.get(
        f"/tracks/{track.pk}/add-to-playlist/", {"next": f"/albums/{album.pk}/"}
    )

    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assertContains(response, f"Add “{track.title}” to a playlist")
    assertContains(response, f'formaction="/playlists/{mine.pk}/add/"')
    assertContains(response, 'formaction="/playlists/', count=2)  # Evening and Favorites
    assertNotContains(response, "Someone else")
    assertContains(response, f'name="next" value="/albums/{album.pk}/"')
    assertContains(response, 'name="csrfmiddlewaretoken"')


def test_the_picker_needs_a_sign_in(client, album):
    track = album.tracks.first()
    response = client.get(f"/tracks/{track.pk}/add-to-playlist/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_picker_needs_a_known_track(logged_in_client, album):
    assert logged_in_client.get("/tracks/999999/add-to-playlist/").status_code == 404
    assert logged_in_client.get("/tracks/add-to-playlist/", {"track": "x"}).status_code == 404


def test_adding_a_track_goes_back_with_a_message(logged_in_client, user, album):
    playlist = PlaylistFactory(owner=user, title="Evening")
    track = album.tracks.get(title="Chrome")

    response = logged_in_client.post(
        f"/playlists/{playlist.pk}/add/",
        {"track": track.pk, "next": f"/albums/{album.pk}/"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/albums/{album.pk}/", 303)]
    assert messages_of(response) == ["Added “Chrome” to “Evening”."]
    assert list(playlist.items.values_list("track_id", flat=True)) == [track.pk]


def test_adding_it_again_says_it_is_there_already(logged_in_client, user, album):
    playlist = PlaylistFactory(owner=user, title="Evening")
    track = album.tracks.get(title="Chrome")
    PlaylistItemFactory(playlist=playlist, track=track)

    response = logged_in_client.post(
        f"/playlists/{playlist.pk}/add/", {"track": track.pk}, follow=True
    )

    assert messages_of(response) == ["“Chrome” is already in “Evening”."]
    assert playlist.items.count() == 1


def test_add_all_puts_the_whole_list_in_order_in_one_request(
    logged_in_client, user, album, django_assert_max_num_queries
):
    playlist = PlaylistFactory(owner=user, title="Evening")
    PlaylistItemFactory(playlist=playlist, track=album.tracks.get(title="Static"))
    ids = ids_of(album)

    with django_assert_max_num_queries(16):
        response = logged_in_client.post(
            f"/playlists/{playlist.pk}/add/", {"track": ids, "next": "/"}
        )

    assert response.status_code == 303
    order = list(playlist.items.order_by("position").values_list("track__title", flat=True))
    assert order == ["Static", "Glass", "Chrome"]
    texts = messages_of(logged_in_client.get("/"))
    assert texts == [
        "Added 2 tracks to “Evening”.",
        "1 track was already in “Evening” and was left out.",
    ]


def test_someone_elses_playlist_cannot_be_added_to(logged_in_client, album):
    other = PlaylistFactory(owner=UserFactory(), visibility=Playlist.Visibility.PUBLIC)
    response = logged_in_client.post(f"/playlists/{other.pk}/add/", {"track": ids_of(album)[0]})
    assert response.status_code == 404
    assert other.items.count() == 0


def test_an_unknown_track_is_refused_with_a_message(logged_in_client, user):
    playlist = PlaylistFactory(owner=user)
    response = logged_in_client.post(
        f"/playlists/{playlist.pk}/add/", {"track": "123456", "next": "/"}, follow=True
    )
    assert messages_of(response) == ["This track is no longer in the catalog."]
    assert playlist.items.count() == 0


def test_a_new_playlist_is_made_with_the_track(logged_in_client, user, album):
    track = album.tracks.get(title="Glass")

    response = logged_in_client.post(
        "/playlists/add-to-new/",
        {"title": "  Road   trip ", "track": track.pk, "next": f"/albums/{album.pk}/"},
        follow=True,
    )

    playlist = Playlist.objects.get(owner=user, title="Road trip")
    assert playlist.visibility == Playlist.Visibility.PRIVATE
    assert list(playlist.items.values_list("track_id", flat=True)) == [track.pk]
    assert messages_of(response) == [
        "Playlist “Road trip” created.",
        "Added “Glass” to “Road trip”.",
    ]


def test_a_new_playlist_needs_a_title(logged_in_client, user, album):
    before = Playlist.objects.filter(owner=user).count()
    response = logged_in_client.post(
        "/playlists/add-to-new/", {"title": "  ", "track": ids_of(album)[0]}, follow=True
    )
    assert messages_of(response) == ["Give the playlist a title."]
    assert Playlist.objects.filter(owner=user).count() == before


def test_track_rows_have_a_menu_and_a_no_script_link(logged_in_client, album):
    response = logged_in_client.get(f"/albums/{album.pk}/")
    html = response.content.decode()
    assert html.count('<button type="button" class="track-menu-button" aria-haspopup="menu"') == 3
    assert 'aria-label="More for the playing track"' in html  # the player's own menu
    track = album.tracks.get(title="Glass")
    assert f'<noscript><a class="track-add-link" href="/tracks/{track.pk}/add-to-playlist/' in html
    assertContains(response, 'data-queue="next"')  # the menu's template
    # "Add all": every track of the album, in order, to the picker page.
    form = re.search(r'<form method="get" action="/tracks/add-to-playlist/".*?</form>', html, re.S)
    assert form is not None
    assert [int(pk) for pk in re.findall(r'name="track" value="(\d+)"', form.group())] == ids_of(
        album
    )
    assertContains(response, 'data-play="all" aria-controls="album-tracks"')


def test_anonymous_rows_have_a_menu_without_add_to_playlist(client, album):
    response = client.get(f"/albums/{album.pk}/")
    assertContains(response, 'class="track-menu-button" aria-haspopup="menu"', count=3)
    assertNotContains(response, "add-to-playlist")
    assertNotContains(response, "data-menu-add")


# --- the owner's search on the playlist page ------------------------------------------------


def test_the_playlist_page_finds_tracks_to_add(
    logged_in_client, user, album, django_assert_max_num_queries
):
    playlist = PlaylistFactory(owner=user, title="Evening")
    chrome = album.tracks.get(title="Chrome")
    PlaylistItemFactory(playlist=playlist, track=chrome)
    glass = album.tracks.get(title="Glass")

    response = logged_in_client.get(f"/playlists/{playlist.pk}/", {"find": "neon"})
    with django_assert_max_num_queries(16):
        response = logged_in_client.get(f"/playlists/{playlist.pk}/", {"find": "neon"})

    html = response.content.decode()
    results = html[html.index('class="playlist-search-results"') :]
    results = results[: results.index("</ul>")]
    assert results.count('class="playlist-search-result"') == 3
    assert f'name="track" value="{glass.pk}"' in results
    assert f'name="track" value="{chrome.pk}"' not in results  # in there: no Add button
    assert "In this playlist" in results
    assert f'name="next" value="/playlists/{playlist.pk}/?find=neon"' in results


def test_adding_from_the_playlist_search_keeps_the_search(logged_in_client, user, album):
    playlist = PlaylistFactory(owner=user, title="Evening")
    glass = album.tracks.get(title="Glass")

    response = logged_in_client.post(
        f"/playlists/{playlist.pk}/add/",
        {"track": glass.pk, "next": f"/playlists/{playlist.pk}/?find=neon"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/playlists/{playlist.pk}/?find=neon", 303)]
    assertContains(response, "Added “Glass” to “Evening”.")
    html = response.content.decode()
    listed = html[html.index('id="playlist-track-list"') :]
    assert f'data-track-id="{glass.pk}"' in listed


def test_only_the_owner_gets_the_search(client, album):
    public = PlaylistFactory(owner=UserFactory(), visibility=Playlist.Visibility.PUBLIC)
    client.force_login(UserFactory())
    response = client.get(f"/playlists/{public.pk}/", {"find": "neon"})
    assert response.status_code == 200
    assertNotContains(response, "playlist-search")


def test_an_empty_playlist_points_at_the_search(logged_in_client, user):
    playlist = PlaylistFactory(owner=user)
    response = logged_in_client.get(f"/playlists/{playlist.pk}/")
    assertContains(response, "find tracks to add with “Add tracks” above")
    assertContains(response, 'id="playlist-find"')


def test_the_picker_page_query_count_does_not_grow(
    logged_in_client, user, album, django_assert_max_num_queries
):
    for number in range(12):
        PlaylistFactory(owner=user, title=f"Mix {number}")
    ids = ids_of(album)

    # Session, user, tracks, playlists with counts (and the unread notifications of the bar).
    with django_assert_max_num_queries(8):
        response = logged_in_client.get("/tracks/add-to-playlist/", {"track": ids})

    assertContains(response, "Add 3 tracks to a playlist")
    assertContains(response, 'formaction="/playlists/', count=13)


def test_the_menu_and_picker_speak_russian(logged_in_client, user, album):
    logged_in_client.cookies["django_language"] = "ru"
    PlaylistFactory(owner=user, title="Вечер")

    page = logged_in_client.get(f"/albums/{album.pk}/")
    picker = logged_in_client.get("/tracks/add-to-playlist/", {"track": ids_of(album)})

    assertContains(page, "Ещё для «Glass»")
    assertContains(page, "Слушать следующим")
    assertContains(page, "Добавить все в плейлист…")
    assertContains(picker, "Добавить 3 трека в плейлист")
    assertContains(picker, "Создать и добавить")
