"""A user's one play queue: saving replaces it whole or not at all, reading finds it as
saved, and a device that read an older version cannot overwrite a newer one."""

import pytest

from rubysound.catalog import selectors, services
from rubysound.catalog.errors import InvalidPlayQueue, PlayQueueChanged
from rubysound.catalog.models import PlayQueue, PlayQueueEntry, Track
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ids(queue) -> list[int]:
    return [track.pk for track in queue.tracks]


def test_a_queue_never_saved_is_empty_at_version_zero(user):
    queue = selectors.get_play_queue(user)
    assert (queue.version, queue.tracks, queue.current_index, queue.position_ms) == (0, [], 0, 0)
    assert queue.changed_at is None
    assert queue.current_track is None


def test_a_saved_queue_reads_back_in_order_with_repeats(user):
    a, b, c = TrackFactory.create_batch(3)
    saved = services.save_play_queue(
        user,
        track_ids=[c.pk, a.pk, c.pk, b.pk],
        current_index=2,
        position_ms=61_500,
        changed_by="Symfonium",
    )
    queue = selectors.get_play_queue(user)
    assert _ids(queue) == [c.pk, a.pk, c.pk, b.pk] == _ids(saved)
    assert queue.current_index == 2
    assert queue.current_track == c
    assert queue.position_ms == 61_500
    assert queue.changed_by == "Symfonium"
    assert queue.version == 1
    assert queue.changed_at is not None


def test_each_save_replaces_the_whole_queue_and_bumps_the_version(user):
    a, b, c = TrackFactory.create_batch(3)
    services.save_play_queue(user, track_ids=[a.pk, b.pk, c.pk], current_index=1)
    services.save_play_queue(user, track_ids=[c.pk], expected_version=1)
    queue = selectors.get_play_queue(user)
    assert _ids(queue) == [c.pk]
    assert queue.version == 2
    assert PlayQueueEntry.objects.count() == 1


def test_an_empty_list_clears_the_queue(user):
    track = TrackFactory()
    services.save_play_queue(user, track_ids=[track.pk], position_ms=5000)
    cleared = services.save_play_queue(user, track_ids=[])
    assert (cleared.tracks, cleared.current_index, cleared.position_ms) == ([], 0, 0)
    assert cleared.version == 2


def test_queues_are_per_user(user):
    mine, theirs = TrackFactory.create_batch(2)
    other = UserFactory()
    services.save_play_queue(user, track_ids=[mine.pk])
    services.save_play_queue(other, track_ids=[theirs.pk])
    assert _ids(selectors.get_play_queue(user)) == [mine.pk]
    assert _ids(selectors.get_play_queue(other)) == [theirs.pk]


# --- Refusals change nothing ---------------------------------------------------------------


def _saved_queue(user) -> list[int]:
    track = TrackFactory()
    services.save_play_queue(user, track_ids=[track.pk], current_index=0, position_ms=1000)
    return [track.pk]


def test_unknown_track_ids_are_refused_and_name_the_ids(user):
    before = _saved_queue(user)
    known = TrackFactory()
    with pytest.raises(InvalidPlayQueue) as refused:
        services.save_play_queue(user, track_ids=[known.pk, 10_001, 10_002])
    assert refused.value.status == 400
    assert "10001, 10002" in refused.value.fields["track_ids"][0]
    queue = selectors.get_play_queue(user)
    assert _ids(queue) == before
    assert queue.version == 1


def test_more_tracks_than_the_cap_are_refused(user):
    before = _saved_queue(user)
    track = TrackFactory()
    with pytest.raises(InvalidPlayQueue) as refused:
        services.save_play_queue(user, track_ids=[track.pk] * (services.MAX_QUEUE_TRACKS + 1))
    assert "track_ids" in refused.value.fields
    assert _ids(selectors.get_play_queue(user)) == before


def test_a_queue_at_the_cap_is_saved_and_read_in_a_fixed_number_of_queries(
    user, django_assert_max_num_queries
):
    tracks = TrackFactory.create_batch(5)
    ids = [tracks[n % 5].pk for n in range(services.MAX_QUEUE_TRACKS)]
    services.save_play_queue(user, track_ids=ids, current_index=999)
    with django_assert_max_num_queries(3):
        queue = selectors.get_play_queue(user)
        selectors.track_cards(queue.tracks)
    assert len(queue.tracks) == services.MAX_QUEUE_TRACKS
    assert queue.current_index == 999


