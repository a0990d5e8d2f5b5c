"""The main pages rendered in Russian carry no English message of the catalogue.

Every message of rubysound/locale/ru/.../django.po whose Russian differs from the English is
a "known string": none may show up as a whole text or as a label (aria-label, title,
placeholder, alt, data-label-*/data-text-*) on a page rendered in Russian. Names stored in the
database that the app itself chose (the "Favorites" playlist) count as known strings too.
"""

from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.signals import setting_changed
from django.utils import translation
from django.utils.translation import pgettext

from rubysound.social.models import FAVORITES_TITLE
from tests.factories import (
    ListenFactory,
    NotificationFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

RU_PO = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.po"
LABEL_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
LABEL_PREFIXES = ("data-label-", "data-text-")


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """The .mo files are build output: compile them as `make` does, and make Django reload."""
    call_command("compile_translations", verbosity=0)
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )
    yield
    translation.activate(settings.LANGUAGE_CODE)


def known_english() -> set[str]:
    known = {FAVORITES_TITLE}
    for entry in polib.pofile(str(RU_PO)):
        if entry.obsolete or entry.msgid_plural or "%" in entry.msgid or "{" in entry.msgid:
            continue
        if entry.msgstr and entry.msgstr != entry.msgid and any(c.isalpha() for c in entry.msgid):
            known.add(entry.msgid)
    return known


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class VisibleTexts(HTMLParser):
    """Each text node and label of a page, stripped; scripts and styles left out, and the
    parts marked as another language (``lang="en"``: the language menu, the offline page's
    other copies)."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language
        self.texts: list[str] = []
        self._open: list[bool] = []  # per open element: is its content left out?

    def _skipping(self) -> bool:
        return bool(self._open) and self._open[-1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        other_language = attributes.get("lang") not in (None, self.language)
        skip = self._skipping() or other_language or tag in ("script", "style", "template")
        if not skip:
            for name, value in attrs:
                if value and (name in LABEL_ATTRIBUTES or name.startswith(LABEL_PREFIXES)):
                    self.texts.append(value.strip())
        if tag not in VOID_TAGS:
            self._open.append(skip)

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self._open:
            self._open.pop()

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def english_left(html: str, known: set[str]) -> list[str]:
    parser = VisibleTexts("ru")
    parser.feed(html)
    return sorted({text for text in parser.texts if text in known})


@pytest.fixture
def people():
    listener = UserFactory(username="listener", is_public_favorites=True, is_public_listening=True)
    fan = UserFactory(username="fan")
    track = TrackFactory(title="Северный ветер", album__title="Зима", album__artist__name="Буря")
    ListenFactory(track=track)
    ListenFactory(track=track, user=listener)  # their history, shown on /history/ and /u/
    PlaylistItemFactory(playlist=favorites_of(listener), track=track)
    PlaylistLikeFactory(playlist=favorites_of(listener), user=fan)
    NotificationFactory(recipient=listener, actor=fan)
    return {"listener": listener, "track": track}


SETTINGS_SECTIONS = ("profile", "account", "privacy", "apps", "notifications")


def test_the_main_pages_in_russian_have_no_english_left(people):
    listener, track = people["listener"], people["track"]
    client = Client(headers={"accept-language": "ru"})
    client.force_login(listener)
    favorites = favorites_of(listener)
    pages = [
        "/",
        "/music_api/index/?q=ветер",
        "/playlists/",
        f"/playlists/{favorites.pk}/",
        *(f"/settings/{section}/" for section in SETTINGS_SECTIONS),
        f"/u/{listener.username}/",
        f"/albums/{track.album_id}/",
        f"/artists/{track.artist_id}/",
        "/artists/",
        "/albums/",
        "/genres/",
        "/tracks/",
        "/history/",
        "/history/?window=all",
    ]
    anonymous_pages = [
        "/",
        "/login/",
        "/signup/",
        "/offline/",
        "/password-reset/",
        f"/u/{listener.username}/",
        "/albums/",
    ]
    known = known_english()
    anonymous = Client(headers={"accept-language": "ru"})
    found = {}
    for who, page_client, paths in (("user", client, pages), ("anon", anonymous, anonymous_pages)):
        for path in paths:
            response = page_client.get(path)
            assert response.status_code == 200, path
            assert 'lang="ru"' in response.content.decode()[:300], path
            left = english_left(response.content.decode(), known)
            if left:
                found[f"{who} {path}"] = left

    assert found == {}


def test_live_comments_and_an_online_user_are_different_words_in_russian():
    with translation.override("ru"):
        live = pgettext("comments arrive as they are written", "Live")
        online = pgettext("a user is connected now", "Online")

    assert live not in ("Live", online)
    assert online != "Online"
