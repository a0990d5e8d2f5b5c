"""The public profile page ``/u/<username>/`` as the server renders it (its live parts are
tested in a real browser in tests/browser)."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from rubysound.web.views import profiles
from tests.factories import (
    ArtistFactory,
    ListenFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

CONFIG = re.compile(r'<script id="profile-config" type="application/json">(.*?)</script>', re.S)


def page_config(response) -> dict:
    match = CONFIG.search(response.content.decode())
    assert match, "the page carries its script's configuration"
    return json.loads(match.group(1))


@pytest.fixture
def owner(db):
    return UserFactory(username="Melodia", bio="Synth-pop & field recordings.")


def add_favorite(user, **track_fields):
    return PlaylistItemFactory(playlist=favorites_of(user), track=TrackFactory(**track_fields))


def test_anyone_sees_a_public_profile_with_its_favorites(client, owner):
    add_favorite(owner, title="Night Drive", duration=185.4)
    add_favorite(owner, title="Glass Hours", duration=62)
    PlaylistLikeFactory.create_batch(2, playlist=favorites_of(owner))

    response = client.get("/u/Melodia/")

    assert response.status_code == 200
    assertContains(response, "<h1>Melodia</h1>", html=True)
    assertContains(response, "Synth-pop &amp; field recordings.")
    assertContains(response, owner.avatar_url)
    assertContains(response, "<strong data-likes-count>2</strong>", html=True)
    body = response.content.decode()
    assert body.index("Night Drive") < body.index("Glass Hours"), "in playlist order"
    assertContains(response, "3:05")
    assertContains(response, "1:02")
    # The component that makes it live (no page script: boosted navigation would run a
    # module only once per document), and the comments section it fills.
    assertContains(response, 'data-component="public-profile"')
    assertNotContains(response, "js/profile.js")
    assertContains(response, 'id="comments"')


def test_username_is_case_insensitive(client, owner):
    response = client.get("/u/mElOdIa/")

    assert response.status_code == 200
    assertContains(response, "<h1>Melodia</h1>", html=True)
    # Links and sockets use the stored spelling.
    assert page_config(response)["username"] == "Melodia"


@pytest.mark.parametrize("path", ["/u/nobody-here/", "/u/private-one/", "/u/gone-away/"])
def test_missing_private_or_inactive_profiles_are_the_404_page(client, path):
    UserFactory(username="private-one", is_public_favorites=False)
    UserFactory(username="gone-away", is_active=False)
    client.force_login(UserFactory())

    response = client.get(path)

    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertNotContains(response, "private-one", status_code=404)


def test_owner_sees_their_own_private_profile_without_social_parts(client):
    owner = UserFactory(username="quiet", is_public_favorites=False)
    add_favorite(owner, title="Hidden Gem")
    client.force_login(owner)

    response = client.get("/u/QUIET/")

    assert response.status_code == 200
    assertContains(response, "Hidden Gem")
    assertContains(response, "Your favorites are private: only you can see this page.")
    assertNotContains(response, 'id="comments"')
    assertNotContains(response, "data-like-button")
    config = page_config(response)
    assert config["isOwner"] is True
    assert config["isPublic"] is False


def test_owner_without_a_favorites_row_sees_an_empty_page(client):
    owner = UserFactory(username="fresh-admin", favorites=False)
    client.force_login(owner)

    response = client.get("/u/fresh-admin/")

    assert response.status_code == 200
    assertContains(response, "No favorites yet.")
    assert page_config(response)["favoritesId"] is None


def test_anonymous_visitor_is_invited_to_sign_in(client, owner):
    response = client.get("/u/Melodia/")

    assertContains(
        response,
        '<a class="button button-small button-ghost" href="/login/?next=/u/Melodia/">'
        "Sign in to like</a>",
        html=True,
    )
    assertContains(response, '<a href="/login/?next=/u/Melodia/">Sign in to comment</a>', html=True)
    assertNotContains(response, "data-like-button")
    assertNotContains(response, "data-comment-form")
    assert page_config(response)["viewer"] is None


def test_signed_in_visitor_gets_a_like_button_and_the_comment_form(client, owner):
    visitor = UserFactory()
    client.force_login(visitor)

    response = client.get("/u/Melodia/")

    assertContains(response, 'data-like-button aria-pressed="false"')
    assertContains(response, ">Like</button>")
    assertContains(response, "data-comment-form")
    assertNotContains(response, "Sign in to like")
    config = page_config(response)
    assert config["viewer"] == {"id": visitor.pk, "username": visitor.username}
    assert config["isOwner"] is False
    assert config["favoritesId"] == favorites_of(owner).pk


def test_like_button_shows_a_like_already_given(client, owner):
    visitor = UserFactory()
    PlaylistLikeFactory(playlist=favorites_of(owner), user=visitor)
    client.force_login(visitor)

    response = client.get("/u/Melodia/")

    assertContains(response, 'data-like-button aria-pressed="true"')
    assertContains(response, ">Liked</button>")
    assert page_config(response)["likedByMe"] is True


def test_owner_sees_the_count_but_cannot_like_their_own_playlist(client, owner):
    PlaylistLikeFactory(playlist=favorites_of(owner))
    client.force_login(owner)

    response = client.get("/u/Melodia/")

    assertContains(response, "<strong data-likes-count>1</strong>", html=True)
    assertNotContains(response, "data-like-button")
    assertNotContains(response, "Sign in to like")
    assert page_config(response)["isOwner"] is True


def test_user_text_is_escaped_everywhere(client):
    owner = UserFactory(username="tricky", bio='<script>alert("bio")</script>')
    add_favorite(owner, title="<img src=x onerror=alert(1)>")

    response = client.get("/u/tricky/")

    body = response.content.decode()
    assert "<script>alert(" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;bio&quot;)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_page_sets_the_csrf_cookie_its_script_sends_back(client, owner):
    response = client.get("/u/Melodia/")

    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_only_get(client, owner):
    assert client.post("/u/Melodia/").status_code == 405


@pytest.mark.parametrize("tracks", [2, 25])
def test_query_count_does_not_grow_with_the_tracks(
    client, owner, tracks, django_assert_max_num_queries
):
    for _ in range(tracks):
        add_favorite(owner)
    client.force_login(UserFactory())

    # Session and user, the playlist with its counts, the items, their listening stats,
    # the viewer's own Favorites (the rows' hearts), and what the owner plays now.
    with django_assert_max_num_queries(8):
        response = client.get("/u/Melodia/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="track-row"') == tracks
    assert body.count('class="track-play" data-play aria-label="Play ') == tracks


@pytest.mark.parametrize("is_public", [True, False])
def test_a_long_favorites_is_shown_a_page_at_a_time(client, monkeypatch, is_public):
    monkeypatch.setattr(profiles, "PROFILE_FAVORITES_PER_PAGE", 2)
    owner = UserFactory(username="collector", is_public_favorites=is_public)
    for title in ("First song", "Second song", "Third song"):
        add_favorite(owner, title=title)
    client.force_login(UserFactory() if is_public else owner)

    first = client.get("/u/collector/")
    second = client.get("/u/collector/", {"page": 2})

    assert first.content.decode().count('class="track-row"') == 2
    assertNotContains(first, "Third song")
    assertContains(first, '<span class="muted count">3</span>', html=True)
    assertContains(first, "Page 1 of 2")
    assertContains(first, 'href="?page=2"')
    assert second.content.decode().count('class="track-row"') == 1
    assertContains(second, "Third song")
    assertContains(second, 'href="?page=1"')
    # A page past the end, or no number at all, is the nearest page rather than an error.
    assertContains(client.get("/u/collector/", {"page": 9}), "Third song")
    assertContains(client.get("/u/collector/", {"page": "x"}), "First song")


def test_a_short_favorites_has_no_pager(client, owner):
    add_favorite(owner, title="Only")
    response = client.get("/u/Melodia/")
    assertContains(response, '<span class="muted count">1</span>', html=True)
    assertNotContains(response, "Pages of tracks")


def test_signed_in_visitors_get_a_presence_badge_for_the_owner(client, owner):
    client.force_login(UserFactory())

    response = client.get("/u/Melodia/")

    assertContains(response, 'data-component="presence-badge"')
    assertContains(response, f'data-user-id="{owner.pk}"')
    assert page_config(response)["ownerId"] == owner.pk


def test_no_presence_badge_for_anonymous_visitors_owners_or_private_profiles(client, owner):
    assertNotContains(client.get("/u/Melodia/"), 'data-component="presence-badge"')
    client.force_login(owner)
    assertNotContains(client.get("/u/Melodia/"), 'data-component="presence-badge"')
    private = UserFactory(username="hidden-one", is_public_favorites=False)
    client.force_login(private)
    assertNotContains(client.get("/u/hidden-one/"), 'data-component="presence-badge"')


# --- Now playing ---------------------------------------------------------------------------


def test_the_profile_says_what_its_owner_plays_now_and_asks_again(client, owner):
    owner.is_public_listening = True
    owner.save(update_fields=["is_public_listening"])
    track = TrackFactory(title="Night Drive", duration=185.4)
    quiet = client.get("/u/Melodia/")
    assertContains(quiet, 'data-listening-now role="status"')
    assertNotContains(quiet, "Listening to")

    catalog_services.set_now_playing(owner, track, source=Listen.Source.LISTENBRAINZ)
    response = client.get("/u/Melodia/")
    assertContains(response, f"Listening to <strong>Night Drive</strong> by {track.artist.name}")
    assertContains(response, 'hx-get="/u/Melodia/now-playing"')

    line = client.get("/u/melodia/now-playing")
    assert line.status_code == 200
    assertContains(line, "<strong>Night Drive</strong>")
    assertContains(line, 'hx-trigger="every 30s"')


def test_the_now_playing_line_is_as_private_as_the_profile(client, owner):
    private = UserFactory(username="private-one", is_public_favorites=False)
    assert client.get("/u/private-one/now-playing").status_code == 404
    assert client.get("/u/nobody-here/now-playing").status_code == 404
    client.force_login(private)
    assert client.get("/u/private-one/now-playing").status_code == 200


def test_what_its_owner_plays_now_shows_only_when_they_share_their_listening(client, owner):
    catalog_services.set_now_playing(owner, TrackFactory(title="Night Drive"), source="player")
    assertNotContains(client.get("/u/Melodia/"), "Night Drive")
    assertNotContains(client.get("/u/melodia/now-playing"), "Night Drive")
    client.force_login(owner)  # their own profile shows it to them
    assertContains(client.get("/u/melodia/now-playing"), "<strong>Night Drive</strong>")


def test_listening_shows_on_the_profile_only_when_its_owner_shares_it(client, owner):
    track = TrackFactory(title="Heard Recently", artist=ArtistFactory(name="Listened Artist"))
    ListenFactory(user=owner, track=track, listened_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))

    hidden = client.get("/u/Melodia/")
    assertNotContains(hidden, "Recent listens")
    assertNotContains(hidden, "Heard Recently")
    assertNotContains(hidden, "Top artists")
    assertNotContains(hidden, "listening-heatmap")

    owner.is_public_listening = True
    owner.save(update_fields=["is_public_listening"])
    shown = client.get("/u/Melodia/", {"tz": "Europe/Paris"})
    assertContains(shown, "Recent listens")
    assertContains(shown, f'<li><a href="/artists/{track.artist_id}/">Listened Artist</a>')
    assertContains(shown, "When Melodia listens")
    assertContains(shown, 'title="Tuesday 00:00–01:00: 1 listen"')
    assertNotContains(shown, "data-listen-delete")  # nobody deletes someone else's listens

    # A private profile shows none of it, even with the switch on.
    owner.is_public_favorites = False
    owner.save(update_fields=["is_public_favorites"])
    assert client.get("/u/Melodia/").status_code == 404
    client.force_login(owner)
    assertNotContains(client.get("/u/Melodia/"), "Recent listens")
