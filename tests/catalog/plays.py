"""Helpers shared by the listens, charts and music route tests: listening activity in bulk."""

from datetime import timedelta

from django.utils import timezone

from rubysound.catalog.models import Listen
from tests.factories import UserFactory


def listeners(count: int) -> list:
    return UserFactory.create_batch(count)


def play(track, users, *, times: int = 1, ago: timedelta = timedelta(hours=1)) -> None:
    """Each user plays ``track`` ``times`` times around ``ago`` before now (one INSERT)."""
    at = timezone.now() - ago
    Listen.objects.bulk_create(
        Listen(user=user, track=track, listened_at=at - timedelta(seconds=n))
        for user in users
        for n in range(times)
    )
