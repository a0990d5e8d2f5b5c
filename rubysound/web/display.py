"""Names the app chose, shown in the reader's language."""

from django.utils.translation import gettext

from rubysound.social.models import FAVORITES_TITLE


def playlist_title(playlist) -> str:
    """A playlist's title for the reader (a Playlist or a playlist dict of the API).

    Favorites keep the title they were created with, "Favorites" (no one's choice), which
    reads in the reader's language; a title their owner gave them stays as written.
    """
    if isinstance(playlist, dict):
        is_favorites, title = playlist.get("is_favorites"), playlist.get("title") or ""
    else:
        is_favorites = getattr(playlist, "is_favorites", False)
        title = getattr(playlist, "title", "") or ""
    if is_favorites and title in ("", FAVORITES_TITLE):
        return gettext("Favorites")
    return title
