"""How a user appears where others see their activity: among a playlist's or a comment's
likers, as a comment's author, as the user a reply answers.

A user whose profile page others cannot open (Favorites private, or the account deactivated:
``/u/<name>/`` answers 404) appears as LISTENER: no username, no profile link, the default
avatar (a picture of their own would name them as surely). Everyone is shown the same, the
user included, so a shape can be shared by every viewer (comment pushes are).
"""

from dataclasses import dataclass

from rubysound.accounts.models import default_avatar_url

LISTENER = "a listener"


@dataclass(frozen=True)
class ShownUser:
    username: str | None  # None: a listener
    display_name: str
    avatar_url: str  # site-relative
    profile_url: str | None  # site-relative; None: a listener

    @classmethod
    def of(cls, user) -> "ShownUser":
        """Needs the user's ``is_active`` and ``is_public_favorites`` loaded."""
        if user.has_public_profile:
            return cls(user.username, user.username, user.avatar_url, user.profile_url)
        return cls(None, LISTENER, default_avatar_url(), None)
