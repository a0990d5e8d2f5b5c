"""Simultaneous likes by one user (a double click, two tabs) on PostgreSQL: one row, no 500.

Each thread has its own database connection and really commits; a barrier makes the
requests start together.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from rubysound.social.models import Notification, PlaylistLike
from rubysound.social.services.likes import like_playlist, unlike_playlist
from tests.factories import UserFactory, favorites_of

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 4


def run_together(action, times: int = ATTEMPTS) -> list:
    """Runs ``action()`` in ``times`` threads released at once; returns their results."""
    barrier = threading.Barrier(times)

    def worker():
        try:
            barrier.wait(timeout=10)
            return action()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        futures = [pool.submit(worker) for _ in range(times)]
        return [future.result(timeout=30) for future in futures]


def test_simultaneous_likes_leave_one_row_and_one_notification():
    owner, fan = UserFactory(), UserFactory()
    playlist = favorites_of(owner)

    def like_inside_a_transaction():
        # Each like is held open until all have inserted or blocked: the later ones meet
        # the unique constraint, not a row they could have seen beforehand.
        with transaction.atomic():
            return like_playlist(fan, playlist)

    outcomes = run_together(like_inside_a_transaction)
    assert [outcome.liked for outcome in outcomes] == [True] * ATTEMPTS
    assert sorted(outcome.changed for outcome in outcomes) == [False] * (ATTEMPTS - 1) + [True]
    assert PlaylistLike.objects.filter(playlist=playlist, user=fan).count() == 1
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_simultaneous_like_requests_all_answer_200():
    owner, fan = UserFactory(username="owner"), UserFactory()
    playlist = favorites_of(owner)

    def post_like():
        client = APIClient()
        client.force_authenticate(fan)
        response = client.post("/api/playlists/public/owner/like/")
        return response.status_code, response.json()

    answers = run_together(post_like)
    assert [status for status, _ in answers] == [200] * ATTEMPTS
    for _, body in answers:
        assert body["liked_by_me"] is True
        assert body["likes_count"] == 1
    assert PlaylistLike.objects.filter(playlist=playlist).count() == 1
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_simultaneous_unlikes_remove_once():
    owner, fan = UserFactory(), UserFactory()
    playlist = favorites_of(owner)
    like_playlist(fan, playlist)
    outcomes = run_together(lambda: unlike_playlist(fan, playlist))
    assert sorted(outcome.changed for outcome in outcomes) == [False] * (ATTEMPTS - 1) + [True]
    assert all(outcome.likes_count == 0 for outcome in outcomes)
    assert not PlaylistLike.objects.exists()
    assert not Notification.objects.exists()
