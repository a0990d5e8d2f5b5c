"""The MusicBrainz client against recorded MusicBrainz answers, through the real Transport."""

import functools

import httpx
import pytest
from django.conf import settings as django_settings

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.musicbrainz import (
    REQUESTS_PER_SECOND,
    MusicBrainzClient,
    lucene_phrase,
    normalise_mbid,
)
from tests.providers.conftest import recorded, recording

BASE = "https://musicbrainz.org/ws/2"
QUEEN = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"
BOWIE = "5441c29d-3602-4898-b1a1-b77fa23b8e50"
UNDER_PRESSURE = "32d25a2a-9d9e-45d7-8b1a-8c2c4a0c6b9f"


answer = functools.partial(recorded, "musicbrainz")


@pytest.fixture
def musicbrainz(enable_services, settings) -> MusicBrainzClient:
    enable_services("musicbrainz")
    # The transport's one-request-a-second spacing is its own tests' business; here it
    # would only make every second request of a test wait.
    settings.PROVIDERS_MIN_INTERVAL_SECONDS = {}
    return MusicBrainzClient()


def test_the_transport_spaces_musicbrainz_requests_as_its_rules_ask():
    interval = django_settings.PROVIDERS_MIN_INTERVAL_SECONDS["musicbrainz"]
    assert interval >= 1 / REQUESTS_PER_SECOND


async def test_recordings_are_searched_by_title_and_artist(musicbrainz, upstream):
    searched = upstream.get(f"{BASE}/recording").mock(
        return_value=answer("recording_search_with_or_without_you.json")
    )

    recordings = await musicbrainz.search_recordings("With or Without You", "U2", limit=5)

    assert dict(searched.calls.last.request.url.params) == {
        "query": 'recording:"With or Without You" AND artist:"U2"',
        "limit": "5",
        "fmt": "json",
    }
    # The last two items (a malformed id, an empty title) are skipped.
    assert [(r.mbid, r.score) for r in recordings] == [
        ("6b9a509f-6907-4a6e-9345-2f12da09ba4b", 100),
        ("bf6ed6ba-55c4-4d29-8a0e-5c5e2a1f4b7d", 98),
        ("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", 91),  # sent as "91"
    ]
    studio, live, bare = recordings
    assert (studio.title, studio.artist, studio.artist_mbid) == (
        "With or Without You",
        "U2",
        "a3cb23fc-acd3-4ce0-8f36-1e5aa6a18432",
    )
    assert studio.duration == 296.44
    # The promotional single is listed first; the official album is the release shown.
    assert (studio.release, studio.release_mbid) == (
        "The Joshua Tree",
        "2cf4b2f4-7e7a-3c0c-a3b0-0b2c2a7b5d8e",
    )
    assert studio.isrcs == ("GBAAN8700011",)
    assert live.release == "U2 Go Home: Live From Slane Castle, Ireland"
    assert (bare.duration, bare.release, bare.isrcs) == (None, "", ())


async def test_lucene_special_characters_in_names_are_escaped(musicbrainz, upstream):
    searched = upstream.get(f"{BASE}/recording").mock(
        return_value=answer("recording_search_empty.json")
    )

    found = await musicbrainz.search_recordings('Who Are You? (Live: "Tommy")', "AC/DC")

    assert found == []
    assert searched.calls.last.request.url.params["query"] == (
        'recording:"Who Are You\\? \\(Live\\: \\"Tommy\\"\\)" AND artist:"AC\\/DC"'
    )


def test_a_lucene_phrase_cannot_be_closed_early():
    assert lucene_phrase('a" OR artist:"b') == '"a\\" OR artist\\:\\"b"'
    assert lucene_phrase("  AND  ") == '"AND"'
    assert lucene_phrase("back\\slash") == '"back\\\\slash"'


async def test_artists_are_searched_by_name(musicbrainz, upstream):
    searched = upstream.get(f"{BASE}/artist").mock(return_value=answer("artist_search_queen.json"))

    artists = await musicbrainz.search_artists("Queen")

    assert searched.calls.last.request.url.params["query"] == 'artist:"Queen"'
    assert [(a.name, a.disambiguation, a.score) for a in artists] == [
        ("Queen", "UK rock group", 100),
        ("Queen", "Swedish indie pop band", 86),
    ]
    queen = artists[0]
    assert (queen.mbid, queen.kind, queen.country, queen.sort_name) == (
        QUEEN,
        "Group",
        "GB",
        "Queen",
    )
    # Tags by how many people applied them.
    assert queen.tags == ("classic rock", "hard rock", "rock", "british")


