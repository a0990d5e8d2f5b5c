"""``manage.py demo_library``: build, scan and animate the demo library; then nothing twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from rubysound.accounts.models import User
from rubysound.catalog.models import Album, Listen, Track
from rubysound.demo.activity import DEMO_LISTENERS
from rubysound.social.models import Playlist, PlaylistItem


def favorite_tracks(listeners) -> dict[str, list[int]]:
    """Each listener's Favorites (the playlist signup gave them): track ids in order."""
    items = PlaylistItem.objects.filter(
        playlist__owner__in=listeners, playlist__is_favorites=True
    ).order_by("playlist__owner__username", "position")
    favorites: dict[str, list[int]] = {}
    for username, track in items.values_list("playlist__owner__username", "track_id"):
        favorites.setdefault(username, []).append(track)
    return favorites


@pytest.mark.django_db
def test_the_command_builds_scans_and_animates_the_library_then_does_nothing_twice(
    settings, tmp_path
):
    settings.LIBRARY_DIRS = [(tmp_path / "library").resolve()]
    args = [
        "--artists=2",
        "--albums-per-artist=1",
        "--tracks-per-album=3",
        "--min-seconds=1",
        "--max-seconds=2",
        "--quiet",
    ]

    out = StringIO()
    call_command("demo_library", *args, stdout=out)

    report = out.getvalue()
    assert "Generated the demo library in" in report
    assert "Scan: 6 added" in report
    assert "Demo listeners: 10 accounts (10 new)" in report
    assert "Demo library ready in" in report
    assert Track.objects.filter(path__startswith="RubySound Demo/").count() == 6
    assert Album.objects.exclude(cover="").count() == 2
    listeners = User.objects.filter(username__in=DEMO_LISTENERS)
    assert listeners.count() == 10
    assert not any(user.has_usable_password() for user in listeners)
    listens = set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source"))
    assert len(listens) > 100
    assert {source for *_, source in listens} == {"demo"}
    favorites = favorite_tracks(listeners)
    assert set(favorites) == {user.username for user in listeners}
    assert all(favorites.values())

    again = StringIO()
    call_command("demo_library", *args, stdout=again)

    second = again.getvalue()
    assert "already present" in second
    assert "nothing to generate, rescanning only" in second
    assert "Scan: 0 added, 0 updated, 0 moved, 6 unchanged" in second
    assert "(0 new)" in second
    assert "(0 added, 0 replaced)" in second
    assert set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source")) == (
        listens
    )
    assert favorite_tracks(listeners) == favorites
    assert User.objects.filter(username__in=DEMO_LISTENERS).count() == 10
    assert Playlist.objects.filter(owner__in=listeners).count() == 10  # Favorites, once each
