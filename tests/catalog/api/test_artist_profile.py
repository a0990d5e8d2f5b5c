"""/api/artists/<id>/ with the external services on: a photo and a bio, in the language asked
for, under the request budget, from the providers cache the second time; offline unchanged."""

import re
import uuid
from urllib.parse import quote

import httpx
import pytest

from rubysound.catalog.discovery.artist_profiles import profile_language
from tests.catalog import provider_setup
from tests.catalog.provider_setup import (
    AUDIODB,
    RADIOHEAD_MBID,
    recorded,
    route_audiodb_photos,
    slow,
)
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream

EN, RU = "https://en.wikipedia.org", "https://ru.wikipedia.org"
RADIOHEAD_PHOTO = "https://r2.theaudiodb.com/images/media/artist/thumb/rtqpxx1347913159.jpg"
DEFAULT_COVER = "http://testserver/static/img/default-cover.svg"
OFFLINE_KEYS = {
    "id",
    "name",
    "sort_name",
    "mbid",
    "image_url",
    "album_count",
    "track_count",
    "bio",
    "albums",
    "top_tracks",
}


def _summary(base: str, title: str) -> str:
    return "^" + re.escape(f"{base}/api/rest_v1/page/summary/" + quote(title, safe="")) + "$"


def _route(router):
    route_audiodb_photos(router)
    router.get(f"{RU}/w/api.php", params={"gsrsearch": "Кино"}).mock(
        return_value=recorded("wikipedia", "search_ru_kino.json")
    )
    router.get(f"{EN}/w/api.php", params={"gsrsearch": "Muse"}).mock(
        return_value=recorded("wikipedia", "search_en_muse.json")
    )
    for base in (RU, EN):
        router.get(f"{base}/w/api.php").mock(
            return_value=recorded("wikipedia", "search_empty.json")
        )
    router.get(url__regex=_summary(RU, "Кино_(группа)")).mock(
        return_value=recorded("wikipedia", "summary_ru_kino_group.json")
    )
    router.get(url__regex=_summary(EN, "Muse_(band)")).mock(
        return_value=recorded("wikipedia", "summary_en_muse_band.json")
    )
    for base in (RU, EN):
        router.get(url__startswith=f"{base}/api/rest_v1/page/summary/").mock(
            return_value=recorded("wikipedia", "summary_not_found.json", status=404)
        )


def _detail(api_client, artist, **params):
    headers = {}
    if "accept_language" in params:
        headers["HTTP_ACCEPT_LANGUAGE"] = params.pop("accept_language")
    return api_client.get(f"/api/artists/{artist.pk}/", params, **headers)


def test_offline_the_artist_is_unchanged_and_nothing_is_asked(api_client, upstream):
    leak = upstream.route().mock(return_value=httpx.Response(599))
    artist = ArtistFactory(name="Muse")
    response = _detail(api_client, artist)
    assert response.status_code == 200
    assert set(response.json()) == OFFLINE_KEYS
    assert not leak.called


def test_a_photo_and_an_english_bio_from_the_services_then_from_the_cache(
    api_client, enable_services, upstream
):
    enable_services("theaudiodb", "wikipedia")
    _route(upstream)
    artist = ArtistFactory(name="Muse", bio="")
    response = _detail(api_client, artist, accept_language="en-GB,en;q=0.9")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == OFFLINE_KEYS | {"photo_url", "bio_source", "meta"}
    # TheAudioDB has no Muse: the thumbnail of the band's article.
    assert body["photo_url"].startswith("https://upload.wikimedia.org/")
    assert body["image_url"] == DEFAULT_COVER  # the library's own image is left as it is
    assert body["bio"].startswith("Muse are an English rock band")
    assert body["bio_source"] == {
        "source": "wikipedia",
        "title": "Muse (band)",
        "url": "https://en.wikipedia.org/wiki/Muse_(band)",
        "lang": "en",
    }
    assert body["meta"] == {
        "lang": "en",
        "sources": {
            "library": {"status": "ok"},
            "theaudiodb": {"status": "ok"},
            "wikipedia": {"status": "ok"},
        },
    }
    assert "Accept-Language" in response["Vary"]
    requests = len(upstream.calls)
    again = _detail(api_client, artist, accept_language="en-GB,en;q=0.9").json()
    assert len(upstream.calls) == requests
    assert (again["photo_url"], again["bio"]) == (body["photo_url"], body["bio"])
    assert again["meta"]["sources"]["wikipedia"] == {"status": "cached"}
    assert again["meta"]["sources"]["theaudiodb"] == {"status": "cached"}


