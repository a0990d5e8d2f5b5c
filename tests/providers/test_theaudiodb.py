"""The TheAudioDB client against recorded TheAudioDB answers, through the real Transport."""

import functools

import httpx
import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.theaudiodb import TheAudioDbClient
from tests.providers.conftest import recorded

KEY = "recorded-audiodb-key"
BASE = "https://www.theaudiodb.com/api/v1/json"
BY_MBID = f"{BASE}/{KEY}/artist-mb.php"
BY_NAME = f"{BASE}/{KEY}/search.php"
COLDPLAY_MBID = "cc197bad-dc9c-440d-a5b5-d52ba2e14234"


answer = functools.partial(recorded, "theaudiodb")


@pytest.fixture
def audiodb(enable_services) -> TheAudioDbClient:
    enable_services("theaudiodb", api_key=KEY)
    return TheAudioDbClient()


async def test_the_photo_is_found_by_mbid_without_a_name_search(audiodb, upstream):
    by_mbid = upstream.get(BY_MBID, params={"i": COLDPLAY_MBID}).mock(
        return_value=answer("artist_mb_coldplay.json")
    )
    by_name = upstream.get(BY_NAME).mock(return_value=answer("search_none.json"))

    photo = await audiodb.artist_photo("Coldplay", mbid=COLDPLAY_MBID.upper())

    assert by_mbid.called
    assert not by_name.called
    assert photo.artist == "Coldplay"
    assert photo.source == "theaudiodb"
    assert photo.mbid == COLDPLAY_MBID
    assert photo.image_url == (
        "https://r2.theaudiodb.com/images/media/artist/thumb/uxrqxy1347913147.jpg"
    )
    assert photo.thumbnail_url == f"{photo.image_url}/preview"
    assert photo.banner_url == (
        "https://r2.theaudiodb.com/images/media/artist/banner/xvxwyp1364225306.jpg"
    )


async def test_fan_art_stands_in_for_a_missing_portrait(audiodb, upstream):
    upstream.get(BY_MBID).mock(return_value=answer("artist_mb_fanart_only.json"))

    photo = await audiodb.artist_photo("Khruangbin", mbid="2a0a5a6b-2f2b-4b2e-9d5b-6b44e7a4f0f5")

    # Served over http in the row; asked for over https.
    assert photo.image_url == (
        "https://www.theaudiodb.com/images/media/artist/fanart/khruangbin-5f1b2c3d.jpg"
    )
    assert photo.thumbnail_url == ""
    assert photo.banner_url == ""


async def test_an_unknown_mbid_falls_back_to_the_name(audiodb, upstream):
    upstream.get(BY_MBID).mock(return_value=answer("artist_mb_none.json"))
    by_name = upstream.get(BY_NAME, params={"s": "Queen"}).mock(
        return_value=answer("search_queen.json")
    )

    photo = await audiodb.artist_photo("Queen", mbid="0383dadf-2a4e-4d10-a46a-e9e041da8eb3")

    assert by_name.called
    assert (photo.artist, photo.mbid) == ("Queen", "0383dadf-2a4e-4d10-a46a-e9e041da8eb3")
    assert photo.image_url.endswith("/thumb/wrqxqt1347807466.jpg")


async def test_an_invalid_mbid_is_not_sent(audiodb, upstream):
    by_mbid = upstream.get(BY_MBID).mock(return_value=answer("artist_mb_coldplay.json"))
    upstream.get(BY_NAME, params={"s": "Queen"}).mock(return_value=answer("search_queen.json"))

    photo = await audiodb.artist_photo("Queen", mbid="not-an-mbid")

    assert not by_mbid.called
    assert photo.artist == "Queen"


async def test_a_name_search_takes_the_artist_of_that_name_only(audiodb, upstream):
    # The search lists "Kino (UK band)" (no photo) before the Soviet band "Кино".
    upstream.get(BY_NAME, params={"s": "Кино"}).mock(return_value=answer("search_kino.json"))
    upstream.get(BY_NAME, params={"s": "Kino"}).mock(return_value=answer("search_kino.json"))

    kino = await audiodb.artist_photo("Кино")

    assert kino.artist == "Кино"
    assert kino.image_url.endswith("/thumb/kino-58a2c1e9a1b7d.jpg")
    # "Kino" the English band is listed, but has no photo: nothing rather than a namesake's.
    assert await audiodb.artist_photo("Kino") is None


async def test_nothing_found_is_none(audiodb, upstream):
    upstream.get(BY_NAME).mock(return_value=answer("search_none.json"))

    assert await audiodb.artist_photo("Nobody In Particular") is None
    assert await audiodb.artist_photo("   ") is None


async def test_a_wrong_key_is_an_invalid_key(audiodb, upstream):
    upstream.get(BY_NAME).mock(return_value=answer("invalid_key.html", status=404))

    with pytest.raises(ProviderError) as refused:
        await audiodb.artist_photo("Queen")

    assert refused.value.kind == ErrorKind.INVALID_KEY


async def test_the_key_is_a_path_segment_escaped(settings, upstream):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "theaudiodb": {"enabled": True, "api_key": "a/b?c", "base_url": BASE},
    }
    escaped = upstream.get(f"{BASE}/a%2Fb%3Fc/search.php").mock(
        return_value=answer("search_none.json")
    )

    assert await TheAudioDbClient().artist_photo("Queen") is None
    assert escaped.called


@pytest.mark.parametrize(
    "body",
    [b"", b"<html></html>", b"[]", b'{"artist": []}', b'{"artists": [', b"null"],
)
async def test_unreadable_payloads_are_malformed(audiodb, upstream, body):
    upstream.get(BY_NAME).mock(return_value=httpx.Response(200, content=body))

    with pytest.raises(ProviderError) as unreadable:
        await audiodb.artist_photo("Queen")

    assert unreadable.value.kind == ErrorKind.MALFORMED


@pytest.mark.parametrize(
    "artists",
    [
        '"none"',
        "[null, 1, []]",
        '[{"strArtist": "Queen", "strArtistThumb": null, "strArtistFanart": ""}]',
        '[{"strArtist": null, "strArtistThumb": "https://r2.theaudiodb.com/x.jpg"}]',
        '[{"strArtist": "Queen", "strArtistThumb": "ftp://r2.theaudiodb.com/x.jpg"}]',
    ],
)
async def test_artists_without_a_usable_photo_are_skipped(audiodb, upstream, artists):
    upstream.get(BY_NAME).mock(
        return_value=httpx.Response(200, content=f'{{"artists": {artists}}}'.encode())
    )

    assert await audiodb.artist_photo("Queen") is None


@pytest.mark.parametrize(("enabled", "key"), [(False, KEY), (True, "")])
async def test_switched_off_or_keyless_makes_no_request(settings, upstream, enabled, key):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "theaudiodb": {"enabled": enabled, "api_key": key, "base_url": BASE},
    }
    anything = upstream.route().mock(return_value=answer("search_queen.json"))

    with pytest.raises(ProviderError) as off:
        await TheAudioDbClient().artist_photo("Queen", mbid=COLDPLAY_MBID)

    assert off.value.kind == ErrorKind.DISABLED
    assert not anything.called
