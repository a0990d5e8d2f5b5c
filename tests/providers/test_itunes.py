"""The iTunes Search client against recorded iTunes answers, through the real Transport."""

import functools

import httpx
import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.itunes import ItunesClient, larger_artwork
from tests.providers.conftest import recorded

SEARCH = "https://itunes.apple.com/search"
# What Apple serves its JSON as.
APPLE_CONTENT_TYPE = "text/javascript; charset=utf-8"


answer = functools.partial(recorded, "itunes", content_type=APPLE_CONTENT_TYPE)


@pytest.fixture
def itunes(enable_services) -> ItunesClient:
    enable_services("itunes")
    return ItunesClient()


def route(upstream, term: str, name: str, status: int = 200):
    return upstream.get(SEARCH, params={"term": term}).mock(return_value=answer(name, status))


async def test_artist_and_title_are_searched_together_and_the_studio_song_is_picked(
    itunes, upstream
):
    searched = route(upstream, "U2 With or Without You", "search_u2_with_or_without_you.json")

    track = await itunes.search_track("U2", "With or Without You")

    assert dict(searched.calls.last.request.url.params) == {
        "term": "U2 With or Without You",
        "media": "music",
        "entity": "song",
        "limit": "10",
    }
    # Not the karaoke cover listed first, not the live take, not "Without You".
    assert (track.artist, track.name, track.album) == (
        "U2",
        "With or Without You",
        "The Joshua Tree",
    )
    assert track.source == "itunes"
    assert track.duration == 296.693
    assert track.provider_id == "1443156180"
    assert track.url.startswith("https://music.apple.com/us/album/the-joshua-tree/1443155637")
    assert track.preview_url == (
        "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview115/v4/6d/4a/bb/"
        "6d4abb69-0c47-a4cf-5ce2-6b16c0f8a3d1/mzaf_7652286425471583626.plus.aac.p.m4a"
    )
    assert track.image_url == (
        "https://is1-ssl.mzstatic.com/image/thumb/Music115/v4/e7/0a/16/"
        "e70a16c3-a5f0-e3a1-0c8d-0a7b3b7c4f8d/17UMGIM98210.rgb.jpg/600x600bb.jpg"
    )


async def test_a_remaster_tag_is_left_out_of_the_term_and_of_the_match(itunes, upstream):
    route(upstream, "U2 With or Without You", "search_u2_with_or_without_you.json")

    track = await itunes.search_track("U2", "With or Without You (Remastered 2007)")

    # The remaster and the original are one recording: the first of them in Apple's order.
    assert track.album == "The Joshua Tree"


async def test_without_you_is_not_with_or_without_you(itunes, upstream):
    route(upstream, "Mariah Carey Without You", "search_u2_with_or_without_you.json")

    track = await itunes.search_track("Mariah Carey", "Without You")

    assert (track.artist, track.name) == ("Mariah Carey", "Without You")


async def test_live_and_let_die_by_the_lead_artist_and_not_the_live_take(itunes, upstream):
    route(
        upstream, "Paul McCartney Live and Let Die", "search_paul_mccartney_live_and_let_die.json"
    )

    track = await itunes.search_track("Paul McCartney", "Live and Let Die")

    assert (track.artist, track.name, track.album) == (
        "Paul McCartney & Wings",
        "Live and Let Die",
        "Wings Greatest",
    )


async def test_among_equal_matches_the_one_with_a_preview_wins(itunes, upstream):
    route(upstream, "Oasis Live Forever", "search_oasis_live_forever.json")

    track = await itunes.search_track("Oasis", "Live Forever")

    # "Live Forever (Remastered)" comes first but has no preview; the live take is another
    # recording.
    assert (track.name, track.album) == ("Live Forever", "Definitely Maybe")
    assert track.preview_url.endswith(".m4a")


async def test_accents_and_featured_artists_do_not_stop_a_match(itunes, upstream):
    route(upstream, "Beyonce Crazy in Love", "search_beyonce_crazy_in_love.json")

    track = await itunes.search_track("Beyonce", "Crazy in Love")

    assert (track.artist, track.name) == ("Beyoncé", "Crazy In Love (feat. Jay-Z)")


async def test_no_results_and_no_match_are_none(itunes, upstream):
    route(upstream, "Nobody Nothing", "search_empty.json")
    route(upstream, "Cher Believe", "search_u2_with_or_without_you.json")

    assert await itunes.search_track("Nobody", "Nothing") is None
    assert await itunes.search_track("Cher", "Believe") is None


