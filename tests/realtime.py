"""Helpers for WebSocket and channel-layer tests: database work from async test code."""

from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory, favorites_of


@database_sync_to_async
def make_user(**fields):
    return UserFactory(**fields)


@database_sync_to_async
def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@database_sync_to_async
def favorites(user):
    return favorites_of(user)
