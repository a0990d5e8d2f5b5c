"""Switching between English and Russian with the footer's language form, in Chromium."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """The .mo files are build output: `make test` compiles them, a bare pytest run may not."""
    call_command("compile_translations", stdout=StringIO())


def topbar(page: Page):
    return page.locator("header.topbar")


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def switch_language(page: Page, label: str, language: str, button: str) -> None:
    page.get_by_label(label, exact=True).select_option(language)
    page.get_by_role("button", name=button).click()


def test_the_footer_switches_the_whole_page_to_russian_and_back(open_page):
    page = open_page("/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(topbar(page).get_by_role("link", name="Sign in")).to_be_visible()

    # A boosted visit replaces only #main: the footer's form must still come back here.
    topbar(page).get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    switch_language(page, "Language", "ru", "Change language")
    expect(html).to_have_attribute("lang", "ru")
    expect(page).to_have_url(re.compile(r"/login/$"))
    # The top bar, the footer and the player's (hidden) controls are all in Russian.
    expect(topbar(page).get_by_role("link", name="Главная")).to_be_visible()
    expect(topbar(page).get_by_role("link", name="Зарегистрироваться")).to_be_visible()
    expect(page.get_by_role("navigation", name="Аккаунт")).to_be_visible()
    expect(page.get_by_role("link", name="Документация API")).to_be_visible()
    expect(page.locator('#player [data-action="previous"]')).to_have_attribute(
        "aria-label", "Предыдущий трек"
    )
    expect(page.locator('#player [data-action="toggle"]')).to_have_attribute(
        "aria-label", "Воспроизвести"
    )
    expect(page.locator("#player .player-bar")).to_have_attribute("data-label-pause", "Пауза")
    expect(page.get_by_label("Язык", exact=True)).to_have_value("ru")

    # The choice lasts: another page (boosted) and a fresh load stay Russian.
    topbar(page).get_by_role("link", name="Главная").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Your music")
    page.reload()
    expect(html).to_have_attribute("lang", "ru")
    expect(topbar(page).get_by_role("link", name="Войти")).to_be_visible()

    switch_language(page, "Язык", "en", "Сменить язык")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(topbar(page).get_by_role("link", name="Home")).to_be_visible()
    expect(topbar(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator('#player [data-action="previous"]')).to_have_attribute(
        "aria-label", "Previous track"
    )


def test_russian_pages_fit_a_phone(open_page):
    page = open_page("/", prepare=lambda page: page.set_viewport_size(PHONE))
    switch_language(page, "Language", "ru", "Change language")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    for path in ("/", "/login/", "/signup/", "/music_api/index/?q=zzz"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        assert no_horizontal_overflow(page), path
    language = page.get_by_label("Язык", exact=True)
    language.scroll_into_view_if_needed()
    expect(language).to_be_visible()
    expect(page.get_by_role("button", name="Сменить язык")).to_be_in_viewport()


def test_scripts_count_in_russian_forms(open_page, site_url):
    """The search box counts its suggestions with Intl.PluralRules and the page's tables."""
    from django.conf import settings

    from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

    for name in ("Ночные снайперы", "Ночной проспект"):
        artist = ArtistFactory(name=name)
        TrackFactory(title=f"{name}: тема", album=AlbumFactory(artist=artist))
    TrackFactory(title="Ночь")

    def in_russian(page: Page) -> None:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": site_url}]
        )

    # Not the home page: its charts, cached by the server, would be empty for the next tests.
    page = open_page("/login/", prepare=in_russian)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    box = page.get_by_role("combobox", name="Поиск музыки")
    box.click()
    box.press_sequentially("ноч", delay=30)
    expect(page.locator("[data-search-status]")).to_have_text(
        "Подсказки: 2 исполнителя, 3 трека. Выбирайте стрелками вверх и вниз."
    )
    artists = page.get_by_role("listbox").get_by_role("group", name="Исполнители")
    expect(artists.get_by_role("option").first).to_contain_text("0 слушателей")


def test_the_offline_page_speaks_the_language_of_the_last_page(open_page, site_url):
    # The browser asks for English; the reader chose Russian (the cookie).
    def in_russian(page: Page) -> None:
        page.context.add_cookies([{"name": "django_language", "value": "ru", "url": site_url}])

    # Not the home page: its charts, cached by the server, would be empty for the next tests.
    page = open_page("/login/", prepare=in_russian)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
    )

    page.context.set_offline(True)
    page.goto("/signup/")

    expect(page.get_by_role("heading", name="Нет подключения к сети")).to_be_visible()
    expect(page.get_by_role("heading", name="You are offline")).to_be_hidden()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.context.set_offline(False)
