"""Who the client is, as far as our trusted proxies vouch for it.

Throttles, login lockouts and logs all key on this address: a client that could choose it
by sending its own X-Forwarded-For would walk around every per-address limit.
"""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIClient

from rubysound.core.client_ip import client_ip, resolve_client_ip
from rubysound.core.middleware import ClientIPMiddleware
from tests.factories import DEFAULT_PASSWORD, UserFactory

PROXY = "10.0.0.1"
OUTER_PROXY = "10.0.0.9"
CLIENT = "203.0.113.7"


# --- resolve_client_ip ----------------------------------------------------------------


@pytest.mark.parametrize("forwarded_for", [None, "", f"198.51.100.1, {CLIENT}"])
def test_no_trusted_proxy_means_the_peer_is_the_client(forwarded_for):
    assert resolve_client_ip(PROXY, forwarded_for, 0) == PROXY


def test_one_trusted_proxy_believes_only_the_entry_it_appended():
    assert resolve_client_ip(PROXY, CLIENT, 1) == CLIENT


def test_entries_the_client_wrote_itself_are_ignored():
    # The client sent "X-Forwarded-For: 1.1.1.1, 8.8.8.8"; our proxy appended its address.
    spoofed = f"1.1.1.1, 8.8.8.8, {CLIENT}"
    assert resolve_client_ip(PROXY, spoofed, 1) == CLIENT


def test_two_trusted_proxies_take_the_second_entry_from_the_right():
    # The outer proxy appends the client, the inner one appends the outer proxy.
    forwarded = f"6.6.6.6, {CLIENT}, {OUTER_PROXY}"
    assert resolve_client_ip(PROXY, forwarded, 2) == CLIENT


def test_two_trusted_proxies_ignore_a_spoofed_chain():
    forwarded = f"{CLIENT}, 6.6.6.6, 7.7.7.7, 198.51.100.23, {OUTER_PROXY}"
    assert resolve_client_ip(PROXY, forwarded, 2) == "198.51.100.23"


def test_fewer_entries_than_proxies_uses_the_leftmost_one():
    assert resolve_client_ip(PROXY, CLIENT, 2) == CLIENT


def test_whitespace_and_empty_entries_are_tolerated():
    assert resolve_client_ip(PROXY, f" 6.6.6.6 ,, {CLIENT} , ", 1) == CLIENT


@pytest.mark.parametrize(
    "garbage",
    [
        "not-an-ip",
        "203.0.113.7:5555",
        "<script>",
        "999.1.1.1",
        "unknown",
        "2001:db8::zz",
    ],
)
def test_garbage_in_the_trusted_position_falls_back_to_the_peer(garbage):
    assert resolve_client_ip(PROXY, f"{CLIENT}, {garbage}", 1) == PROXY
    assert resolve_client_ip(PROXY, garbage, 1) == PROXY


@pytest.mark.parametrize("blank", [" ", " , ,", ","])
def test_a_header_of_only_separators_falls_back_to_the_peer(blank):
    assert resolve_client_ip(PROXY, blank, 1) == PROXY


def test_ipv6_addresses_are_normalised():
    assert resolve_client_ip(PROXY, "2001:DB8:0:0::1", 1) == "2001:db8::1"


# --- ClientIPMiddleware ---------------------------------------------------------------


def _seen_by_view(request) -> list[str]:
    seen: list[str] = []

    def view(req):
        seen.append(req.META["REMOTE_ADDR"])
        seen.append(client_ip(req))
        return HttpResponse("ok")

    ClientIPMiddleware(view)(request)
    return seen


def test_middleware_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert _seen_by_view(request) == [PROXY, PROXY]


def test_middleware_rewrites_remote_addr_behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT}"
    )
    assert _seen_by_view(request) == [CLIENT, CLIENT]


def test_middleware_behind_two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT}, {OUTER_PROXY}"
    )
    assert _seen_by_view(request) == [CLIENT, CLIENT]


def test_middleware_keeps_the_peer_when_the_header_is_garbage(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="bogus")
    assert _seen_by_view(request) == [PROXY, PROXY]


async def test_middleware_in_async_mode(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    seen = []

    async def view(request):
        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse("ok")

    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT}"
    )
    response = await ClientIPMiddleware(view)(request)
    assert response.status_code == 200
    assert seen == [CLIENT]


# --- End to end: login lockouts are per real client -----------------------------------


def _attempt(username: str, password: str, forwarded_for: str):
    return APIClient().post(
        "/api/auth/token/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.django_db
def test_lockout_hits_the_attacker_not_everyone_behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    victim = UserFactory()
    attacker = "198.51.100.66"
    for n in range(3):
        # A different account each time, so only the address counter can trip.
        response = _attempt(f"nobody{n}", "wrong", f"10.9.9.{n}, {attacker}")
        assert response.status_code in {401, 429}

    # The attacker is locked out even with a fresh spoofed prefix and a right password.
    locked = _attempt(victim.username, DEFAULT_PASSWORD, f"1.1.1.1, {attacker}")
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked"

    # Another client behind the same proxy still signs in.
    ok = _attempt(victim.username, DEFAULT_PASSWORD, CLIENT)
    assert ok.status_code == 200, ok.content


@pytest.mark.django_db
def test_without_trusted_proxies_a_spoofed_header_cannot_dodge_the_lockout(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    victim = UserFactory()
    for n in range(3):
        _attempt(f"nobody{n}", "wrong", f"198.51.100.{n}")
    # Every attempt came from the same peer: a new header value changes nothing.
    locked = _attempt(victim.username, DEFAULT_PASSWORD, "192.0.2.200")
    assert locked.status_code == 429
