"""Template context every page gets."""

from django.utils.functional import SimpleLazyObject

from rubysound.social.selectors.notifications import unread_count


def notifications(request) -> dict:
    """``unread_notifications``: the signed-in user's unread count for the top bar's badge.

    One indexed count query (the partial ``social_notif_unread`` index), made only when a
    template shows it and only for signed-in users; anonymous visitors cost nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
