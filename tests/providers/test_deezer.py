"""The Deezer search client against recorded Deezer answers, through the real Transport."""

import functools

import httpx
import pytest

from rubysound.providers.deezer import DeezerClient, advanced_query
from rubysound.providers.errors import ErrorKind, ProviderError
from tests.providers.conftest import recorded

SEARCH = "https://api.deezer.com/search"


# Deezer answers every error with HTTP 200 too.
answer = functools.partial(recorded, "deezer")


@pytest.fixture
def deezer(enable_services) -> DeezerClient:
    enable_services("deezer")
    return DeezerClient()


def route(upstream, artist: str, title: str, name: str):
    query = f'artist:"{artist}" track:"{title}"'
    return upstream.get(SEARCH, params={"q": query}).mock(return_value=answer(name))


async def test_a_fielded_search_finds_the_track_with_cover_and_preview(deezer, upstream):
    searched = route(upstream, "The Beatles", "Let It Be", "search_the_beatles_let_it_be.json")

    track = await deezer.search_track("The Beatles", "Let It Be")

    assert dict(searched.calls.last.request.url.params) == {
        "q": 'artist:"The Beatles" track:"Let It Be"',
        "limit": "10",
    }
    # The 2009 remaster is the song asked for; the 2021 mix is another recording.
    assert (track.artist, track.name, track.album) == (
        "The Beatles",
        "Let It Be (Remastered 2009)",
        "Let It Be (Remastered)",
    )
    assert track.source == "deezer"
    assert track.duration == 243.0
    assert track.provider_id == "116348452"
    assert track.url == "https://www.deezer.com/track/116348452"
    assert track.image_url == (
        "https://cdn-images.dzcdn.net/images/cover/b1a2c3d4e5f60718293a4b5c6d7e8f90/"
        "1000x1000-000000-80-0-0.jpg"
    )
    assert track.preview_url.startswith(
        "https://cdnt-preview.dzcdn.net/api/1/1/8/4/a/0/84ad2e3b1e4c0b4d7c3f0c4e3b2a7c21.mp3?"
    )


async def test_a_version_tag_is_left_out_of_the_query(deezer, upstream):
    route(upstream, "The Beatles", "Let It Be", "search_the_beatles_let_it_be.json")

    track = await deezer.search_track("The Beatles", "Let It Be - Remastered 2009")

    assert track.provider_id == "116348452"


async def test_cyrillic_names_and_broken_items_in_the_list(deezer, upstream):
    # \u-escaped Cyrillic, escaped slashes, an item without an artist, a string for an item.
    route(upstream, "Кино", "Группа крови", "search_kino_gruppa_krovi.json")

    track = await deezer.search_track("Кино", "Группа крови")

    assert (track.artist, track.name, track.album) == ("Кино", "Группа крови", "Группа крови")
    assert track.url == "https://www.deezer.com/track/68482634"


async def test_no_results_and_no_match_are_none(deezer, upstream):
    route(upstream, "Nobody", "Nothing", "search_empty.json")
    route(upstream, "The Beatles", "Yesterday", "search_the_beatles_let_it_be.json")

    assert await deezer.search_track("Nobody", "Nothing") is None
    assert await deezer.search_track("The Beatles", "Yesterday") is None


async def test_no_data_error_is_none(deezer, upstream):
    route(upstream, "Nobody", "Nothing", "error_no_data.json")

    assert await deezer.search_track("Nobody", "Nothing") is None


@pytest.mark.parametrize(
    ("recorded", "kind", "message"),
    [
        ("error_quota.json", ErrorKind.RATE_LIMITED, "Quota limit exceeded"),
        ("error_invalid_query.json", ErrorKind.BAD_REQUEST, "Invalid query"),
        ("error_service_busy.json", ErrorKind.UNAVAILABLE, "Service busy"),
    ],
)
async def test_error_payloads_sent_with_http_200_are_mapped(
    deezer, upstream, recorded, kind, message
):
    route(upstream, "U2", "One", recorded)

    with pytest.raises(ProviderError) as failed:
        await deezer.search_track("U2", "One")

    assert (failed.value.kind, failed.value.message) == (kind, message)


async def test_an_unknown_error_code_is_unavailable(deezer, upstream):
    upstream.get(SEARCH).mock(
        return_value=httpx.Response(200, json={"error": {"type": "Exception", "code": "9999"}})
    )

    with pytest.raises(ProviderError) as failed:
        await deezer.search_track("U2", "One")

    assert (failed.value.kind, failed.value.message) == (ErrorKind.UNAVAILABLE, "Exception")


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>Bad gateway</html>", b"[]", b'{"total": 0}', b'{"data": [}', b"null"],
)
async def test_unreadable_payloads_are_malformed(deezer, upstream, body):
    upstream.get(SEARCH).mock(return_value=httpx.Response(200, content=body))

    with pytest.raises(ProviderError) as unreadable:
        await deezer.search_track("U2", "One")

    assert unreadable.value.kind == ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "data",
    [
        "null",
        '{"title": "One"}',
        '[1, "x", null, {"title": "One", "artist": "U2"}]',
        '[{"title": "One", "artist": {"name": null}, "album": []}]',
        '[{"type": "album", "title": "One", "artist": {"name": "U2"}}]',
    ],
)
async def test_items_of_the_wrong_shape_are_skipped(deezer, upstream, data):
    upstream.get(SEARCH).mock(
        return_value=httpx.Response(200, content=f'{{"data": {data}}}'.encode())
    )

    assert await deezer.search_track("U2", "One") is None


async def test_odd_field_types_are_read_not_raised(deezer, upstream):
    body = (
        b'{"data": [{"id": "1", "title": "One", "duration": "276", "preview": "",'
        b' "link": null, "artist": {"name": "U2"}, "album": {"title": 7, "cover_xl": null,'
        b' "cover_big": "http:\\/\\/cdn-images.dzcdn.net\\/images\\/cover\\/x\\/500x500.jpg"}}]}'
    )
    upstream.get(SEARCH).mock(return_value=httpx.Response(200, content=body))

    track = await deezer.search_track("U2", "One")

    assert (track.provider_id, track.duration, track.album) == ("1", 276.0, "7")
    assert track.image_url == "https://cdn-images.dzcdn.net/images/cover/x/500x500.jpg"
    assert track.preview_url == ""
    assert track.url == ""


async def test_a_disabled_service_makes_no_request(enable_services, upstream):
    enable_services()
    anything = upstream.route().mock(return_value=httpx.Response(200, json={"data": []}))

    with pytest.raises(ProviderError) as off:
        await DeezerClient().search_track("U2", "One")

    assert off.value.kind == ErrorKind.DISABLED
    assert not anything.called


def test_quotes_in_names_cannot_break_the_fielded_query():
    assert advanced_query("Guns N' Roses", 'Sweet Child "O" Mine') == (
        'artist:"Guns N\' Roses" track:"Sweet Child O Mine"'
    )
