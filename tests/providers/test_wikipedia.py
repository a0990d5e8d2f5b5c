"""The Wikipedia client against recorded MediaWiki answers, through the real Transport."""

import functools

import httpx
import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.wikipedia import LANGUAGES, WikipediaClient
from tests.providers.conftest import recorded

EN = "https://en.wikipedia.org"
RU = "https://ru.wikipedia.org"


answer = functools.partial(recorded, "wikipedia")


@pytest.fixture
def wikipedia(enable_services) -> WikipediaClient:
    enable_services("wikipedia")
    return WikipediaClient()


def search(upstream, wiki: str, name: str, recorded: str):
    return upstream.get(f"{wiki}/w/api.php", params={"gsrsearch": name}).mock(
        return_value=answer(recorded)
    )


def summary(upstream, wiki: str, path: str, recorded: str, status: int = 200):
    return upstream.get(f"{wiki}/api/rest_v1/page/summary/{path}").mock(
        return_value=answer(recorded, status)
    )


async def test_the_band_article_is_chosen_among_namesakes(wikipedia, upstream):
    searched = search(upstream, EN, "Queen", "search_en_queen.json")
    summary(upstream, EN, "Queen_%28band%29", "summary_en_queen_band.json")

    bio = await wikipedia.artist_bio("Queen", "en")

    assert dict(searched.calls.last.request.url.params) == {
        "action": "query",
        "format": "json",
        "formatversion": "2",
        "generator": "search",
        "gsrsearch": "Queen",
        "gsrlimit": "10",
        "gsrnamespace": "0",
        "prop": "description|pageprops",
        "ppprop": "disambiguation",
        "redirects": "1",
    }
    # Not the disambiguation page, the monarch, the chess piece or Queen Latifah.
    assert (bio.artist, bio.title, bio.lang, bio.source) == (
        "Queen",
        "Queen (band)",
        "en",
        "wikipedia",
    )
    assert bio.bio.startswith("Queen are a British rock band formed in London in 1970")
    assert bio.source_url == "https://en.wikipedia.org/wiki/Queen_(band)"
    assert bio.image_url == (
        "https://upload.wikimedia.org/wikipedia/commons/thumb/3/33/"
        "Queen_1984_014_cropped.jpg/330px-Queen_1984_014_cropped.jpg"
    )


async def test_a_russian_bio_for_a_cyrillic_name(wikipedia, upstream):
    search(upstream, RU, "Кино", "search_ru_kino.json")
    summary(
        upstream,
        RU,
        "%D0%9A%D0%B8%D0%BD%D0%BE_%28%D0%B3%D1%80%D1%83%D0%BF%D0%BF%D0%B0%29",
        "summary_ru_kino_group.json",
    )
    english = upstream.route(host="en.wikipedia.org").mock(return_value=httpx.Response(500))

    bio = await wikipedia.artist_bio("Кино", "ru")

    assert (bio.title, bio.lang) == ("Кино (группа)", "ru")
    # Paragraphs stay apart; the stress mark is the article's own.
    assert bio.bio.split("\n") == [
        "«Кино́» — советская рок-группа, образованная в 1981 году в Ленинграде. Бессменным "
        "лидером, вокалистом, автором музыки и текстов песен был Виктор Цой.",
        "Группа стала одной из самых популярных в стране во второй половине 1980-х годов.",
    ]
    assert bio.source_url == (
        "https://ru.wikipedia.org/wiki/%D0%9A%D0%B8%D0%BD%D0%BE_(%D0%B3%D1%80%D1%83%D0%BF%D0%BF%D0%B0)"
    )
    assert not english.called


async def test_english_is_the_fallback_and_says_so(wikipedia, upstream):
    in_russian = search(upstream, RU, "Khruangbin", "search_empty.json")
    search(upstream, EN, "Khruangbin", "search_en_khruangbin.json")
    summary(upstream, EN, "Khruangbin", "summary_en_khruangbin.json")

    bio = await wikipedia.artist_bio("Khruangbin", "ru")

    assert in_russian.called
    assert (bio.title, bio.lang) == ("Khruangbin", "en")
    assert bio.bio.startswith("Khruangbin is an American musical trio")


