"""The home page: hero, top artists and chart by genre, public playlists; and its caching."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.core.edge_cache import _storable
from rubysound.social.models import Playlist
from tests.factories import (
    GenreFactory,
    ListenFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db


def listened(track, people: int) -> None:
    for _ in range(people):
        ListenFactory(track=track)


@pytest.fixture
def library():
    """Two genres, three artists with listens, a public and a private Favorites."""
    rock = GenreFactory(name="Rock", slug="rock")
    jazz = GenreFactory(name="Jazz", slug="jazz")
    anthem = TrackFactory(title="Stadium Anthem", album__artist__name="The Loud", genres=[rock])
    riff = TrackFactory(title="Garage Riff", album__artist__name="Fuzz Club", genres=[rock])
    blue = TrackFactory(title="Blue Smoke", album__artist__name="Quiet Trio", genres=[jazz])
    listened(anthem, 3)
    listened(riff, 1)
    listened(blue, 2)

    fan = UserFactory(username="rubyfan", is_public_favorites=True)
    favorites = favorites_of(fan)
    favorites.title = "Loud and proud"
    favorites.save(update_fields=["title"])
    PlaylistItemFactory(playlist=favorites, track=anthem)
    PlaylistItemFactory(playlist=favorites, track=riff)
    PlaylistLikeFactory(playlist=favorites)
    PlaylistLikeFactory(playlist=favorites)
    hidden = UserFactory(username="shyone", is_public_favorites=False)
    Playlist.objects.filter(pk=favorites_of(hidden).pk).update(title="Secret mix")
    return {"rock": rock, "jazz": jazz, "anthem": anthem, "riff": riff, "blue": blue}


# --- Who sees what ----------------------------------------------------------------------------


def test_home_invites_anonymous_visitors_to_sign_in_or_sign_up(client):
    response = client.get("/")

    assert response.status_code == 200
    assertContains(response, "Your music, shared.")
    assertContains(response, '<a href="/login/">Sign in</a>', html=True)
    assertContains(response, 'href="/signup/"', count=2)
    assertContains(response, "Create a free account")
    assertNotContains(response, "Sign out")
    assertNotContains(response, 'href="/profile/"')


def test_home_for_a_signed_in_user_links_to_the_profile(client, user):
    client.force_login(user)

    response = client.get("/")

    assertContains(response, f"Welcome back, {user.username}")
    assertContains(response, "Go to your profile")
    assertContains(response, 'href="/playlists/"')
    assertContains(response, "Sign out")
    assertNotContains(response, "Your music, shared.")
    assertNotContains(response, 'href="/signup/"')
    assertNotContains(response, 'href="/login/"')


def test_pages_link_their_stylesheet_manifest_and_declare_the_language(client):
    response = client.get("/")

    assertContains(response, '<html lang="en">')
    assertContains(response, 'href="/static/css/app.css"')
    assertContains(response, '<link rel="manifest" href="/manifest.json">', html=True)
    assertContains(response, 'name="theme-color"', count=2)
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/css/home.css").status_code == 200


def test_a_fresh_install_shows_empty_states_written_for_people(client):
    response = client.get("/")

    assertContains(response, "Nobody has listened to anything this month yet.")
    assertContains(response, "No tracks have been played this year yet.")
    assertContains(response, "No public playlists yet.")
    assertContains(response, 'id="genre-chip-all"')
    assertNotContains(response, "data-tracklist")


# --- Content ----------------------------------------------------------------------------------


def test_top_artists_carousel_ranks_artists_by_listeners(client, library):
    response = client.get("/")
    html = response.content.decode()

    assertContains(response, 'data-component="home-carousel"')
    assertContains(response, "3 listeners")
    assertContains(response, "1 listener<")
    assert html.index("The Loud") < html.index("Quiet Trio") < html.index("Fuzz Club")
    artist_id = library["anthem"].artist_id
    assertContains(response, f'href="/artists/{artist_id}/"')


def test_chart_uses_the_shared_track_rows_with_play_buttons(client, library):
    response = client.get("/")

    assertContains(response, '<ol class="track-list" data-tracklist id="home-chart"')
    assertContains(response, 'aria-label="Play Stadium Anthem"')
    assertContains(response, 'aria-label="Play Blue Smoke"')
    assertContains(response, 'class="track-rank">1<')


def test_public_playlists_dashboard_links_profiles_and_hides_private_ones(client, library):
    response = client.get("/")

    assertContains(response, 'href="/u/rubyfan/"')
    assertContains(response, "Loud and proud")
    assertContains(response, "by rubyfan")
    assertContains(response, "2 likes")
    assertContains(response, "2 tracks")
    assertNotContains(response, "shyone")
    assertNotContains(response, "Secret mix")


def test_empty_public_favorites_are_left_out_of_the_dashboard(client, library):
    UserFactory(username="newcomer", is_public_favorites=True)

    response = client.get("/")

    assertContains(response, 'href="/u/rubyfan/"')
    assertNotContains(response, "newcomer")


def test_genre_strip_switches_artists_and_chart(client, library):
    response = client.get("/?genre=jazz")

    assertContains(response, 'id="genre-chip-rock" class="genre-chip" href="?genre=rock"')
    assertContains(
        response,
        '<a id="genre-chip-jazz" class="genre-chip" href="?genre=jazz" aria-current="page">'
        "Jazz</a>",
        html=True,
    )
    assertContains(response, "Top artists in Jazz")
    assertContains(response, "Jazz chart")
    assertContains(response, "Quiet Trio")
    assertContains(response, 'aria-label="Play Blue Smoke"')
    assertNotContains(response, "The Loud")
    assertNotContains(response, "Stadium Anthem")
    # The genre strip swaps only its region; without JS the chips are plain links.
    assertContains(response, 'hx-target="#home-genre" hx-select="#home-genre"')


def test_an_unknown_genre_says_so_and_shows_everything(client, library):
    response = client.get("/?genre=polka")

    assert response.status_code == 200
    assertContains(response, "We have no music in that genre yet")
    assertContains(response, "The Loud")
    assertContains(response, "Quiet Trio")
    assertContains(response, 'id="genre-chip-all" class="genre-chip" href="/" aria-current="page"')


def test_home_text_is_escaped(client):
    artist_track = TrackFactory(title="<b>bold</b>", album__artist__name="<script>x</script>")
    ListenFactory(track=artist_track)

    response = client.get("/")

    assertNotContains(response, "<script>x</script>")
    assertContains(response, "&lt;script&gt;x&lt;/script&gt;")
    assertNotContains(response, "<b>bold</b>")


# --- Caching ----------------------------------------------------------------------------------


def test_anonymous_home_is_shareable_and_personal_nothing(client, library):
    response = client.get("/")

    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response["Vary"]
    assert not response.cookies  # no csrftoken, no session
    assertNotContains(response, "csrfmiddlewaretoken")
    # The edge cache stores exactly this kind of response.
    headers = [(k.lower().encode(), v.encode()) for k, v in response.items()]
    assert _storable(200, headers) == 60


def test_signed_in_home_is_private_and_never_stored(client, user, library):
    client.force_login(user)

    response = client.get("/")

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "no-cache"} <= cache_control
    assert "public" not in cache_control
    assert "Cookie" in response["Vary"]
    headers = [(k.lower().encode(), v.encode()) for k, v in response.items()]
    assert _storable(200, headers) == 0


def test_a_flash_message_makes_the_anonymous_page_private(client, rf):
    # A message waiting in its cookie, as after an action that redirects here.
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.INFO, "You have been signed out.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value

    response = client.get("/")

    assertContains(response, "You have been signed out.")
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_only_get_and_head(client):
    assert client.post("/").status_code == 405
    assert client.head("/").status_code == 200


def test_warm_anonymous_home_runs_no_query(client, library, django_assert_max_num_queries):
    client.get("/")  # fills the charts, genres and playlists caches

    with django_assert_max_num_queries(0):
        response = client.get("/?genre=")
    assertContains(response, "Loud and proud")


def test_cold_home_query_count_does_not_grow_with_the_catalog(
    client, library, django_assert_max_num_queries
):
    for n in range(12):
        track = TrackFactory(title=f"More {n}", genres=[library["rock"]])
        ListenFactory(track=track)
        fan = UserFactory()
        PlaylistItemFactory(playlist=favorites_of(fan), track=track)

    # Genre strip 2; artists chart 5 and tracks chart 4 (genre id, listens, favorites
    # signal, rows); playlists 1. The same 13 whatever the number of artists and playlists.
    with django_assert_max_num_queries(13):
        response = client.get("/?genre=rock")
    assertContains(response, "More 11")


def test_signed_in_warm_home_costs_only_the_session(
    client, user, library, django_assert_max_num_queries
):
    client.force_login(user)
    client.get("/")

    # The session (read from the database: sessions must not depend on Redis), the user,
    # and the viewer's Favorites track ids (the chart rows' hearts).
    with django_assert_max_num_queries(4):
        client.get("/")


def test_all_of_our_javascript_stays_under_the_home_page_budget():
    """Every script the site has, htmx included, compressed: an upper bound of what the
    home page loads (150 KB is the budget)."""
    import gzip
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles import finders

    scripts = [Path(finders.find("vendor/htmx/htmx.min.js"))]
    scripts += Path(settings.BASE_DIR, "rubysound/web/static/js").rglob("*.js")
    total = sum(len(gzip.compress(path.read_bytes(), 9)) for path in scripts)
    assert total < 150 * 1024
