"""Concurrent changes to one playlist, through the API, on PostgreSQL.

Each thread is a client with its own database connection (closed when it is done); a barrier
lets them start together. Positions must stay 0..n-1 without duplicates, and a duplicate add
losing the race is a 409, never a 500.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rubysound.catalog.models import Track
from rubysound.social.models import Playlist, PlaylistItem
from tests.factories import PlaylistItemFactory, TrackFactory, UserFactory, favorites_of

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

THREADS = 6  # below the connection pool's size, with the test's own connection


def run_together(requests) -> list:
    """Runs each ``request()`` in its own thread, all at once; their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index, request):
        try:
            barrier.wait(timeout=10)
            results[index] = request()
        except Exception as exc:  # reported by the test, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def status_codes(responses) -> Counter:
    for response in responses:
        assert not isinstance(response, Exception), response
    return Counter(response.status_code for response in responses)


def positions(playlist) -> list[int]:
    return list(playlist.items.order_by("position").values_list("position", flat=True))


def test_concurrent_adds_of_different_tracks_get_distinct_positions():
    user = UserFactory()
    tracks = TrackFactory.create_batch(THREADS)

    def add(track):
        return lambda: client_of(user).post(
            "/api/playlists/me/tracks/", {"track_id": track.pk}, format="json"
        )

    responses = run_together([add(track) for track in tracks])

    assert status_codes(responses) == {201: THREADS}
    favorites = favorites_of(user)
    assert positions(favorites) == list(range(THREADS))
    assert {r.json()["track"]["position"] for r in responses} == set(range(THREADS))


def test_a_duplicate_add_losing_the_race_is_a_409():
    user = UserFactory()
    payload = {"name": "Teardrop", "artist": "Massive Attack"}

    responses = run_together(
        [
            lambda: client_of(user).post("/api/playlists/me/tracks/", payload, format="json")
            for _ in range(THREADS)
        ]
    )

    assert status_codes(responses) == {201: 1, 409: THREADS - 1}
    assert favorites_of(user).items.count() == 1
    assert Track.objects.count() == 1


def test_concurrent_inserts_at_the_top_keep_positions_whole():
    user = UserFactory()
    mix = Playlist.objects.create(owner=user, title="Mix")
    for _ in range(3):
        PlaylistItemFactory(playlist=mix)
    tracks = TrackFactory.create_batch(THREADS)

    def insert(track):
        return lambda: client_of(user).post(
            f"/api/playlists/{mix.pk}/tracks/", {"track_id": track.pk, "position": 0}, format="json"
        )

    responses = run_together([insert(track) for track in tracks])

    assert status_codes(responses) == {201: THREADS}
    assert positions(mix) == list(range(THREADS + 3))


def test_concurrent_adds_removals_and_moves_leave_no_gaps():
    user = UserFactory()
    mix = Playlist.objects.create(owner=user, title="Mix")
    items = [PlaylistItemFactory(playlist=mix) for _ in range(THREADS)]
    newcomers = TrackFactory.create_batch(2)
    url = f"/api/playlists/{mix.pk}/tracks/"

    requests = [
        lambda: client_of(user).delete(url, {"track_id": items[0].track_id}, format="json"),
        lambda: client_of(user).delete(url, {"track_id": items[3].track_id}, format="json"),
        lambda: client_of(user).post(url, {"track_id": newcomers[0].pk}, format="json"),
        lambda: client_of(user).post(
            url, {"track_id": newcomers[1].pk, "position": 1}, format="json"
        ),
        lambda: client_of(user).patch(
            url, {"track_id": items[5].track_id, "position": 0}, format="json"
        ),
        lambda: client_of(user).patch(
            url, {"track_id": items[1].track_id, "position": 99}, format="json"
        ),
    ]
    codes = status_codes(run_together(requests))

    assert codes == {200: 4, 201: 2}
    assert positions(mix) == list(range(THREADS))
    assert PlaylistItem.objects.filter(playlist=mix).count() == THREADS


def test_first_adds_of_an_account_without_favorites_make_one_favorites():
    user = UserFactory(favorites=False)
    tracks = TrackFactory.create_batch(THREADS)

    def add(track):
        return lambda: client_of(user).post(
            "/api/playlists/me/tracks/", {"track_id": track.pk}, format="json"
        )

    assert status_codes(run_together([add(track) for track in tracks])) == {201: THREADS}
    favorites = Playlist.objects.get(owner=user, is_favorites=True)
    assert positions(favorites) == list(range(THREADS))


def test_many_people_keeping_the_same_new_song_share_one_remote_track():
    users = UserFactory.create_batch(THREADS)
    payload = {"name": "Roads", "artist": "Portishead"}

    responses = run_together(
        [
            lambda user=user: client_of(user).post(
                "/api/playlists/me/tracks/", payload, format="json"
            )
            for user in users
        ]
    )

    assert status_codes(responses) == {201: THREADS}
    assert Track.objects.filter(source=Track.Source.REMOTE).count() == 1
    assert len({r.json()["track"]["id"] for r in responses}) == 1