async def test_the_band_wins_over_an_exact_title_about_something_else(wikipedia, upstream):
    search(upstream, EN, "Muse", "search_en_muse.json")
    summary(upstream, EN, "Muse_%28band%29", "summary_en_muse_band.json")

    bio = await wikipedia.artist_bio("Muse")

    assert bio.title == "Muse (band)"


async def test_a_disambiguation_summary_is_no_bio(wikipedia, upstream):
    search(upstream, EN, "Genesis", "search_en_genesis.json")
    summary(upstream, EN, "Genesis", "summary_en_genesis.json")

    assert await wikipedia.artist_bio("Genesis", "en") is None


async def test_an_article_without_music_flags_is_checked_by_its_text(wikipedia, upstream):
    pages = {"query": {"pages": [{"pageid": 1, "ns": 0, "title": "Adele", "index": 1}]}}
    upstream.get(f"{EN}/w/api.php", params={"gsrsearch": "Adele"}).mock(
        return_value=httpx.Response(200, json=pages)
    )
    plant = {"query": {"pages": [{"pageid": 2, "ns": 0, "title": "Bush", "index": 1}]}}
    upstream.get(f"{EN}/w/api.php", params={"gsrsearch": "Bush"}).mock(
        return_value=httpx.Response(200, json=plant)
    )
    upstream.get(f"{EN}/api/rest_v1/page/summary/Adele").mock(
        return_value=httpx.Response(
            200,
            json={
                "type": "standard",
                "title": "Adele",
                "extract": "Adele Laurie Blue Adkins is an English singer-songwriter.",
            },
        )
    )
    upstream.get(f"{EN}/api/rest_v1/page/summary/Bush").mock(
        return_value=httpx.Response(
            200,
            json={"type": "standard", "title": "Bush", "extract": "A bush is a woody plant."},
        )
    )

    adele = await wikipedia.artist_bio("Adele")

    assert (adele.title, adele.source_url, adele.image_url) == ("Adele", "", "")
    assert await wikipedia.artist_bio("Bush") is None


async def test_a_page_flagged_as_disambiguation_is_not_even_fetched(wikipedia, upstream):
    page = {"pageid": 2, "ns": 0, "title": "Nirvana", "index": 1}
    flagged = {"query": {"pages": [{**page, "pageprops": {"disambiguation": ""}}]}}
    upstream.get(f"{EN}/w/api.php").mock(return_value=httpx.Response(200, json=flagged))
    summaries = upstream.get(url__startswith=f"{EN}/api/rest_v1/").mock(
        return_value=httpx.Response(200, json={"type": "standard", "extract": "A band."})
    )

    assert await wikipedia.artist_bio("Nirvana") is None
    assert not summaries.called


async def test_a_missing_summary_is_no_bio(wikipedia, upstream):
    search(upstream, EN, "Queen", "search_en_queen.json")
    gone = summary(upstream, EN, "Queen_%28band%29", "summary_not_found.json", status=404)

    assert await wikipedia.artist_bio("Queen") is None
    assert gone.call_count == 1


async def test_a_redirected_title_is_followed_once_on_the_same_wiki(wikipedia, upstream):
    search(upstream, EN, "Queen", "search_en_queen.json")
    upstream.get(f"{EN}/api/rest_v1/page/summary/Queen_%28band%29").mock(
        return_value=httpx.Response(302, headers={"location": "Queen_%28rock_band%29"})
    )
    summary(upstream, EN, "Queen_%28rock_band%29", "summary_en_queen_band.json")

    bio = await wikipedia.artist_bio("Queen")

    assert bio.title == "Queen (band)"


async def test_a_redirect_elsewhere_is_not_followed(wikipedia, upstream):
    search(upstream, EN, "Queen", "search_en_queen.json")
    upstream.get(f"{EN}/api/rest_v1/page/summary/Queen_%28band%29").mock(
        return_value=httpx.Response(
            302, headers={"location": "http://169.254.169.254/api/rest_v1/page/summary/x"}
        )
    )
    elsewhere = upstream.route(host="169.254.169.254").mock(return_value=httpx.Response(200))

    assert await wikipedia.artist_bio("Queen") is None
    assert not elsewhere.called


