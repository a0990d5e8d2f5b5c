"""Notifications in words people read: "bob liked your playlist Favorites".

The profile page renders its latest notifications with ``describe_notification``; new ones
arrive over ``/ws/notifications/`` and ``components/notification-list.js`` writes them with
the same sentences (``notifications_text``), so a notification reads the same either way.
Sentences carry ``%(actor)s`` and ``%(playlist)s`` placeholders, which become links.
"""

import re

from django.utils.translation import gettext as _

from rubysound.social.models import FAVORITES_TITLE
from rubysound.web.display import playlist_title as reader_playlist_title

PLACEHOLDER = re.compile(r"%\((actor|playlist)\)s")


def _sentences() -> dict[str, str]:
    return {
        "playlist_like": _("%(actor)s liked your playlist %(playlist)s"),
        "playlist_comment": _("%(actor)s commented on your playlist %(playlist)s"),
        "comment_reply": _("%(actor)s replied to your comment on %(playlist)s"),
        "comment_like": _("%(actor)s liked your comment on %(playlist)s"),
        "lastfm_unlinked": _(
            "Last.fm refused your session, so your listens are no longer sent there. "
            "Link Last.fm again in Settings."
        ),
        "listenbrainz_unlinked": _(
            "ListenBrainz refused your token, so your listens are no longer sent there. "
            "Link ListenBrainz again in Settings."
        ),
    }


def notifications_text() -> dict:
    """Everything the notifications scripts write, translated like the rest of the page."""
    return {
        "sentences": _sentences(),
        "fallback": _("%(actor)s did something on %(playlist)s"),
        "someone": _("Someone"),
        "aPlaylist": _("a playlist"),
        "favorites": _("Favorites"),
        "favoritesStored": FAVORITES_TITLE,  # the title Favorites are created with
        "empty": _(
            "No notifications yet. When someone likes your Favorites or answers your "
            "comments, you will see it here."
        ),
        "unread": _("Unread"),
        "badgeNone": _("Notifications"),
        "badgeSome": _("Notifications, unread: %(count)s"),
        "failed": _("That did not work. Please try again."),
        "signIn": _("Your session has ended: sign in again to do that."),
        "loading": _("Loading…"),
        "noMore": _("That is all of your notifications."),
    }


def playlist_url(playlist: dict | None, comment: dict | None = None) -> str:
    """Where a notification about a playlist (or one of its comments) leads."""
    if playlist is None:
        return "/playlists/"
    if not playlist.get("is_favorites"):
        return "/playlists/"
    url = f"/u/{playlist['owner_username']}/"
    if comment is not None:
        return f"{url}#comment-{comment['id']}"
    return url


def describe_notification(payload: dict) -> dict:
    """A notification payload (``selectors.notifications.notification_payload``) as the
    pieces of its sentence: ``parts`` is a list of ``{"text", "href"}`` (href None for
    plain words)."""
    sentence = _sentences().get(payload["type"]) or notifications_text()["fallback"]
    actor = payload.get("actor")
    playlist = payload.get("playlist")
    comment = payload.get("comment")
    if (playlist or {}).get("is_favorites"):
        playlist_title = reader_playlist_title(playlist)
    else:
        playlist_title = (playlist or {}).get("title") or _("a playlist")
    values = {
        "actor": {
            "text": (actor or {}).get("username") or _("Someone"),
            "href": (actor or {}).get("profile_url"),
        },
        "playlist": {"text": playlist_title, "href": playlist_url(playlist)},
    }
    parts = []
    position = 0
    for match in PLACEHOLDER.finditer(sentence):
        if match.start() > position:
            parts.append({"text": sentence[position : match.start()], "href": None})
        parts.append(values[match.group(1)])
        position = match.end()
    if position < len(sentence):
        parts.append({"text": sentence[position:], "href": None})
    return {
        "id": payload["id"],
        "type": payload["type"],
        "parts": parts,
        "excerpt": (comment or {}).get("text") or "",
        "href": playlist_url(playlist, comment),
        "created_at": payload["created_at"],
        "unread": payload.get("read_at") is None,
    }
