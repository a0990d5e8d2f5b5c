"""The artist page with the external services on: a Wikipedia bio in the page's language
with its source, and a service's photo; offline, the library's own and no request."""

import httpx
import pytest

from tests.catalog import provider_setup
from tests.catalog.api.test_artist_profile import _route
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream


def test_offline_the_page_asks_no_service(client, upstream):
    leak = upstream.route().mock(return_value=httpx.Response(599))
    artist = ArtistFactory(name="Muse", bio="")
    page = client.get(f"/artists/{artist.pk}/").content.decode()
    assert "We do not have a biography of Muse yet." in page
    assert not leak.called


def test_a_wikipedia_bio_and_photo_with_the_article_named(client, enable_services, upstream):
    enable_services("theaudiodb", "wikipedia")
    _route(upstream)
    artist = ArtistFactory(name="Muse", bio="")
    page = client.get(f"/artists/{artist.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Muse are an English rock band" in page
    assert 'href="https://en.wikipedia.org/wiki/Muse_(band)"' in page
    assert "From the Wikipedia article “Muse (band)”" in page
    assert 'src="https://upload.wikimedia.org/' in page


def test_a_russian_page_gets_the_russian_article(client, enable_services, upstream):
    enable_services("wikipedia")
    _route(upstream)
    artist = ArtistFactory(name="Кино", bio="")
    page = client.get(f"/artists/{artist.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<div class="bio-text" lang="ru">' in page
    assert "Из статьи Википедии «Кино (группа)»" in page


def test_a_stored_bio_is_kept(client, enable_services, upstream):
    enable_services("wikipedia")
    _route(upstream)  # still asked: the artist has no photo of its own
    artist = ArtistFactory(name="Muse", bio="Our own words about Muse.")
    page = client.get(f"/artists/{artist.pk}/").content.decode()
    assert "Our own words about Muse." in page
    assert "Muse are an English rock band" not in page
    assert "From the Wikipedia article" not in page
