"""Apple's most-played chart client against recorded feeds, through the real Transport."""

import functools

import httpx
import pytest

from rubysound.providers.apple import AppleChartsClient, artwork_url, feed_size
from rubysound.providers.errors import ErrorKind, ProviderError
from tests.providers.conftest import recorded

BASE = "https://rss.marketingtools.apple.com/api/v2"


def feed_url(country: str, size: int) -> str:
    return f"{BASE}/{country}/music/most-played/{size}/songs.json"


answer = functools.partial(recorded, "apple")


@pytest.fixture
def apple(enable_services) -> AppleChartsClient:
    enable_services("apple")
    return AppleChartsClient()


async def test_the_chart_reads_as_ranked_tracks(apple, upstream):
    upstream.get(feed_url("us", 10)).mock(return_value=answer("most_played_us_10.json"))

    songs = await apple.most_played_songs("us", 10)

    assert [s.rank for s in songs] == list(range(1, 11))
    first = songs[0]
    assert (first.name, first.artist, first.source) == ("Manchild", "Sabrina Carpenter", "apple")
    assert first.provider_id == "1780000001"
    assert first.url == "https://music.apple.com/us/album/manchild/1779999001?i=1780000001"
    assert first.release_date == "2025-06-05"
    # "Music" is on every song: only the real genre is kept.
    assert first.tags == ("Pop",)
    # A bigger cover than the feed's 100 px, from the same image template.
    assert first.image_url.endswith("/24UMGIM00001.rgb.jpg/600x600bb.jpg")
    assert first.image_url.startswith("https://is1-ssl.mzstatic.com/image/thumb/")
    # Entities decoded; a plain "&" left alone.
    assert songs[2].name == "I'm the Problem"
    assert songs[3].artist == "Kendrick Lamar & SZA"
    assert songs[4].name == "TEXAS HOLD 'EM"
    assert songs[4].artist == "Beyoncé"
    assert songs[5].artist == "Lady Gaga & Bruno Mars"


async def test_a_count_between_feed_sizes_fetches_the_next_size_and_cuts(apple, upstream):
    fetched = upstream.get(feed_url("us", 10)).mock(return_value=answer("most_played_us_10.json"))

    songs = await apple.most_played_songs("us", 7)

    assert fetched.call_count == 1
    assert [s.rank for s in songs] == [1, 2, 3, 4, 5, 6, 7]
    assert songs[-1].name == "BIRDS OF A FEATHER"


async def test_unreadable_entries_leave_a_gap_in_the_ranks(apple, upstream):
    fetched = upstream.get(feed_url("gb", 25)).mock(return_value=answer("most_played_gb_25.json"))

    songs = await apple.most_played_songs("GB ", 22, artwork_size=300)

    assert fetched.called
    ranks = [s.rank for s in songs]
    # #14 has no artist and #21 is not an object: the top 22 is the other 20, in place.
    assert ranks == [r for r in range(1, 23) if r not in (14, 21)]
    by_rank = {s.rank: s for s in songs}
    assert by_rank[15].name == "Sapphire"
    assert by_rank[22].name == "Too Sweet"
    # No artwork, and a release date that is not one.
    assert by_rank[12].image_url == ""
    assert by_rank[12].release_date == ""
    assert by_rank[18].tags == ("R&B/Soul",)
    assert by_rank[1].image_url.endswith("/300x300bb.jpg")


@pytest.mark.parametrize(
    ("count", "size"), [(1, 10), (10, 10), (11, 25), (25, 25), (26, 50), (50, 50), (51, 100)]
)
def test_feed_sizes(count, size):
    assert feed_size(count) == size


def test_only_templated_artwork_addresses_are_rewritten():
    templated = "https://is1-ssl.mzstatic.com/image/thumb/Music/v4/x/y.jpg/100x100bb.jpg"
    plain = "https://is1-ssl.mzstatic.com/image/thumb/Music/v4/x/cover.jpg"

    assert artwork_url(templated, 1000).endswith("/y.jpg/1000x1000bb.jpg")
    assert artwork_url(plain, 1000) == plain


async def test_a_country_without_a_chart_is_not_found(apple, upstream):
    upstream.get(feed_url("zz", 50)).mock(return_value=answer("not_found.html", 404))

    with pytest.raises(ProviderError) as caught:
        await apple.most_played_songs("zz", 50)

    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert caught.value.status == 404