async def test_refused_parameters_are_a_bad_request(itunes, upstream):
    route(upstream, "U2 One", "error_invalid_parameter.json", status=400)

    with pytest.raises(ProviderError) as refused:
        await itunes.search_track("U2", "One")

    assert refused.value.kind == ErrorKind.BAD_REQUEST
    assert refused.value.message == "Invalid value(s) for key(s): [mediaType]"


async def test_apples_throttling_403_is_rate_limiting(itunes, upstream):
    upstream.get(SEARCH).mock(return_value=httpx.Response(403, text=""))

    with pytest.raises(ProviderError) as throttled:
        await itunes.search_track("U2", "One")

    assert throttled.value.kind == ErrorKind.RATE_LIMITED


async def test_a_server_error_is_unavailable(itunes, upstream, settings):
    settings.PROVIDERS_RETRY_ATTEMPTS = 1
    upstream.get(SEARCH).mock(return_value=httpx.Response(502, text="<html>Bad Gateway</html>"))

    with pytest.raises(ProviderError) as down:
        await itunes.search_track("U2", "One")

    assert down.value.kind == ErrorKind.UNAVAILABLE


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Service Unavailable</body></html>",
        b"[]",
        b'{"resultCount": 1}',
        b'"results"',
        b'{"resultCount": 1, "results": [',
    ],
)
async def test_unreadable_payloads_are_malformed(itunes, upstream, body):
    upstream.get(SEARCH).mock(return_value=httpx.Response(200, content=body))

    with pytest.raises(ProviderError) as unreadable:
        await itunes.search_track("U2", "One")

    assert unreadable.value.kind == ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "results",
    [
        "null",
        '"nope"',
        '[null, 1, "x", [], {}]',
        '[{"trackName": null, "artistName": "U2"}]',
        '[{"trackName": ["One"], "artistName": {"name": "U2"}}]',
        '{"trackName": "One", "artistName": "U2", "wrapperType": "collection"}',
    ],
)
async def test_results_of_the_wrong_shape_are_skipped(itunes, upstream, results):
    body = f'{{"resultCount": 1, "results": {results}}}'.encode()
    upstream.get(SEARCH).mock(return_value=httpx.Response(200, content=body))

    assert await itunes.search_track("U2", "One") is None


async def test_odd_field_types_are_read_not_raised(itunes, upstream):
    body = (
        b'{"resultCount": "1", "results": {"wrapperType": "track", "kind": "song",'
        b' "trackName": "One &amp; Only", "artistName": "U2", "trackId": "123",'
        b' "trackTimeMillis": "276000", "previewUrl": "http://audio.itunes.apple.com/a.m4a",'
        b' "artworkUrl100": null, "trackViewUrl": 42}}'
    )
    upstream.get(SEARCH).mock(return_value=httpx.Response(200, content=body))

    track = await itunes.search_track("U2", "One & Only")

    assert track.name == "One & Only"
    assert track.provider_id == "123"
    assert track.duration == 276.0
    assert track.preview_url == "https://audio.itunes.apple.com/a.m4a"  # https for the proxy
    assert track.image_url == ""
    assert track.url == ""


async def test_a_disabled_service_makes_no_request(enable_services, upstream):
    enable_services()
    anything = upstream.route().mock(return_value=httpx.Response(200, json={"results": []}))

    with pytest.raises(ProviderError) as off:
        await ItunesClient().search_track("U2", "One")

    assert off.value.kind == ErrorKind.DISABLED
    assert not anything.called


def test_artwork_is_asked_for_at_600_pixels():
    base = "https://is1-ssl.mzstatic.com/image/thumb/Music/v4/aa/bb/cc/x.jpg"
    assert larger_artwork(f"{base}/100x100bb.jpg") == f"{base}/600x600bb.jpg"
    assert larger_artwork(f"{base}/60x60bb.png") == f"{base}/600x600bb.png"
    # Not Apple's sized form: left as it is.
    assert larger_artwork("https://example.org/cover.jpg") == "https://example.org/cover.jpg"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (
            '{"results": [{"trackName": "Jóga", "artistName": "Björk"}]}'.encode("latin-1"),
            "text/javascript; charset=ISO-8859-1",
        ),
        (
            '\ufeff{"results": [{"trackName": "Jóga", "artistName": "Björk"}]}'.encode(),
            "text/javascript",
        ),
    ],
)
async def test_a_declared_charset_and_a_byte_order_mark_are_honoured(
    itunes, upstream, content, content_type
):
    upstream.get(SEARCH).mock(
        return_value=httpx.Response(200, content=content, headers={"content-type": content_type})
    )

    track = await itunes.search_track("Bjork", "Joga")

    assert (track.artist, track.name) == ("Björk", "Jóga")
