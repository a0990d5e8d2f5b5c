"""Last.fm's web authentication (auth.getToken, the approval page, auth.getSession) against
recorded Last.fm answers, through the real Transport."""

import functools
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.lastfm import LastFmApiError, LastFmClient, signature
from tests.providers.conftest import recorded

ENDPOINT = "https://ws.audioscrobbler.com/2.0/"
KEY = "recorded-lastfm-key"
SECRET = "recorded-lastfm-secret"
TOKEN = "0b5c6f3e9d2a4b7c8e1f0a3d5c7b9e2f"

answer = functools.partial(recorded, "lastfm")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - Last.fm's signature scheme


@pytest.fixture
def lastfm(enable_services, settings) -> LastFmClient:
    enable_services("lastfm", api_key=KEY)
    settings.PROVIDERS["lastfm"]["api_secret"] = SECRET
    return LastFmClient()


def route(upstream, method: str, name: str, status: int = 200):
    return upstream.get(ENDPOINT, params={"method": method}).mock(return_value=answer(name, status))


def test_the_signature_is_md5_of_the_sorted_parameters_then_the_secret():
    params = {"token": TOKEN, "method": "auth.getSession", "api_key": KEY, "format": "json"}

    expected = md5_hex(f"api_key{KEY}methodauth.getSessiontoken{TOKEN}{SECRET}")
    # "format" is not signed: Last.fm refuses a signature that includes it (error 13).
    assert signature(params, SECRET) == expected


async def test_a_token_is_asked_for_with_a_signed_call(lastfm, upstream):
    asked = route(upstream, "auth.getToken", "auth_get_token.json")

    assert await lastfm.auth_token() == TOKEN

    sent = dict(asked.calls.last.request.url.params)
    assert sent["api_key"] == KEY
    assert sent["format"] == "json"
    assert sent["api_sig"] == md5_hex(f"api_key{KEY}methodauth.getToken{SECRET}")
    assert SECRET not in str(asked.calls.last.request.url)


def test_the_approval_page_names_our_key_the_token_and_where_to_come_back(lastfm, settings):
    settings.LASTFM_AUTH_URL = "https://www.last.fm/api/auth/"

    url = lastfm.authorization_url(TOKEN, "https://music.example.org/settings/cb/")

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.last.fm", "/api/auth/")
    assert parse_qs(parts.query) == {
        "api_key": [KEY],
        "token": [TOKEN],
        "cb": ["https://music.example.org/settings/cb/"],
    }


async def test_an_approved_token_gives_the_users_name_and_session_key(lastfm, upstream):
    traded = route(upstream, "auth.getSession", "auth_get_session.json")

    session = await lastfm.session(TOKEN)

    assert (session.account_name, session.key) == ("RJ", "d580d57f32848f5dcf574d1ce18d78b2")
    assert "d580d57f" not in repr(session)
    sent = dict(traded.calls.last.request.url.params)
    assert sent["token"] == TOKEN
    assert sent["api_sig"] == md5_hex(f"api_key{KEY}methodauth.getSessiontoken{TOKEN}{SECRET}")


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [("error_14.json", 403, 14), ("error_14.json", 200, 14), ("error_4.json", 403, 4)],
)
async def test_a_token_not_approved_is_an_error_with_lastfms_code(
    lastfm, upstream, name, status, code
):
    traded = route(upstream, "auth.getSession", name, status)

    with pytest.raises(LastFmApiError) as raised:
        await lastfm.session(TOKEN)

    assert raised.value.code == code
    assert raised.value.kind is ErrorKind.INVALID_KEY
    # A token is used once: an unapproved one is not asked about again.
    assert traded.call_count == 1


async def test_a_refused_api_key_is_an_invalid_key_error(lastfm, upstream):
    route(upstream, "auth.getToken", "error_10.json", 403)

    with pytest.raises(LastFmApiError) as raised:
        await lastfm.auth_token()

    assert (raised.value.code, raised.value.kind) == (10, ErrorKind.INVALID_KEY)


async def test_without_the_secret_nothing_is_asked(enable_services, upstream):
    enable_services("lastfm", api_key=KEY)
    client = LastFmClient()

    assert not client.can_authenticate
    with pytest.raises(ProviderError) as raised:
        await client.auth_token()
    assert raised.value.kind is ErrorKind.DISABLED
    assert not upstream.calls
