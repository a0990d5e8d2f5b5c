"""Importing a listening history in bulk: the rules of one listen, for many at once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from rubysound.catalog.models import Listen
from rubysound.catalog.services import (
    ImportedListen,
    import_listens,
    replace_imported_listens,
)
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def stored() -> set[tuple]:
    return set(Listen.objects.values_list("user_id", "track_id", "listened_at", "source"))


def history(users, tracks, *, days: int = 3) -> list[ImportedListen]:
    return [
        ImportedListen(user.pk, track.pk, NOW - timedelta(days=day, minutes=index))
        for day in range(1, days + 1)
        for index, user in enumerate(users)
        for track in tracks
    ]


def test_a_history_is_stored_in_batches_and_a_second_import_changes_nothing():
    users, tracks = UserFactory.create_batch(2), TrackFactory.create_batch(3)
    listens = history(users, tracks)

    first = import_listens(listens, source=Listen.Source.LISTENBRAINZ, now=NOW, batch_size=4)

    assert (first.stored, first.created, first.removed) == (18, 18, 0)
    rows = stored()
    assert rows == {
        (listen.user_id, listen.track_id, listen.listened_at, "listenbrainz") for listen in listens
    }

    again = import_listens(listens, source=Listen.Source.LISTENBRAINZ, now=NOW, batch_size=4)

    assert (again.stored, again.created) == (18, 0)
    assert stored() == rows


def test_times_are_stored_as_record_listen_stores_them():
    user, track = UserFactory(), TrackFactory()
    at = datetime(2026, 11, 20, 8, 30, 15, 250_000, tzinfo=UTC)
    naive_copy = at.replace(tzinfo=None, microsecond=900_000)

    outcome = import_listens(
        [ImportedListen(user.pk, track.pk, at), ImportedListen(user.pk, track.pk, naive_copy)],
        source=Listen.Source.SUBSONIC,
        now=NOW,
    )

    assert (outcome.stored, outcome.created) == (1, 1)
    assert Listen.objects.get().listened_at == at.replace(microsecond=0)


def test_a_listen_already_recorded_by_the_player_is_not_stored_twice():
    existing = ListenFactory(listened_at=NOW - timedelta(hours=2))

    outcome = import_listens(
        [ImportedListen(existing.user_id, existing.track_id, existing.listened_at)],
        source=Listen.Source.LISTENBRAINZ,
        now=NOW,
    )

    assert outcome.created == 0
    assert Listen.objects.get().source == "player"


@pytest.mark.parametrize(
    "listened_at",
    [NOW + timedelta(hours=1), datetime(1999, 1, 1, tzinfo=UTC)],
    ids=["future", "before-scrobbling"],
)
def test_one_absurd_time_refuses_the_whole_history(listened_at):
    user, track = UserFactory(), TrackFactory()
    listens = [
        ImportedListen(user.pk, track.pk, NOW - timedelta(days=1)),
        ImportedListen(user.pk, track.pk, listened_at),
    ]

    with pytest.raises(ValidationError) as refused:
        import_listens(listens, source=Listen.Source.LISTENBRAINZ, now=NOW)

    assert set(refused.value.message_dict) == {"listened_at"}
    assert not Listen.objects.exists()


def test_an_unknown_source_is_refused():
    user, track = UserFactory(), TrackFactory()

    with pytest.raises(ValidationError) as refused:
        import_listens(
            [ImportedListen(user.pk, track.pk, NOW - timedelta(days=1))], source="tape", now=NOW
        )

    assert set(refused.value.message_dict) == {"source"}
    assert not Listen.objects.exists()


def test_a_replaced_history_leaves_other_sources_and_other_users_alone():
    users, tracks = UserFactory.create_batch(2), TrackFactory.create_batch(2)
    import_listens(history(users, tracks), source=Listen.Source.DEMO, now=NOW)
    played = ListenFactory(user=users[0], track=tracks[0], listened_at=NOW - timedelta(hours=1))
    bystander = UserFactory()
    import_listens(history([bystander], tracks), source=Listen.Source.DEMO, now=NOW)
    newer = history(users, tracks[:1], days=5)

    outcome = replace_imported_listens(
        [user.pk for user in users], newer, source=Listen.Source.DEMO, now=NOW, batch_size=3
    )

    ours = {
        (user_id, track_id, at)
        for user_id, track_id, at, source in stored()
        if source == "demo" and user_id != bystander.pk
    }
    assert ours == {(listen.user_id, listen.track_id, listen.listened_at) for listen in newer}
    assert (outcome.stored, outcome.removed) == (10, 6)
    assert outcome.created == 10 - 6  # days 1 to 3 of the first track were there already
    assert Listen.objects.filter(pk=played.pk).exists()
    assert Listen.objects.filter(user=bystander).count() == 6


def test_a_replaced_history_holds_only_the_given_users_listens():
    user, stranger, track = UserFactory(), UserFactory(), TrackFactory()

    with pytest.raises(ValidationError):
        replace_imported_listens(
            [user.pk],
            [ImportedListen(stranger.pk, track.pk, NOW - timedelta(days=1))],
            source=Listen.Source.DEMO,
            now=NOW,
        )

    assert not Listen.objects.exists()
