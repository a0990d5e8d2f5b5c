"""Writes to playlists; the Favorites playlist of a user is created at signup."""

from django.db import IntegrityError, transaction

from ..models import FAVORITES_TITLE, Playlist


def create_favorites(user) -> Playlist:
    """The user's Favorites playlist; run by the signup service inside its transaction."""
    return Playlist.objects.create(owner=user, title=FAVORITES_TITLE, is_favorites=True)


def ensure_favorites(user) -> Playlist:
    """The user's Favorites, created when missing (accounts made by ``createsuperuser``).

    Only write paths call this; reads answer an empty Favorites without creating anything.
    """
    existing = Playlist.objects.filter(owner=user, is_favorites=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return create_favorites(user)
    except IntegrityError:  # created meanwhile by a concurrent request of the same user
        return Playlist.objects.get(owner=user, is_favorites=True)