@pytest.mark.parametrize(
    ("current_index", "position_ms", "field"),
    [(2, 0, "current_index"), (-1, 0, "current_index"), (0, -5, "position_ms")],
)
def test_a_current_track_or_position_outside_the_queue_is_refused(
    user, current_index, position_ms, field
):
    before = _saved_queue(user)
    a, b = TrackFactory.create_batch(2)
    with pytest.raises(InvalidPlayQueue) as refused:
        services.save_play_queue(
            user, track_ids=[a.pk, b.pk], current_index=current_index, position_ms=position_ms
        )
    assert field in refused.value.fields
    assert _ids(selectors.get_play_queue(user)) == before


# --- Versions --------------------------------------------------------------------------------


def test_a_save_over_a_version_someone_else_replaced_is_refused(user):
    a, b, c = TrackFactory.create_batch(3)
    services.save_play_queue(user, track_ids=[a.pk], expected_version=0)
    # Two devices read version 1; the phone saves first.
    services.save_play_queue(user, track_ids=[b.pk], expected_version=1, changed_by="phone")
    with pytest.raises(PlayQueueChanged) as refused:
        services.save_play_queue(user, track_ids=[c.pk], expected_version=1, changed_by="web")
    assert refused.value.status == 412
    queue = selectors.get_play_queue(user)
    assert (_ids(queue), queue.version, queue.changed_by) == ([b.pk], 2, "phone")


def test_the_first_save_expects_version_zero(user):
    track = TrackFactory()
    with pytest.raises(PlayQueueChanged):
        services.save_play_queue(user, track_ids=[track.pk], expected_version=3)
    assert not PlayQueue.objects.filter(user=user, version__gt=0).exists()
    assert services.save_play_queue(user, track_ids=[track.pk], expected_version=0).version == 1


def test_without_an_expected_version_the_last_save_wins(user):
    """Subsonic's savePlayQueue has no versions."""
    a, b = TrackFactory.create_batch(2)
    services.save_play_queue(user, track_ids=[a.pk])
    services.save_play_queue(user, track_ids=[b.pk])
    assert _ids(selectors.get_play_queue(user)) == [b.pk]


# --- The Subsonic shape: the current track by id -------------------------------------------


def test_saving_by_current_track_id_plays_its_first_place(user):
    a, b = TrackFactory.create_batch(2)
    queue = services.save_play_queue_by_track(
        user, track_ids=[a.pk, b.pk, b.pk], current_track_id=b.pk, position_ms=2500
    )
    assert queue.current_index == 1
    assert queue.current_track == b


def test_a_current_track_id_not_in_the_list_is_refused(user):
    a, b = TrackFactory.create_batch(2)
    with pytest.raises(InvalidPlayQueue) as refused:
        services.save_play_queue_by_track(user, track_ids=[a.pk], current_track_id=b.pk)
    assert "current" in refused.value.fields
    assert selectors.get_play_queue(user).version == 0


# --- Tracks leaving the catalog -------------------------------------------------------------


def test_a_removed_track_leaves_the_queue_and_the_current_one_stays_current(user):
    a, b, c, d = TrackFactory.create_batch(4)
    services.save_play_queue(user, track_ids=[a.pk, b.pk, c.pk, d.pk], current_index=2)
    Track.objects.filter(pk=a.pk).delete()
    queue = selectors.get_play_queue(user)
    assert _ids(queue) == [b.pk, c.pk, d.pk]
    assert queue.current_track == c


def test_when_the_current_track_is_removed_the_next_one_is_current(user):
    a, b, c = TrackFactory.create_batch(3)
    services.save_play_queue(user, track_ids=[a.pk, b.pk, c.pk], current_index=1)
    Track.objects.filter(pk=b.pk).delete()
    assert selectors.get_play_queue(user).current_track == c
    Track.objects.filter(pk=c.pk).delete()
    assert selectors.get_play_queue(user).current_track == a


def test_saving_only_a_new_position_keeps_the_tracks_rows(user, django_assert_max_num_queries):
    a, b = TrackFactory.create_batch(2)
    services.save_play_queue(user, track_ids=[a.pk, b.pk])
    rows = list(PlayQueueEntry.objects.order_by("position").values_list("pk", flat=True))
    services.save_play_queue(user, track_ids=[a.pk, b.pk], current_index=1, position_ms=9000)
    assert list(PlayQueueEntry.objects.order_by("position").values_list("pk", flat=True)) == rows
    queue = selectors.get_play_queue(user)
    assert (queue.current_track, queue.position_ms, queue.version) == (b, 9000, 2)


def test_after_a_track_left_the_same_list_is_stored_again_at_fresh_places(user):
    a, b, c = TrackFactory.create_batch(3)
    services.save_play_queue(user, track_ids=[a.pk, b.pk, c.pk])
    Track.objects.filter(pk=a.pk).delete()
    services.save_play_queue(user, track_ids=[b.pk, c.pk], current_index=1)
    queue = selectors.get_play_queue(user)
    assert queue.current_track == c
    assert list(PlayQueueEntry.objects.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
    ]
