"""Two devices saving over the same version of a queue at once (PostgreSQL: real concurrent
transactions): exactly one save wins, the others are told the queue changed, and the queue
holds the winner's tracks only, never a mix.

Each thread has its own database connection and really commits; a barrier makes the saves
start together.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from rubysound.catalog import selectors, services
from rubysound.catalog.errors import PlayQueueChanged
from tests.factories import TrackFactory, UserFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

DEVICES = 4


def test_simultaneous_saves_of_one_version_leave_one_winner_and_no_mix():
    user = UserFactory()
    first_queue = TrackFactory.create_batch(3)
    services.save_play_queue(user, track_ids=[t.pk for t in first_queue])
    # Each device wants a queue of its own: three tracks none of the others has.
    wanted = [[t.pk for t in TrackFactory.create_batch(3)] for _ in range(DEVICES)]
    barrier = threading.Barrier(DEVICES)

    def save(device: int):
        try:
            barrier.wait(timeout=10)
            try:
                services.save_play_queue(
                    user,
                    track_ids=wanted[device],
                    expected_version=1,
                    changed_by=f"device {device}",
                )
            except PlayQueueChanged:
                return None
            return device
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        outcomes = [f.result(timeout=30) for f in [pool.submit(save, d) for d in range(DEVICES)]]

    winners = [device for device in outcomes if device is not None]
    assert len(winners) == 1
    queue = selectors.get_play_queue(user)
    assert queue.version == 2
    assert [t.pk for t in queue.tracks] == wanted[winners[0]]
    assert queue.changed_by == f"device {winners[0]}"


def test_simultaneous_first_saves_create_one_queue():
    """No queue yet: each device's save creates the row; one wins, none fails otherwise."""
    user = UserFactory()
    wanted = [[t.pk for t in TrackFactory.create_batch(2)] for _ in range(DEVICES)]
    barrier = threading.Barrier(DEVICES)

    def save(device: int):
        try:
            barrier.wait(timeout=10)
            try:
                services.save_play_queue(user, track_ids=wanted[device], expected_version=0)
            except PlayQueueChanged:
                return None
            return device
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        outcomes = [f.result(timeout=30) for f in [pool.submit(save, d) for d in range(DEVICES)]]

    winners = [device for device in outcomes if device is not None]
    assert len(winners) == 1
    queue = selectors.get_play_queue(user)
    assert (queue.version, [t.pk for t in queue.tracks]) == (1, wanted[winners[0]])
