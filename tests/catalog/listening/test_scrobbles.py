"""Listens named by a scrobbler: matched to the catalog (MBID, then folded artist and title,
the release choosing, a library file before a track known by name), else kept by name;
recorded all or nothing."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rubysound.catalog import services
from rubysound.catalog.listening.history import range_bounds
from rubysound.catalog.listening.scrobbles import Scrobble, match_tracks, resolve_tracks
from rubysound.catalog.models import Listen, Track
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_a_library_file_is_preferred_to_a_track_known_by_name():
    artist = ArtistFactory(name="Björk")
    remote = services.get_or_create_remote_track("Hyperballad", "Björk")
    library = TrackFactory(title="Hyperballad", artist=artist)
    assert remote.pk < library.pk
    (track,) = resolve_tracks([Scrobble(artist="bjork", title="HYPERBALLAD")])
    assert track == library


def test_matching_takes_two_queries_for_any_number_of_songs(django_assert_num_queries):
    tracks = [TrackFactory() for _ in range(30)]
    scrobbles = [Scrobble(artist=t.artist.name, title=t.title) for t in tracks]
    scrobbles.append(Scrobble(artist="x", title="y", recording_mbid=uuid.uuid4()))
    with django_assert_num_queries(2):
        found = match_tracks(scrobbles)
    assert [found[s.key()] for s in scrobbles[:30]] == tracks


def test_record_scrobbles_is_all_or_nothing():
    user = UserFactory()
    good = Scrobble(artist="A", title="B", listened_at=AT)
    future = Scrobble(artist="C", title="D", listened_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.record_scrobbles(user, [good, future], source=Listen.Source.LISTENBRAINZ)
    assert not Listen.objects.exists()
    assert not Track.objects.exists()
    result = services.record_scrobbles(user, [good, good], source=Listen.Source.LISTENBRAINZ)
    assert (result.stored, result.created) == (1, 1)


def test_a_song_by_name_on_a_release_keeps_its_album_and_mbid():
    mbid = uuid.uuid4()
    (track,) = resolve_tracks(
        [Scrobble(artist="New", title="Song", release="Debut", recording_mbid=mbid, duration=99)]
    )
    assert track.source == Track.Source.REMOTE
    assert (track.album.title, track.mbid, track.duration) == ("Debut", mbid, 99)
    # Matched by its MBID from now on, whatever the names say.
    (again,) = resolve_tracks([Scrobble(artist="Other", title="Name", recording_mbid=mbid)])
    assert again == track


def test_the_release_picks_the_album_of_a_song():
    artist = ArtistFactory(name="Nina")
    TrackFactory(title="Song", artist=artist, album=AlbumFactory(title="Live", artist=artist))
    lp = AlbumFactory(title="LP", artist=artist)
    studio = TrackFactory(title="Song", artist=artist, album=lp)
    assert resolve_tracks([Scrobble(artist="Nina", title="Song", release="lp")]) == [studio]


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("this_week", datetime(2026, 3, 16, tzinfo=UTC), None),
        ("this_month", datetime(2026, 3, 1, tzinfo=UTC), None),
        ("this_year", datetime(2026, 1, 1, tzinfo=UTC), None),
        ("week", datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)),
        ("month", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ("quarter", datetime(2025, 10, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("half_yearly", datetime(2025, 7, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("year", datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("all_time", None, None),
    ],
)
def test_calendar_ranges(name, start, end):
    now = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)  # a Wednesday
    assert range_bounds(name, now) == (start, end or now)


def test_an_import_in_chunks_cut_short_keeps_its_chunks_and_is_finished_by_importing_again():
    user = UserFactory()
    history = [
        Scrobble(artist="Band", title=f"Song {n}", listened_at=AT + timedelta(minutes=n))
        for n in range(5)
    ]

    def import_in_chunks():
        return services.import_scrobbles_in_chunks(
            user, history, source=Listen.Source.LISTENBRAINZ, chunk_size=2
        )

    steps = import_in_chunks()
    first = next(steps)
    steps.close()  # the connection lost after the first chunk
    assert (first.done, first.total, first.result.created) == (2, 5, 2)
    assert Listen.objects.filter(user=user).count() == 2

    steps = list(import_in_chunks())
    assert [step.done for step in steps] == [2, 4, 5]
    assert (steps[-1].result.stored, steps[-1].result.created) == (5, 3)
    assert Listen.objects.filter(user=user).count() == 5


def test_an_import_in_chunks_with_one_bad_time_writes_nothing():
    user = UserFactory()
    history = [
        Scrobble(artist="Band", title="Fine", listened_at=AT),
        Scrobble(artist="Band", title="Later", listened_at=timezone.now() + timedelta(days=2)),
    ]
    with pytest.raises(ValidationError):
        next(
            services.import_scrobbles_in_chunks(
                user, history, source=Listen.Source.LISTENBRAINZ, chunk_size=1
            )
        )
    assert not Listen.objects.exists()
    assert not Track.objects.filter(title="Fine").exists()