async def test_empty_names_ask_nothing(musicbrainz, upstream):
    anything = upstream.route().mock(return_value=answer("recording_search_empty.json"))

    assert await musicbrainz.search_recordings("  ") == []
    assert await musicbrainz.search_artists("") == []
    assert not anything.called


async def test_a_recording_is_looked_up_by_mbid(musicbrainz, upstream):
    looked_up = upstream.get(f"{BASE}/recording/{UNDER_PRESSURE}").mock(
        return_value=answer("recording_lookup_under_pressure.json")
    )

    recording_ = await musicbrainz.recording(UNDER_PRESSURE.upper())

    assert dict(looked_up.calls.last.request.url.params) == {
        "inc": "artists releases isrcs",
        "fmt": "json",
    }
    assert recording_.title == "Under Pressure"
    # The credit as MusicBrainz writes it, joinphrases included; the first artist's MBID.
    assert (recording_.artist, recording_.artist_mbid) == ("Queen & David Bowie", QUEEN)
    assert recording_.duration == 248.0
    assert (recording_.release, recording_.release_mbid) == (
        "Hot Space",
        "aa3e7e4b-3c4c-4e1d-9b93-7f9d8a1c3e52",
    )
    assert recording_.isrcs == ("GBUM71029604", "GBCEE8100012")
    assert recording_.score == 0  # a lookup has no search score


async def test_an_artist_is_looked_up_by_mbid(musicbrainz, upstream):
    kino_mbid = "5a3b1c6b-40a8-41f4-9a6a-9c1e32f2d6a5"
    upstream.get(f"{BASE}/artist/{kino_mbid}", params={"inc": "tags"}).mock(
        return_value=answer("artist_lookup_kino.json")
    )

    kino = await musicbrainz.artist(kino_mbid)

    assert (kino.name, kino.sort_name, kino.country, kino.tags) == ("Кино", "Kino", "SU", ())


async def test_an_unknown_mbid_is_none(musicbrainz, upstream):
    upstream.get(f"{BASE}/artist/{BOWIE}").mock(return_value=answer("not_found.json", 404))
    upstream.get(f"{BASE}/recording/{UNDER_PRESSURE}").mock(
        return_value=answer("not_found.json", 404)
    )

    assert await musicbrainz.artist(BOWIE) is None
    assert await musicbrainz.recording(UNDER_PRESSURE) is None


@pytest.mark.parametrize("mbid", ["", "not-an-mbid", "0383dadf2a4e4d10a46ae9e041da8eb3", "../x"])
async def test_an_invalid_mbid_is_refused_without_a_request(musicbrainz, upstream, mbid):
    anything = upstream.route().mock(return_value=answer("artist_lookup_queen.json"))

    with pytest.raises(ProviderError) as refused:
        await musicbrainz.artist(mbid)

    assert refused.value.kind == ErrorKind.BAD_REQUEST
    assert not anything.called


async def test_the_rate_limit_503_is_rate_limited(musicbrainz, upstream, settings):
    settings.PROVIDERS_RETRY_ATTEMPTS = 1
    upstream.get(f"{BASE}/artist").mock(return_value=answer("rate_limited.json", 503))

    with pytest.raises(ProviderError) as slowed:
        await musicbrainz.search_artists("Queen")

    assert slowed.value.kind == ErrorKind.RATE_LIMITED
    assert slowed.value.status == 503


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        # Over the rate limit: MusicBrainz's own error, in JSON or (older paths) XML.
        ("rate_limited.json", "application/json; charset=utf-8", ErrorKind.RATE_LIMITED),
        ("rate_limited.xml", "application/xml; charset=utf-8", ErrorKind.RATE_LIMITED),
        # Down for maintenance: the proxy's page, or nothing at all.
        ("maintenance.html", "text/html", ErrorKind.UNAVAILABLE),
        (None, "text/plain", ErrorKind.UNAVAILABLE),
    ],
)
async def test_a_503_is_rate_limited_only_when_musicbrainz_says_so(
    musicbrainz, upstream, settings, name, content_type, kind
):
    settings.PROVIDERS_RETRY_ATTEMPTS = 1
    content = recording("musicbrainz", name) if name else b""
    upstream.get(f"{BASE}/recording").mock(
        return_value=httpx.Response(503, content=content, headers={"content-type": content_type})
    )

    with pytest.raises(ProviderError) as failed:
        await musicbrainz.search_recordings("Under Pressure", "Queen")

    assert failed.value.kind == kind
    assert failed.value.status == 503


