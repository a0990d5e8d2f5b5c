"""MusicBrainz ids for library artists without one, from MusicBrainz's recorded artist
searches: only matches beyond doubt are recorded, never an MBID another artist holds, and
nothing is asked while MusicBrainz is off."""

import functools
import uuid
from io import StringIO

import httpx
import pytest
from django.core.management import call_command

from rubysound.catalog import version as catalog_version
from rubysound.catalog.discovery import mbids
from rubysound.catalog.discovery.mbids import (
    Outcome,
    confident_match,
    record_artist_mbid,
    resolve_artist_mbids,
)
from rubysound.catalog.library.tags import UNKNOWN_ARTIST
from rubysound.providers.types import ArtistRecord
from tests.catalog import provider_setup
from tests.catalog.provider_setup import recorded
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db
enable_services = provider_setup.enable_services
upstream = provider_setup.upstream

SEARCH = "https://musicbrainz.org/ws/2/artist"
QUEEN = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"
KINO = "5a3b1c6b-40a8-41f4-9a6a-9c1e32f2d6a5"
answer = functools.partial(recorded, "musicbrainz")


@pytest.fixture
def musicbrainz(enable_services, settings):
    enable_services("musicbrainz")
    # The one-request-a-second spacing has its own test below; elsewhere it only waits.
    settings.PROVIDERS_MIN_INTERVAL_SECONDS = {}


def _route(router, name: str, recording: str):
    return router.get(SEARCH, params={"query": f'artist:"{name}"'}).mock(
        return_value=answer(recording)
    )


def _mbid(artist) -> str:
    artist.refresh_from_db()
    return str(artist.mbid) if artist.mbid else ""


def test_an_exact_name_with_a_high_score_is_recorded(
    musicbrainz, upstream, django_capture_on_commit_callbacks
):
    queen = ArtistFactory(name="Queen")
    kino = ArtistFactory(name="Кино")
    searched = _route(upstream, "Queen", "artist_search_queen.json")
    _route(upstream, "Кино", "artist_search_kino.json")
    version = catalog_version.current()

    with django_capture_on_commit_callbacks(execute=True):
        summary = resolve_artist_mbids()

    assert (summary.looked_up, summary.matched, summary.failed) == (2, 2, 0)
    # The Swedish namesake scores 86: not a doubt worth leaving Queen without an MBID.
    assert _mbid(queen) == QUEEN
    # Cyrillic names are compared as they are: the British "Kino" is another band.
    assert _mbid(kino) == KINO
    assert dict(searched.calls.last.request.url.params) == {
        "query": 'artist:"Queen"',
        "limit": str(mbids.CANDIDATES),
        "fmt": "json",
    }
    # Autocomplete shows MBIDs: its cached answers are out of date.
    assert catalog_version.current() != version


def test_namesakes_scored_alike_are_left_alone(musicbrainz, upstream):
    nirvana = ArtistFactory(name="Nirvana")
    _route(upstream, "Nirvana", "artist_search_nirvana.json")

    summary = resolve_artist_mbids()

    assert (summary.looked_up, summary.ambiguous, summary.matched) == (1, 1, 0)
    assert _mbid(nirvana) == ""


def test_an_artist_musicbrainz_does_not_know_is_not_found(musicbrainz, upstream):
    unknown = ArtistFactory(name="The Basement Tapes Collective")
    _route(upstream, "The Basement Tapes Collective", "artist_search_empty.json")

    summary = resolve_artist_mbids()

    assert (summary.looked_up, summary.not_found) == (1, 1)
    assert _mbid(unknown) == ""


def test_an_mbid_another_artist_holds_is_never_taken(musicbrainz, upstream):
    ArtistFactory(name="Queen", mbid=uuid.UUID(QUEEN))
    # "The Queen" is Queen to the matching, and a separate artist to the library.
    the_queen = ArtistFactory(name="The Queen")
    _route(upstream, "The Queen", "artist_search_queen.json")

    summary = resolve_artist_mbids()

    assert (summary.looked_up, summary.ambiguous, summary.matched) == (1, 1, 0)
    assert _mbid(the_queen) == ""


def test_unresolved_artists_are_not_asked_again_but_failed_ones_are(
    musicbrainz, upstream, settings
):
    settings.PROVIDERS_RETRY_ATTEMPTS = 1
    ArtistFactory(name="Nirvana")
    ArtistFactory(name="The Basement Tapes Collective")
    queen = ArtistFactory(name="Queen")
    _route(upstream, "Nirvana", "artist_search_nirvana.json")
    _route(upstream, "The Basement Tapes Collective", "artist_search_empty.json")
    down = upstream.get(SEARCH, params={"query": 'artist:"Queen"'}).mock(
        return_value=answer("maintenance.html", status=503)
    )

    first = resolve_artist_mbids()

    assert (first.looked_up, first.ambiguous, first.not_found, first.failed) == (3, 1, 1, 1)
    assert not first.stopped
    upstream.routes.clear()
    _route(upstream, "Queen", "artist_search_queen.json")
    second = resolve_artist_mbids()
    assert (second.looked_up, second.matched) == (1, 1)
    assert _mbid(queen) == QUEEN
    assert down.call_count == 1


