"""The ListenBrainz client's token check against recorded ListenBrainz answers, and the
server addresses it accepts."""

import functools

import httpx
import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.listenbrainz import BaseUrlRefused, ListenBrainzClient, normalise_base_url
from tests.providers.conftest import recorded

BASE = "https://api.listenbrainz.org"
TOKEN = "8f2c1e0d-3b4a-4c5d-9e6f-7a8b9c0d1e2f"

answer = functools.partial(recorded, "listenbrainz")


def validate(upstream):
    return upstream.get(f"{BASE}/1/validate-token")


async def test_a_valid_token_names_its_user(upstream):
    checked = validate(upstream).mock(return_value=answer("validate_token_valid.json"))

    check = await ListenBrainzClient(BASE).validate_token(TOKEN)

    assert (check.valid, check.user_name) == (True, "iliekcomputers")
    request = checked.calls.last.request
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    # In a header only: a URL ends up in logs.
    assert TOKEN not in str(request.url)


@pytest.mark.parametrize(
    ("name", "status"),
    [("validate_token_invalid.json", 200), ("error_401.json", 401)],
)
async def test_an_unknown_token_is_not_valid(upstream, name, status):
    validate(upstream).mock(return_value=answer(name, status))

    check = await ListenBrainzClient(BASE).validate_token(TOKEN)

    assert not check.valid


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (httpx.Response(404, text="<html>Not Found</html>"), ErrorKind.NOT_FOUND),
        (httpx.Response(200, text="<html>a blog</html>"), ErrorKind.MALFORMED),
        (httpx.Response(200, json={"code": 200}), ErrorKind.MALFORMED),
        (httpx.Response(503, text="maintenance"), ErrorKind.UNAVAILABLE),
        (httpx.ConnectError("refused"), ErrorKind.UNAVAILABLE),
        (httpx.ReadTimeout("slow"), ErrorKind.TIMEOUT),
    ],
)
async def test_a_server_that_is_not_listenbrainz_or_down_is_an_error(upstream, response, kind):
    route = validate(upstream)
    if isinstance(response, Exception):
        route.mock(side_effect=response)
    else:
        route.mock(return_value=response)

    with pytest.raises(ProviderError) as raised:
        await ListenBrainzClient(BASE).validate_token(TOKEN)

    assert raised.value.kind is kind


async def test_a_loopback_server_is_refused_unless_the_operator_allows_it(
    settings, loopback_server
):
    base = f"http://127.0.0.1:{loopback_server.server_address[1]}"
    settings.SCROBBLING_PRIVATE_ADDRESSES = False

    with pytest.raises(ProviderError) as raised:
        await ListenBrainzClient(base).validate_token(TOKEN)
    assert raised.value.kind is ErrorKind.UNAVAILABLE
    assert loopback_server.paths == []  # refused before connecting

    settings.SCROBBLING_PRIVATE_ADDRESSES = True
    check = await ListenBrainzClient(base).validate_token(TOKEN)
    assert (check.valid, check.user_name) == (True, "me")
    assert loopback_server.paths == ["/1/validate-token"]


async def test_the_operators_own_server_is_trusted_wherever_it_is(settings, loopback_server):
    base = f"http://127.0.0.1:{loopback_server.server_address[1]}"
    settings.SCROBBLING_PRIVATE_ADDRESSES = False

    check = await ListenBrainzClient(base, trusted=True).validate_token(TOKEN)

    assert check.valid


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("https://api.listenbrainz.org", "https://api.listenbrainz.org"),
        ("https://api.listenbrainz.org/", "https://api.listenbrainz.org"),
        ("https://API.ListenBrainz.org/1/", "https://api.listenbrainz.org"),
        (
            "http://maloja.home:42010/apis/listenbrainz",
            "http://maloja.home:42010/apis/listenbrainz",
        ),
        ("  https://lb.example.org/1  ", "https://lb.example.org"),
    ],
)
def test_server_addresses_are_read_as_the_api_root(raw, normalised):
    assert normalise_base_url(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "api.listenbrainz.org",
        "ftp://lb.example.org",
        "https://user:pass@lb.example.org",
        "https://lb.example.org/?next=x",
        "https://lb.example.org/#x",
        "https://lb.example.org:99999",
        "https://" + "a" * 260 + ".org",
    ],
)
def test_what_is_not_a_server_address_is_refused(raw):
    with pytest.raises(BaseUrlRefused):
        normalise_base_url(raw)