async def test_an_empty_chart(apple, upstream):
    upstream.get(feed_url("va", 10)).mock(return_value=answer("most_played_empty.json"))

    assert await apple.most_played_songs("va", 10) == []


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("not_found.html", 200),
        ("truncated.json", 200),
        ("wrong_types.json", 200),
    ],
)
async def test_unreadable_feeds_are_malformed(apple, upstream, name, status):
    upstream.get(feed_url("us", 50)).mock(return_value=answer(name, status))

    with pytest.raises(ProviderError) as caught:
        await apple.most_played_songs("us", 50)

    assert caught.value.kind is ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"null",
        b'{"feed": []}',
        b'{"feed": {"results": "x"}}',
        b'{"feed": {"results": 5}}',
        b'{"feed": {"results": [null, 1, [], {"name": 5, "artistName": "A"},'
        b' {"name": "N", "artistName": "A", "artworkUrl100": 7, "genres": "Pop",'
        b' "releaseDate": 20250101, "url": "javascript:alert(1)", "id": {"x": 1}},'
        b' {"name": "M", "artistName": "B",'
        b' "genres": [null, {"name": null}, {"genreId": "14"}, {"name": "Pop"}],'
        b' "artworkUrl100": "http://is1.mzstatic.com/a/100x100bb.jpg"}]}}',
    ],
)
async def test_garbage_never_escapes_as_anything_but_a_provider_error(apple, upstream, body):
    upstream.get(feed_url("us", 10)).mock(return_value=httpx.Response(200, content=body))

    try:
        songs = await apple.most_played_songs("us", 10)
    except ProviderError as exc:
        failure = exc
    else:
        failure = None
    if failure is not None:
        assert failure.kind is ErrorKind.MALFORMED
    else:
        # A numeric title is still a title ("22" is a song); the others take their places.
        assert [(s.rank, s.name, s.artist) for s in songs] == [
            (4, "5", "A"),
            (5, "N", "A"),
            (6, "M", "B"),
        ]
        odd, plain = songs[1], songs[2]
        assert (odd.url, odd.image_url, odd.tags, odd.provider_id) == ("", "", (), "")
        assert odd.release_date == ""
        assert plain.tags == ("Pop",)
        assert plain.image_url == ""  # not https


async def test_other_client_errors_are_bad_requests(apple, upstream):
    upstream.get(feed_url("us", 50)).mock(return_value=httpx.Response(403, content=b"denied"))

    with pytest.raises(ProviderError) as caught:
        await apple.most_played_songs("us", 50)

    assert caught.value.kind is ErrorKind.BAD_REQUEST


async def test_a_server_error_is_unavailable(apple, upstream):
    upstream.get(feed_url("us", 50)).mock(return_value=httpx.Response(503))

    with pytest.raises(ProviderError) as caught:
        await apple.most_played_songs("us", 50)

    assert caught.value.kind is ErrorKind.UNAVAILABLE


@pytest.mark.parametrize(
    ("country", "count", "artwork_size"),
    [
        ("usa", 10, 600),
        ("u1", 10, 600),
        ("", 10, 600),
        (None, 10, 600),
        ("../", 10, 600),
        ("us", 0, 600),
        ("us", 101, 600),
        ("us", "50", 600),
        ("us", True, 600),
        ("us", 10, 0),
        ("us", 10, 5000),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    apple, upstream, country, count, artwork_size
):
    with pytest.raises(ProviderError) as caught:
        await apple.most_played_songs(country, count, artwork_size=artwork_size)

    assert caught.value.kind is ErrorKind.BAD_REQUEST
    assert upstream.calls.call_count == 0


async def test_a_disabled_chart_never_asks(enable_services, upstream):
    enable_services()

    with pytest.raises(ProviderError) as caught:
        await AppleChartsClient().most_played_songs("us", 10)

    assert caught.value.kind is ErrorKind.DISABLED
    assert upstream.calls.call_count == 0


async def test_a_base_url_setting_moves_the_feed(settings, upstream):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "apple": {"enabled": True, "api_key": "", "base_url": "https://mirror.example/v2/"},
    }
    fetched = upstream.get("https://mirror.example/v2/us/music/most-played/10/songs.json").mock(
        return_value=answer("most_played_us_10.json")
    )

    songs = await AppleChartsClient().most_played_songs("us", 3)

    assert fetched.called
    assert len(songs) == 3