def test_a_run_stops_when_musicbrainz_keeps_failing(musicbrainz, upstream, settings):
    settings.PROVIDERS_RETRY_ATTEMPTS = 1
    for n in range(mbids.FAILURES_BEFORE_STOPPING + 2):
        ArtistFactory(name=f"Band {n}")
    down = upstream.get(SEARCH).mock(return_value=answer("rate_limited.json", status=503))

    summary = resolve_artist_mbids()

    assert summary.stopped
    assert summary.failed == summary.looked_up == mbids.FAILURES_BEFORE_STOPPING
    assert down.call_count == mbids.FAILURES_BEFORE_STOPPING


def test_the_limit_and_the_placeholder_artist(musicbrainz, upstream):
    ArtistFactory(name=UNKNOWN_ARTIST)
    first = ArtistFactory(name="Queen")
    ArtistFactory(name="Nirvana")
    searched = _route(upstream, "Queen", "artist_search_queen.json")

    summary = resolve_artist_mbids(limit=1)

    # Oldest first; "Unknown Artist" names nobody and is never asked about.
    assert (summary.looked_up, summary.matched) == (1, 1)
    assert searched.call_count == 1
    assert _mbid(first) == QUEEN


def test_lookups_keep_to_musicbrainz_spacing(enable_services, upstream, settings):
    enable_services("musicbrainz")
    # One request per 1000 s: the second lookup has no slot within its deadline, so it
    # fails at once (and is retried next run) instead of overrunning MusicBrainz's rule.
    settings.PROVIDERS_MIN_INTERVAL_SECONDS = {"musicbrainz": 1000}
    queen = ArtistFactory(name="Queen")
    kino = ArtistFactory(name="Кино")
    searched = upstream.get(SEARCH).mock(return_value=answer("artist_search_queen.json"))

    summary = resolve_artist_mbids()

    assert (summary.looked_up, summary.matched, summary.failed) == (2, 1, 1)
    assert searched.call_count == 1
    assert (_mbid(queen), _mbid(kino)) == (QUEEN, "")


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([ArtistRecord(QUEEN, "Queen", score=100)], (Outcome.MATCHED, QUEEN)),
        ([ArtistRecord(QUEEN, "QUEEN", score=95)], (Outcome.MATCHED, QUEEN)),
        ([ArtistRecord(QUEEN, "Queen", score=80)], (Outcome.AMBIGUOUS, "")),
        # The same artist listed twice is one match.
        ([ArtistRecord(QUEEN, "Queen", score=100)] * 2, (Outcome.MATCHED, QUEEN)),
        ([ArtistRecord(QUEEN, "Queen + Paul Rodgers", score=100)], (Outcome.NOT_FOUND, "")),
        ([], (Outcome.NOT_FOUND, "")),
    ],
)
def test_confident_match(candidates, expected):
    assert confident_match("Queen", candidates) == expected


def test_recording_an_mbid_never_replaces_one():
    kino = ArtistFactory(name="Кино", mbid=uuid.UUID(KINO))
    queen = ArtistFactory(name="Queen")

    assert not record_artist_mbid(kino, QUEEN)
    assert record_artist_mbid(queen, QUEEN)
    assert not record_artist_mbid(ArtistFactory(name="The Queen"), QUEEN)
    assert (_mbid(kino), _mbid(queen)) == (KINO, QUEEN)


def test_the_command_reports_each_artist_and_sums_up(musicbrainz, upstream):
    ArtistFactory(name="Queen")
    ArtistFactory(name="Nirvana")
    ArtistFactory(name="Кино")
    _route(upstream, "Queen", "artist_search_queen.json")
    _route(upstream, "Nirvana", "artist_search_nirvana.json")
    out = StringIO()

    call_command("resolve_artist_mbids", "--limit", "2", stdout=out)

    assert out.getvalue().splitlines() == [
        "3 artists without a MusicBrainz id; looking up 2 at most.",
        f"[1/2] Queen: matched {QUEEN}",
        "[2/2] Nirvana: ambiguous",
        "resolve_artist_mbids looked_up=2 matched=1 ambiguous=1 not_found=0 failed=0",
    ]


def test_the_command_asks_nothing_while_musicbrainz_is_off(enable_services, upstream):
    enable_services()  # the default: no service on
    anything = upstream.route().mock(return_value=httpx.Response(599))
    ArtistFactory(name="Queen")
    out = StringIO()

    call_command("resolve_artist_mbids", stdout=out)

    assert "MusicBrainz is off" in out.getvalue()
    assert not anything.called
