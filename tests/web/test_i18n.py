"""English and Russian: the catalogue, its compiler, the language switch and cached pages."""

import asyncio
import re
import shutil
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.signals import setting_changed
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.core.edge_cache import PublicResponseCache

RU_PO = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.po"
# A message of the templates (a variable here, so makemessages does not list this file).
TRACKS = ("%(count)s track", "%(count)s tracks")
PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)[sd]")


def _forget_loaded_catalogues() -> None:
    """Django keeps the catalogues it loaded for the life of the process."""
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """The .mo files are build output (not in git): compile them as `make` does."""
    _run("compile_translations")
    _forget_loaded_catalogues()
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- The catalogue -------------------------------------------------------------------------


def test_every_message_has_a_russian_translation_with_the_same_placeholders():
    catalogue = polib.pofile(str(RU_PO))
    assert catalogue.metadata["Language"] == "ru"
    assert "nplurals=4" in catalogue.metadata["Plural-Forms"]
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        if entry.msgid_plural:
            expected = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            translations = list(entry.msgstr_plural.values())
            if len(translations) != 4 or not all(translations):
                problems.append(("plural forms", entry.msgid))
        else:
            expected = sorted(PLACEHOLDER.findall(entry.msgid))
            translations = [entry.msgstr]
            if not entry.msgstr:
                problems.append(("untranslated", entry.msgid))
        for text in translations:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                problems.append(("placeholders", entry.msgid, text))
    assert problems == []


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 трек"), (3, "3 трека"), (5, "5 треков"), (11, "11 треков"), (21, "21 трек")],
)
def test_russian_plurals_follow_the_catalogue_plural_rule(count, expected):
    with translation.override("ru"):
        text = translation.ngettext(TRACKS[0], TRACKS[1], count)
    assert text % {"count": count} == expected


# --- compile_translations --------------------------------------------------------------------


def test_compile_translations_writes_a_mo_for_every_po_and_skips_fresh_ones(tmp_path, settings):
    for language in ("ru", "de"):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        shutil.copy(RU_PO, folder / "django.po")
    settings.LOCALE_PATHS = [tmp_path, tmp_path / "missing"]

    out = _run("compile_translations")
    assert "Translations: 2 compiled, 0 already up to date." in out
    assert "ru/LC_MESSAGES/django.po" in out
    catalogue = polib.mofile(str(tmp_path / "ru" / "LC_MESSAGES" / "django.mo"))
    assert catalogue.find("Sign in").msgstr == "Войти"
    assert "nplurals=4" in catalogue.metadata["Plural-Forms"]

    assert "Translations: 0 compiled, 2 already up to date." in _run("compile_translations")
    assert "2 compiled" in _run("compile_translations", "--force")


