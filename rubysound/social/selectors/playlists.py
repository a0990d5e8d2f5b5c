"""Reading playlists and their tracks."""

from django.db.models import QuerySet

from rubysound.catalog import charts
from rubysound.catalog.music_serializers import Absolutizer, track_object
from rubysound.core.timefmt import iso_utc

from ..models import Playlist, PlaylistItem


def favorites_of(user) -> Playlist | None:
    """The user's Favorites, or None for an account that has never had any (no write here)."""
    return Playlist.objects.filter(owner=user, is_favorites=True).first()


def playlist_items(playlist: Playlist) -> QuerySet[PlaylistItem]:
    """A playlist's items in order, with what the Track object needs: one query."""
    return (
        PlaylistItem.objects.filter(playlist=playlist)
        .select_related("track__artist", "track__album")
        .order_by("position", "pk")
    )


def track_objects(items, absolute: Absolutizer) -> list[dict]:
    """The API's Track objects for playlist items, with their place and when they came.

    Listener and play counts come from the catalog's cached stats (at most one query).
    """
    items = list(items)
    stats = charts.track_stats(item.track_id for item in items)
    objects = []
    for item in items:
        listeners, plays = stats.get(item.track_id, (0, 0))
        data = track_object(charts.track_summary(item.track), listeners, plays, absolute)
        data["position"] = item.position
        data["added_at"] = iso_utc(item.added_at)
        objects.append(data)
    return objects