@pytest.mark.parametrize(
    ("recorded", "kind"),
    [
        ("search_error_maxlag.json", ErrorKind.UNAVAILABLE),
        ("search_error_badvalue.json", ErrorKind.BAD_REQUEST),
    ],
)
async def test_action_api_errors_are_mapped(wikipedia, upstream, recorded, kind):
    search(upstream, EN, "Queen", recorded)

    with pytest.raises(ProviderError) as failed:
        await wikipedia.artist_bio("Queen")

    assert failed.value.kind == kind


@pytest.mark.parametrize("lang", ["xx", "EN", "en-gb", "", "../../evil", "simple"])
async def test_an_unsupported_language_is_refused_without_a_request(wikipedia, upstream, lang):
    anything = upstream.route().mock(return_value=answer("search_en_queen.json"))

    with pytest.raises(ProviderError) as refused:
        await wikipedia.artist_bio("Queen", lang)

    assert refused.value.kind == ErrorKind.BAD_REQUEST
    assert not anything.called


def test_the_supported_languages_include_the_sites_own():
    assert {"en", "ru"} <= set(LANGUAGES)


@pytest.mark.parametrize(
    "body", [b"", b"<!DOCTYPE html><html></html>", b"[]", b'{"query": ', b'"x"']
)
async def test_unreadable_search_payloads_are_malformed(wikipedia, upstream, body):
    upstream.get(f"{EN}/w/api.php").mock(return_value=httpx.Response(200, content=body))

    with pytest.raises(ProviderError) as unreadable:
        await wikipedia.artist_bio("Queen")

    assert unreadable.value.kind == ErrorKind.MALFORMED


async def test_unreadable_summary_payloads_are_malformed(wikipedia, upstream):
    search(upstream, EN, "Queen", "search_en_queen.json")
    upstream.get(f"{EN}/api/rest_v1/page/summary/Queen_%28band%29").mock(
        return_value=httpx.Response(200, content=b"<html>Varnish cache server</html>")
    )

    with pytest.raises(ProviderError) as unreadable:
        await wikipedia.artist_bio("Queen")

    assert unreadable.value.kind == ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "query",
    [
        '{"pages": null}',
        '{"pages": "x"}',
        '{"pages": [null, 1, {"title": 5}, {"title": "Queen", "ns": 1}]}',
        '{"pages": {"-1": {"title": "Queen (chess)", "ns": 0, "description": "Chess piece"}}}',
        '"x"',
    ],
)
async def test_search_hits_of_the_wrong_shape_are_skipped(wikipedia, upstream, query):
    upstream.get(f"{EN}/w/api.php").mock(
        return_value=httpx.Response(200, content=f'{{"query": {query}}}'.encode())
    )

    assert await wikipedia.artist_bio("Queen") is None


async def test_odd_summary_fields_are_read_not_raised(wikipedia, upstream):
    search(upstream, EN, "Queen", "search_en_queen.json")
    upstream.get(f"{EN}/api/rest_v1/page/summary/Queen_%28band%29").mock(
        return_value=httpx.Response(
            200,
            json={
                "type": "standard",
                "title": None,
                "extract": "Queen are a British rock &amp; roll band.",
                "thumbnail": "none",
                "originalimage": {"source": "//upload.wikimedia.org/q.jpg"},
                "content_urls": {"desktop": []},
            },
        )
    )

    bio = await wikipedia.artist_bio("Queen")

    assert bio.title == "Queen (band)"  # the search hit's title when the summary has none
    assert bio.bio == "Queen are a British rock &amp; roll band."  # plain text, kept as sent
    assert bio.image_url == "https://upload.wikimedia.org/q.jpg"
    assert bio.source_url == ""


async def test_a_disabled_service_makes_no_request(enable_services, upstream):
    enable_services()
    anything = upstream.route().mock(return_value=answer("search_en_queen.json"))

    with pytest.raises(ProviderError) as off:
        await WikipediaClient().artist_bio("Queen", "ru")

    assert off.value.kind == ErrorKind.DISABLED
    assert not anything.called