def test_compile_translations_leaves_fuzzy_entries_out(tmp_path, settings):
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "ru"}
    catalogue.append(polib.POEntry(msgid="Sign in", msgstr="Войти"))
    catalogue.append(polib.POEntry(msgid="Sign out", msgstr="Выйти?", flags=["fuzzy"]))
    catalogue.save(str(folder / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]

    assert "(1 translated, 0 untranslated, 1 fuzzy)" in _run("compile_translations")
    compiled = polib.mofile(str(folder / "django.mo"))
    assert [entry.msgid for entry in compiled] == ["Sign in"]


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- Pages in the visitor's language ----------------------------------------------------------


@pytest.mark.django_db
def test_accept_language_ru_renders_the_page_in_russian(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    assertContains(response, '<html lang="ru">')
    for russian in ("Главная", "Войти", "Зарегистрироваться", "Плеер", "Перейти к содержимому"):
        assertContains(response, russian)
    assertNotContains(response, ">Sign in<")


@pytest.mark.django_db
def test_english_is_the_default_and_the_answer_to_unknown_languages(client):
    for header in ("en-GB,en;q=0.9", "fr-FR", ""):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assertContains(response, '<html lang="en">')
        assertContains(response, "Sign in")
        assertNotContains(response, "Войти")


@pytest.mark.django_db
def test_the_language_cookie_wins_over_accept_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get("/music_api/index/?q=x", HTTP_ACCEPT_LANGUAGE="en")
    assertContains(response, '<html lang="ru">')
    assertContains(response, "Войти")


@pytest.mark.django_db
def test_public_pages_vary_on_accept_language_and_stay_cacheable(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert "accept-language" in vary
    assert "public" in response["Cache-Control"]
    # The language form renders no CSRF token: that would set a cookie and end caching.
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "Set-Cookie" not in response.headers


# --- The footer's language switch --------------------------------------------------------------


@pytest.mark.django_db
def test_footer_has_a_labelled_language_form_for_set_language(client):
    html = client.get("/music_api/index/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    footer = html[html.index('<footer class="footer">') : html.index("</footer>")]
    assert 'action="/i18n/setlang/"' in footer
    assert 'method="post"' in footer
    assert 'hx-boost="false"' in footer
    assert 'data-component="language-switcher"' in footer
    # The page's own address is not echoed (its query may be anyone's text): the script sets
    # `next`, and without it set_language goes back to the Referer.
    assert '<input type="hidden" name="next" value="">' in footer
    assert '<label for="language-select">Язык</label>' in footer
    assert '<select id="language-select" name="language">' in footer
    assert '<option value="en" lang="en">English</option>' in footer
    assert '<option value="ru" lang="ru" selected>Русский</option>' in footer
    assert '<button type="submit" class="button button-small">Сменить язык</button>' in footer


@pytest.mark.django_db
def test_switching_language_sets_the_cookie_and_goes_back_without_a_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/i18n/setlang/",
        {"language": "ru", "next": "/search/?q=rock"},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=rock"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assertContains(browser.get("/"), '<html lang="ru">')

    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assertContains(browser.get("/", HTTP_ACCEPT_LANGUAGE="ru"), '<html lang="en">')


@pytest.mark.django_db
def test_without_next_the_switch_goes_back_to_the_referring_page(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "ru", "next": ""},
        HTTP_REFERER="http://testserver/music_api/index/?q=rock",
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/music_api/index/?q=rock"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


@pytest.mark.django_db
def test_next_may_not_lead_to_another_site(client):
    response = client.post(
        "/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"}, HTTP_REFERER=""
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_a_cross_site_form_cannot_switch_the_language(client, headers):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, **headers)
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_an_unknown_language_changes_nothing(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- Through the edge cache ----------------------------------------------------------------------


async def _get(app, path: str, headers: list[tuple[bytes, bytes]]):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = []
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # Like a server: nothing more until the client goes away.
        await asyncio.Event().wait()

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    headers_out = {k.lower(): v for k, v in messages[0]["headers"]}
    body = b"".join(m.get("body", b"") for m in messages[1:]).decode()
    return messages[0]["status"], headers_out, body


@pytest.mark.django_db(transaction=True)
async def test_the_edge_cache_keeps_russian_and_english_home_pages_apart(settings):
    from rubysound.asgi import django_http_app

    settings.EDGE_CACHE_ENABLED = True
    app = PublicResponseCache(django_http_app)
    ru = [(b"accept-language", b"ru-RU,ru;q=0.9")]
    en = [(b"accept-language", b"en-US,en;q=0.9")]

    status, headers, body = await _get(app, "/", ru)
    assert (status, headers[b"x-cache"]) == (200, b"MISS")
    assert '<html lang="ru">' in body
    assert "Войти" in body

    status, headers, body = await _get(app, "/", en)
    assert (status, headers[b"x-cache"]) == (200, b"MISS")
    assert '<html lang="en">' in body
    assert "Sign in" in body
    assert "Войти" not in body

    for language, expected in ((ru, "Войти"), (en, "Sign in")):
        _, headers, body = await _get(app, "/", language)
        assert headers[b"x-cache"] == b"HIT"
        assert expected in body

    # A chosen language travels in a cookie, which always bypasses the shared cache.
    _, headers, body = await _get(app, "/", [*en, (b"cookie", b"django_language=ru")])
    assert b"x-cache" not in headers or headers[b"x-cache"] != b"HIT"
    assert '<html lang="ru">' in body
