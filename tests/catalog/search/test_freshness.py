"""Searches are cached for a minute, but never show what a rescan, an upload or an admin
edit has just removed: their cache keys carry the catalog version, which every catalog
write bumps when its transaction commits."""

import pytest
from django.db import transaction

from rubysound.catalog import services
from rubysound.catalog import version as catalog_version
from rubysound.catalog.library.ingest import delete_library_tracks
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.models import Track
from tests.catalog import provider_setup
from tests.catalog.provider_setup import LASTFM_URL, recorded
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream


def _wombats():
    band = ArtistFactory(name="Wombat Band")
    album = AlbumFactory(artist=band, title="Burrows")
    return [TrackFactory(title=f"Wombat Waltz {n}", album=album, artist=band) for n in range(3)]


def _search(api_client, query: str = "wombat") -> dict:
    return api_client.get("/music_api/search/", {"q": query}).json()


def _names(body: dict) -> list[str]:
    return sorted(r["name"] for r in body["results"])


def test_a_deleted_track_leaves_the_cached_search_at_once(
    api_client, django_capture_on_commit_callbacks
):
    first, *rest = _wombats()
    assert len(_search(api_client)["results"]) == 3
    assert _search(api_client)["meta"]["cached"] is True  # the answer is kept...
    with django_capture_on_commit_callbacks(execute=True):
        delete_library_tracks([first.pk])
    body = _search(api_client)  # ...yet the next search no longer lists the deleted track
    assert body["meta"]["cached"] is False
    assert _names(body) == sorted(t.title for t in rest)
    assert body["count"] == 2


def test_an_artist_left_without_tracks_leaves_autocomplete(
    api_client, django_capture_on_commit_callbacks
):
    tracks = _wombats()
    suggest = lambda: api_client.get("/music_api/search/artists/", {"q": "wombat"}).json()  # noqa: E731
    assert [a["name"] for a in suggest()["results"]] == ["Wombat Band"]
    with django_capture_on_commit_callbacks(execute=True):
        delete_library_tracks([t.pk for t in tracks])
    assert suggest()["results"] == []


def test_the_search_page_forgets_a_deleted_track(client, django_capture_on_commit_callbacks):
    first, second, _ = _wombats()
    page = client.get("/music_api/index/", {"q": "wombat"}).content.decode()
    assert first.title in page
    with django_capture_on_commit_callbacks(execute=True):
        delete_library_tracks([first.pk])
    page = client.get("/music_api/index/", {"q": "wombat"}).content.decode()
    assert first.title not in page
    assert second.title in page


def test_the_merged_search_forgets_a_deleted_track(
    api_client, enable_services, upstream, django_capture_on_commit_callbacks
):
    enable_services("lastfm")
    upstream.get(LASTFM_URL, params={"method": "track.search"}).mock(
        return_value=recorded("lastfm", "track_search_empty.json")
    )
    first, *rest = _wombats()
    assert len(_search(api_client)["results"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        delete_library_tracks([first.pk])
    assert _names(_search(api_client)) == sorted(t.title for t in rest)


def test_a_rescan_that_prunes_shows_in_the_next_search(
    api_client, scanned_library, tiny_library, django_capture_on_commit_callbacks
):
    track = Track.objects.select_related("artist").order_by("path").first()
    query = track.title
    assert track.pk in [r["id"] for r in _search(api_client, query)["results"]]
    (tiny_library.root / track.path).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        assert scan_library(prune=True).removed == 1
    assert track.pk not in [r["id"] for r in _search(api_client, query)["results"]]


def test_a_remote_track_someone_keeps_is_found_at_once(
    api_client, django_capture_on_commit_callbacks
):
    _wombats()
    assert len(_search(api_client)["results"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.get_or_create_remote_track("Wombat Waltz Remote", "Someone Else")
    assert "Wombat Waltz Remote" in _names(_search(api_client))


def test_an_admin_deletion_shows_in_the_next_search(
    client, api_client, django_capture_on_commit_callbacks
):
    first, *_ = _wombats()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert len(_search(api_client)["results"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/track/{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert first.title not in _names(_search(api_client))


def _delete_then_fail(track_ids: list[int]) -> None:
    with transaction.atomic():
        delete_library_tracks(track_ids)
        raise RuntimeError("the scan failed half-way")


def test_a_write_that_rolls_back_keeps_the_version(django_capture_on_commit_callbacks):
    (track, *_) = _wombats()
    before = catalog_version.current()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        _delete_then_fail([track.pk])
    assert callbacks == []
    assert catalog_version.current() == before
    assert Track.objects.filter(pk=track.pk).exists()