async def test_a_refused_query_is_a_bad_request(musicbrainz, upstream):
    upstream.get(f"{BASE}/recording").mock(return_value=answer("bad_request.json", 400))

    with pytest.raises(ProviderError) as refused:
        await musicbrainz.search_recordings("x")

    assert refused.value.kind == ErrorKind.BAD_REQUEST
    assert refused.value.message.startswith("Invalid query: Cannot parse")


async def test_a_blocked_user_agent_is_an_invalid_key(musicbrainz, upstream):
    upstream.get(f"{BASE}/artist").mock(return_value=httpx.Response(403, text="Forbidden"))

    with pytest.raises(ProviderError) as refused:
        await musicbrainz.search_artists("Queen")

    assert (refused.value.kind, refused.value.message) == (ErrorKind.INVALID_KEY, "HTTP 403")


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>Service Temporarily Unavailable</html>", b"[]", b'{"count": 0}', b'{"a":'],
)
async def test_unreadable_search_payloads_are_malformed(musicbrainz, upstream, body):
    upstream.get(f"{BASE}/recording").mock(return_value=httpx.Response(200, content=body))

    with pytest.raises(ProviderError) as unreadable:
        await musicbrainz.search_recordings("One", "U2")

    assert unreadable.value.kind == ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "body",
    [b'{"title": "Under Pressure"}', b'{"id": 7}', b"null", b'"x"'],
)
async def test_unreadable_lookup_payloads_are_malformed(musicbrainz, upstream, body):
    upstream.get(f"{BASE}/recording/{UNDER_PRESSURE}").mock(
        return_value=httpx.Response(200, content=body)
    )

    with pytest.raises(ProviderError) as unreadable:
        await musicbrainz.recording(UNDER_PRESSURE)

    assert unreadable.value.kind == ErrorKind.MALFORMED


async def test_odd_field_types_are_read_not_raised(musicbrainz, upstream):
    body = (
        b'{"recordings": [{"id": "6B9A509F-6907-4A6E-9345-2F12DA09BA4B", "title": "One",'
        b' "score": "high", "length": "276000", "artist-credit": {"name": "U2",'
        b' "artist": {"id": "bad"}}, "releases": [null, {"title": ""},'
        b' {"title": "Achtung Baby", "id": 5}], "isrcs": "GBAAN9100011"}]}'
    )
    upstream.get(f"{BASE}/recording").mock(return_value=httpx.Response(200, content=body))

    [one] = await musicbrainz.search_recordings("One", "U2")

    assert one.mbid == "6b9a509f-6907-4a6e-9345-2f12da09ba4b"
    assert (one.score, one.duration, one.artist, one.artist_mbid) == (0, 276.0, "U2", "")
    assert (one.release, one.release_mbid, one.isrcs) == ("Achtung Baby", "", ())


async def test_a_disabled_service_makes_no_request(enable_services, upstream):
    enable_services()
    anything = upstream.route().mock(return_value=answer("artist_lookup_queen.json"))
    client = MusicBrainzClient()

    for call in (
        client.search_recordings("One"),
        client.search_artists("U2"),
        client.recording(UNDER_PRESSURE),
        client.artist(QUEEN),
    ):
        with pytest.raises(ProviderError) as off:
            await call
        assert off.value.kind == ErrorKind.DISABLED
    assert not anything.called


def test_mbids_are_checked_and_lower_cased():
    assert normalise_mbid(f"  {QUEEN.upper()} ") == QUEEN
    assert normalise_mbid("0383dadf-2a4e-4d10-a46a-e9e041da8eb") == ""
    assert normalise_mbid("g383dadf-2a4e-4d10-a46a-e9e041da8eb3") == ""