@pytest.mark.parametrize(
    "params",
    [{"lang": "ru"}, {"accept_language": "ru-RU,ru;q=0.9,en-US;q=0.8"}, {"lang": " RU "}],
)
def test_the_bio_is_in_the_language_asked_for(api_client, enable_services, upstream, params):
    enable_services("wikipedia")
    _route(upstream)
    artist = ArtistFactory(name="Кино", bio="")
    body = _detail(api_client, artist, **params).json()
    assert body["bio_source"]["lang"] == "ru"
    assert body["bio_source"]["title"] == "Кино (группа)"
    assert body["bio"]
    assert body["meta"]["lang"] == "ru"
    # No English article about the band: no photo, the default cover.
    assert body["photo_url"] == DEFAULT_COVER
    assert body["meta"]["sources"]["theaudiodb"] == {"status": "disabled"}


def test_a_language_without_an_article_falls_back_to_english(api_client, enable_services, upstream):
    enable_services("wikipedia")
    _route(upstream)
    body = _detail(api_client, ArtistFactory(name="Muse", bio=""), lang="ru").json()
    assert (body["bio_source"]["lang"], body["meta"]["lang"]) == ("en", "ru")


def test_what_the_library_stores_is_kept_and_not_asked_for(
    api_client, enable_services, upstream, settings, tmp_path
):
    enable_services("theaudiodb", "wikipedia")
    _route(upstream)
    artist = ArtistFactory(
        name="Radiohead", mbid=uuid.UUID(RADIOHEAD_MBID), bio="Our own words about them."
    )
    body = _detail(api_client, artist).json()
    # The stored bio stands, so Wikipedia is not asked; TheAudioDB has the photo by MBID.
    assert body["bio"] == "Our own words about them."
    assert body["bio_source"] is None
    assert body["photo_url"] == RADIOHEAD_PHOTO
    assert "wikipedia" not in body["meta"]["sources"]
    assert [call.request.url.host for call in upstream.calls] == ["www.theaudiodb.com"]


def test_an_artist_with_an_image_and_a_bio_asks_nothing(api_client, enable_services, upstream):
    enable_services("theaudiodb", "wikipedia")
    leak = upstream.route().mock(return_value=httpx.Response(599))
    artist = ArtistFactory(name="Portishead", bio="From Bristol.", image="artists/p.jpg")
    body = _detail(api_client, artist).json()
    assert not leak.called
    assert body["photo_url"] == body["image_url"] == "http://testserver/media/artists/p.jpg"
    assert body["meta"]["sources"] == {"library": {"status": "ok"}}


def test_a_late_service_is_left_out_within_the_budget(
    api_client, enable_services, upstream, settings
):
    enable_services("theaudiodb", "wikipedia")
    settings.PROVIDERS_BUDGET_SECONDS = 0.4
    upstream.get(url__startswith=AUDIODB).mock(
        side_effect=slow(recorded("theaudiodb", "artist_mb_radiohead.json"), 3)
    )
    _route(upstream)
    artist = ArtistFactory(name="Muse", bio="", mbid=uuid.UUID(RADIOHEAD_MBID))
    body = _detail(api_client, artist).json()
    assert body["meta"]["sources"]["theaudiodb"] == {"status": "degraded", "reason": "timeout"}
    assert body["photo_url"] == DEFAULT_COVER
    assert body["bio"].startswith("Muse are an English rock band")


def test_a_language_we_do_not_offer_is_a_400(api_client, enable_services):
    response = _detail(api_client, ArtistFactory(), lang="xx")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "lang" in body["fields"]


@pytest.mark.parametrize("providers_on", [False, True])
def test_the_profile_adds_no_query(
    api_client, enable_services, upstream, django_assert_max_num_queries, providers_on
):
    if providers_on:
        enable_services("theaudiodb", "wikipedia")
        _route(upstream)
    artist = ArtistFactory(name="Muse", bio="")
    # artist + albums + top tracks + their genres, as without the services
    with django_assert_max_num_queries(4):
        assert _detail(api_client, artist).status_code == 200


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        (None, "", "en"),
        (None, "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "fr"),
        (None, "xx-YY, ru;q=0.5, de;q=0.7", "de"),
        (None, "de;q=0, ja;q=0.1", "ja"),
        (None, "de;q=abc", "en"),
        ("uk", "de", "uk"),
        ("", "de", "de"),
        ("klingon", "de", None),
    ],
)
def test_the_bio_language_of_a_request(requested, header, expected):
    assert profile_language(requested, header) == expected
