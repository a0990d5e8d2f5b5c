from .models import User


def get_user_by_username(username: str) -> User | None:
    """Case-insensitive lookup of an active user, as profile URLs are."""
    return User.objects.filter(username__iexact=username, is_active=True).first()
