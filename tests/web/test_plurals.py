"""Counted words in Russian: one / few / many forms in the pages and in the tables the page
scripts count with (rubysound/web/plurals.py)."""

import html
import json
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.signals import setting_changed
from django.utils import translation
from pytest_django.asserts import assertContains

from rubysound.web.plurals import MESSAGES, plural_table
from tests.factories import (
    AlbumFactory,
    NotificationFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """The .mo files are build output: compile them as `make` does, then let Django read
    them afresh (it keeps the catalogues it loaded for the life of the process)."""
    call_command("compile_translations", stdout=StringIO())
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )
    yield
    translation.activate(settings.LANGUAGE_CODE)


def data_attribute(response, name: str) -> dict:
    match = re.search(rf'{name}="([^"]*)"', response.content.decode())
    assert match, f"no {name} on the page"
    return json.loads(html.unescape(match.group(1)))


def test_tables_hold_each_russian_form_under_its_cldr_category():
    with translation.override("ru"):
        assert plural_table("tracks") == {
            "one": "%(count)s трек",
            "few": "%(count)s трека",
            "many": "%(count)s треков",
        }
        assert plural_table("likesWord") == {"one": "лайк", "few": "лайка", "many": "лайков"}
        assert plural_table("artists") == {
            "one": "%(count)s исполнитель",
            "few": "%(count)s исполнителя",
            "many": "%(count)s исполнителей",
        }


def test_english_tables_have_one_and_other():
    with translation.override("en"):
        assert plural_table("listeners") == {
            "one": "%(count)s listener",
            "other": "%(count)s listeners",
        }


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_script_message_is_translated_in_every_russian_form(name):
    with translation.override("en"):
        english = plural_table(name)
    with translation.override("ru"):
        russian = plural_table(name)
    assert set(russian) == {"one", "few", "many"}
    assert len(set(russian.values())) == 3, russian  # three different words, not a fallback
    assert not set(russian.values()) & set(english.values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("likes", "expected"), [(1, "лайк"), (3, "лайка"), (5, "лайков"), (11, "лайков"), (21, "лайк")]
)
def test_public_profile_counts_likes_in_russian(client, likes, expected):
    owner = UserFactory(username="olga", is_public_favorites=True)
    for _ in range(likes):
        PlaylistLikeFactory(playlist=favorites_of(owner))
    response = client.get("/u/olga/", **RUSSIAN)
    content = response.content.decode()
    match = re.search(
        r"<strong data-likes-count>(\d+)</strong>\s*<span class=\"muted\" data-likes-word>([^<]*)<",
        content,
    )
    assert match
    assert match.groups() == (str(likes), expected)
    # The script rewrites the word when likes come and go, from the same catalogue.
    config = json.loads(
        re.search(
            r'<script id="profile-config" type="application/json">(.*?)</script>', content
        ).group(1)
    )
    assert config["plurals"]["likesWord"] == {"one": "лайк", "few": "лайка", "many": "лайков"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tracks", "expected"), [(1, "1 трек"), (2, "2 трека"), (5, "5 треков"), (22, "22 трека")]
)
def test_album_cards_count_tracks_in_russian(client, tracks, expected):
    album = AlbumFactory(title="Ночь")
    TrackFactory.create_batch(tracks, album=album)
    response = client.get(f"/artists/{album.artist.pk}/", **RUSSIAN)
    assertContains(response, expected)


@pytest.mark.django_db
def test_the_search_box_carries_russian_tables_for_its_counts(client):
    response = client.get("/", **RUSSIAN)
    tables = data_attribute(response, "data-plurals")
    assert tables["artists"]["few"] == "%(count)s исполнителя"
    assert tables["tracks"]["many"] == "%(count)s треков"
    assert tables["listeners"]["one"] == "%(count)s слушатель"
    assertContains(response, "Подсказки: %(found)s.")
    # Still a public, cacheable page: the tables are the same for every Russian visitor.
    assert "public" in response["Cache-Control"]


@pytest.mark.django_db
def test_profile_has_the_russian_table_for_more_notifications(client):
    user = UserFactory()
    NotificationFactory.create_batch(21, recipient=user)
    client.force_login(user)
    response = client.get("/settings/notifications/", **RUSSIAN)
    config = json.loads(
        re.search(
            r'<script id="notifications-config" type="application/json">(.*?)</script>',
            response.content.decode(),
        ).group(1)
    )
    assert config["hasMore"] is True
    assert config["plurals"]["moreNotifications"] == {
        "one": "Загружено ещё %(count)s уведомление.",
        "few": "Загружено ещё %(count)s уведомления.",
        "many": "Загружено ещё %(count)s уведомлений.",
    }
