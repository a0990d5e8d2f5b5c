"""POST /api/wikipedia/artists/: bios in a language with English fallback, or from the library."""

import re
from urllib.parse import quote

import httpx
import pytest

from tests.catalog import provider_setup
from tests.catalog.provider_setup import recorded, slow
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream

URL = "/api/wikipedia/artists/"


def _summary_url(lang: str, title: str) -> str:
    return f"https://{lang}.wikipedia.org/api/rest_v1/page/summary/" + quote(
        title.replace(" ", "_"), safe=""
    )


def _route_wikipedia(router):
    ru, en = "https://ru.wikipedia.org", "https://en.wikipedia.org"
    router.get(f"{ru}/w/api.php", params={"gsrsearch": "Кино"}).mock(
        return_value=recorded("wikipedia", "search_ru_kino.json")
    )
    router.get(f"{ru}/w/api.php").mock(return_value=recorded("wikipedia", "search_empty.json"))
    router.get(f"{en}/w/api.php", params={"gsrsearch": "Muse"}).mock(
        return_value=recorded("wikipedia", "search_en_muse.json")
    )
    router.get(f"{en}/w/api.php").mock(return_value=recorded("wikipedia", "search_empty.json"))
    router.get(url__regex="^" + re.escape(_summary_url("ru", "Кино (группа)")) + "$").mock(
        return_value=recorded("wikipedia", "summary_ru_kino_group.json")
    )
    router.get(url__regex="^" + re.escape(_summary_url("en", "Muse (band)")) + "$").mock(
        return_value=recorded("wikipedia", "summary_en_muse_band.json")
    )
    for base in (ru, en):
        router.get(url__startswith=f"{base}/api/rest_v1/page/summary/").mock(
            return_value=recorded("wikipedia", "summary_not_found.json", status=404)
        )


def test_bios_in_the_language_asked_for_else_english(api_client, enable_services, upstream):
    enable_services("wikipedia")
    _route_wikipedia(upstream)
    names = ["Кино", "Muse", "Nobody Has Written About Us"]
    response = api_client.post(URL, {"artists": names, "lang": "ru"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body["artists"]) == {"Кино", "Muse"}
    kino, muse = body["artists"]["Кино"], body["artists"]["Muse"]
    assert kino["title"] == "Кино (группа)"
    assert kino["lang"] == "ru"
    assert kino["source_url"].startswith("https://ru.wikipedia.org/wiki/")
    assert kino["bio"]
    assert kino["image_url"].startswith("https://upload.wikimedia.org/")
    assert set(kino) >= {"bio", "title", "source_url", "image_url", "lang"}
    assert (muse["title"], muse["lang"]) == ("Muse (band)", "en")
    assert body["meta"] == {
        "lang_requested": "ru",
        "count": 2,
        "sources": {"wikipedia": {"status": "ok"}},
    }
    requests = len(upstream.calls)
    again = api_client.post(URL, {"artists": names, "lang": "ru"}, format="json").json()
    assert again["artists"] == body["artists"]
    assert again["meta"]["sources"] == {"wikipedia": {"status": "cached"}}
    assert len(upstream.calls) == requests  # cached per (name, language)


def test_library_bios_answer_when_wikipedia_is_off(api_client, upstream):
    """No service enabled: the stored bio answers, and no request leaves (a catch-all route
    records any that would)."""
    leak = upstream.route().mock(return_value=httpx.Response(599))
    artist = ArtistFactory(name="Björk", bio="Icelandic singer and songwriter.")
    ArtistFactory(name="No Bio Band", bio="")
    body = api_client.post(
        URL, {"artists": ["bjork", "No Bio Band", "Unknown"], "lang": "ru"}, format="json"
    ).json()
    assert body == {
        "artists": {
            "bjork": {
                "bio": "Icelandic singer and songwriter.",
                "title": "Björk",
                "source_url": f"http://testserver/api/artists/{artist.pk}/",
                "image_url": "",
                "lang": "",
                "source": "library",
            }
        },
        "meta": {"lang_requested": "ru", "count": 1},
    }
    assert not leak.called


def test_a_slow_wikipedia_is_left_out_and_the_library_answers(
    api_client, enable_services, upstream, settings
):
    settings.PROVIDERS_BUDGET_SECONDS = 0.3
    enable_services("wikipedia")
    upstream.get(url__startswith="https://en.wikipedia.org/").mock(
        side_effect=slow(recorded("wikipedia", "search_empty.json"), 2.0)
    )
    ArtistFactory(name="Muse", bio="Stored bio.")
    body = api_client.post(URL, {"artists": ["Muse", "Genesis"]}, format="json").json()
    assert set(body["artists"]) == {"Muse"}
    assert body["artists"]["Muse"]["source"] == "library"
    assert body["meta"]["lang_requested"] == "en"
    assert body["meta"]["sources"]["wikipedia"] == {"status": "degraded", "reason": "timeout"}


def test_wikipedia_errors_are_not_errors_of_ours(api_client, enable_services, upstream):
    enable_services("wikipedia")
    upstream.get(url__startswith="https://en.wikipedia.org/").mock(return_value=httpx.Response(503))
    response = api_client.post(URL, {"artists": ["Muse"], "lang": "en"}, format="json")
    assert response.status_code == 200
    assert response.json()["artists"] == {}
    assert response.json()["meta"]["sources"]["wikipedia"]["status"] == "degraded"


@pytest.mark.parametrize(
    "body",
    [
        {"artists": "Muse"},
        {"artists": {"name": "Muse"}},
        {},
        {"artists": [f"Band {n}" for n in range(31)]},
        {"artists": ["Muse"], "lang": "xx"},
        {"artists": ["Muse"], "lang": "english"},
        {"artists": ["Muse"], "lang": 7},
        {"artists": [1]},
        {"artists": ["Muse", None]},
        {"artists": [["Muse"]]},
        {"artists": ["   "]},
        {"artists": ["x" * 201]},
        # PostgreSQL refuses a NUL in text: once a 500 (found by tests/ops/api/test_schema_fuzz.py).
        {"artists": ["Mu\x00se"]},
        ["Muse"],
    ],
)
def test_bad_requests_are_400_with_an_error(api_client, upstream, body):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert isinstance(response.json()["error"], str)


def test_thirty_names_and_a_missing_lang_are_fine(api_client, upstream):
    response = api_client.post(URL, {"artists": [f"Band {n}" for n in range(30)]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"artists": {}, "meta": {"lang_requested": "en", "count": 0}}


def test_malformed_json_is_a_400_error(api_client):
    response = api_client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
