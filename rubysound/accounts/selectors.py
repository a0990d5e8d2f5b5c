"""Reads of accounts: a user's app passwords and API keys (never their secrets)."""

from django.db.models import QuerySet

from .models import ApiKey, AppPassword, User

# How many app passwords or API keys one user may hold: each login tries them all.
MAX_APP_CREDENTIALS = 50


def app_passwords_of(user: User) -> QuerySet[AppPassword]:
    return AppPassword.objects.filter(user=user).defer("secret_encrypted")


def api_keys_of(user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).defer("key_sha256")


def active_user_by_username(username: str) -> User | None:
    """The active account a Subsonic ``u`` names (case folded like sign-in), else None."""
    return User.objects.filter(username__iexact=username, is_active=True).first()
