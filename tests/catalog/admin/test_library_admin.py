"""The catalog admin: lists that stay fast, actions on library tracks."""

import os

import pytest

from rubysound.catalog.models import Album, Listen, Track
from tests.catalog.admin.conftest import messages_of
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/catalog/track/", "song"),
        ("/admin/catalog/album/", "album"),
        ("/admin/catalog/artist/", "artist"),
        ("/admin/catalog/genre/", "rock"),
        ("/admin/catalog/listen/", "listener"),
    ],
)
def test_lists_search_with_a_bounded_number_of_queries(
    staff_client, url, query, django_assert_max_num_queries
):
    for _ in range(30):
        ListenFactory()
    with django_assert_max_num_queries(12):  # session, user, the page: not one per row
        response = staff_client.get(url, {"q": query})
    assert response.status_code == 200


def test_a_track_page_uses_autocompletes_not_giant_selects(staff_client):
    track = TrackFactory()
    body = staff_client.get(f"/admin/catalog/track/{track.pk}/change/").content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in body
    assert track.path in body  # shown, read-only


def test_actions_reread_files_and_remove_tracks_whose_file_is_gone(
    staff_client, scanned_library, tiny_library
):
    tracks = list(Track.objects.order_by("path"))
    gone = tracks[0]
    os.remove(tiny_library.root / gone.path)
    Listen.objects.create(user=UserFactory(), track=tracks[1], listened_at="2026-01-01T00:00Z")
    ids = [t.pk for t in tracks[:3]]

    reread = staff_client.post(
        "/admin/catalog/track/",
        {"action": "reread_files", "_selected_action": ids},
        follow=True,
    )
    shown = messages_of(reread)
    assert shown[0] == "Re-read 3 file(s): 2 updated, 0 added, 1 failed."
    assert shown[1].startswith(f"Failed: {tiny_library.root / gone.path}:")

    removed = staff_client.post(
        "/admin/catalog/track/",
        {"action": "remove_tracks_without_file", "_selected_action": ids},
        follow=True,
    )
    assert messages_of(removed) == [
        "Removed 1 track(s) whose file is gone; kept 2 (file present, or not a library track)."
    ]
    assert not Track.objects.filter(pk=gone.pk).exists()
    assert Track.objects.count() == 5
    assert Album.objects.count() == 2
