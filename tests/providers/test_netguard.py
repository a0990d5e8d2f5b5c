"""The request-forgery guard: which URLs pass, which addresses count as public, and that a
connection only ever opens to an address that was checked (real sockets, no mocks)."""

import asyncio
import socket

import httpcore
import pytest

from rubysound.providers.netguard import (
    AddressRefused,
    GuardedNetworkBackend,
    HostAllowList,
    TargetRefused,
    check_url,
    is_public_address,
    normalise_host,
)
from tests.waiting import async_wait_until

PREVIEW_HOSTS = HostAllowList(
    [
        "audio-ssl.itunes.apple.com",
        "*.mzstatic.com",
        "cdnt-preview.dzcdn.net",
        "cdns-preview-*.dzcdn.net",
    ]
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://audio-ssl.itunes.apple.com/itunes-assets/a/mzaf_1.plus.aac.p.m4a",
            "https://audio-ssl.itunes.apple.com/itunes-assets/a/mzaf_1.plus.aac.p.m4a",
        ),
        # Case, a trailing dot and an explicit default port name the same host.
        ("HTTPS://Audio-SSL.iTunes.Apple.COM./x.m4a", "https://audio-ssl.itunes.apple.com/x.m4a"),
        (
            "https://audio-ssl.itunes.apple.com:443/x.m4a",
            "https://audio-ssl.itunes.apple.com/x.m4a",
        ),
        # Full-width letters are mapped by IDNA before the match.
        ("https://ａudio-ssl.itunes.apple.com/x", "https://audio-ssl.itunes.apple.com/x"),
        ("https://cdns-preview-d.dzcdn.net/stream/c-1.mp3", None),
        ("https://is1-ssl.mzstatic.com/x.m4a", None),
        ("https://cdnt-preview.dzcdn.net/api/1/a.mp3?hdnea=exp=1~acl=/api/*~hmac=ab", None),
        ("https://audio-ssl.itunes.apple.com", "https://audio-ssl.itunes.apple.com/"),
    ],
)
def test_preview_urls_of_the_providers_pass_normalised(url, expected):
    assert check_url(url, PREVIEW_HOSTS) == (expected or url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "Only https"),
        ("http://audio-ssl.itunes.apple.com/x.m4a", "Only https"),
        ("gopher://audio-ssl.itunes.apple.com:70/", "Only https"),
        ("//audio-ssl.itunes.apple.com/x", "Only https"),
        ("ftp://cdnt-preview.dzcdn.net/x.mp3", "Only https"),
        ("https://user@audio-ssl.itunes.apple.com/x", "credentials"),
        ("https://user:pass@audio-ssl.itunes.apple.com/x", "credentials"),
        ("https://audio-ssl.itunes.apple.com@169.254.169.254/", "credentials"),
        ("https://audio-ssl.itunes.apple.com:8443/x", "port"),
        ("https://audio-ssl.itunes.apple.com:22/x", "port"),
        ("https://audio-ssl.itunes.apple.com:0443/x", "port"),
        ("https://127.0.0.1/x.mp3", "IP addresses"),
        ("https://169.254.169.254/latest/meta-data/", "IP addresses"),
        ("https://2130706433/", "IP addresses"),  # 127.0.0.1 as one decimal number
        ("https://0x7f000001/", "IP addresses"),  # ... in hex
        ("https://0177.0.0.1/", "IP addresses"),  # ... in octal
        ("https://127.1/", "IP addresses"),  # ... shortened
        ("https://[::1]/", "IP addresses"),
        ("https://[::ffff:127.0.0.1]/", "IP addresses"),
        ("https://[fd00:ec2::254]/", "IP addresses"),
        ("https://evil.example#@audio-ssl.itunes.apple.com/", "fragment"),
        ("https://audio-ssl.itunes.apple.com/x.m4a#t=10", "fragment"),
        ("https://audio-ssl.itunes.apple.com\\@evil.example/", "not allowed"),
        ("https://audio-ssl.itunes.apple.com/a b.m4a", "not allowed"),
        ("https://audio-ssl.itunes.apple.com/x\r\nHost: internal", "not allowed"),
        ("https://audio-ssl.itunes.apple.com.evil.example/x", "not one of"),
        ("https://evil.example/?.audio-ssl.itunes.apple.com", "not one of"),
        ("https://localhost/x.mp3", "not one of"),
        ("https://metadata.google.internal/computeMetadata/v1/", "not one of"),
        ("https://a.b.mzstatic.com/x", "not one of"),  # "*" is one label, not several
        ("https://audio-ssl.itunes.apple.com%2eevil.example/x", "not a valid"),
        ("https://cdns-preview-.dzcdn.net/x", "not a valid"),
        ("https:audio-ssl.itunes.apple.com/x", "no host"),
        ("https:///audio-ssl.itunes.apple.com/x", "no host"),
        ("https://audio-ssl.itunes.apple.com/" + "a" * 2100, "longer than"),
    ],
)
def test_every_other_target_is_refused_with_the_reason(url, reason):
    with pytest.raises(TargetRefused, match=reason):
        check_url(url, PREVIEW_HOSTS)


def test_host_names_are_normalised_before_matching():
    assert normalise_host("AUDIO-SSL.iTunes.Apple.com.") == "audio-ssl.itunes.apple.com"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"
    with pytest.raises(TargetRefused):
        normalise_host("bad..example")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",  # noqa: S104 - an address under test, not one to listen on
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "100.100.100.200",  # Alibaba's metadata
        "169.254.169.254",  # cloud metadata
        "192.0.0.192",  # Oracle's metadata
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fe80::1%1",
        "fc00::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "ff02::1",
        "fec0::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        "2001:db8::1",
        "not an address",
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["17.253.144.10", "8.8.8.8", "2a02:26f0:fd::5c7a:3e11", "::ffff:8.8.8.8"]
)
def test_internet_addresses_are_public(address):
    assert is_public_address(address)


# --- At connect time ------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1", "2130706433", "0x7f.1"]
)
async def test_names_and_literals_that_resolve_to_loopback_are_refused_at_connect(host):
    backend = GuardedNetworkBackend()  # the system's own resolver
    with pytest.raises(AddressRefused, match="not public"):
        await backend.connect_tcp(host, 443, timeout=5)


@pytest.fixture
async def local_server():
    """A TCP server on 127.0.0.1 that records each connection it receives."""
    accepted: list[tuple[str, int]] = []

    async def on_connect(reader, writer):
        accepted.append(writer.get_extra_info("peername")[:2])
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port, accepted
    server.close()
    await server.wait_closed()


async def test_the_connection_goes_to_the_address_that_was_checked(local_server):
    port, accepted = local_server
    lookups: list[str] = []

    async def resolver(host, _port):
        lookups.append(host)
        return ["127.0.0.1"]

    # Loopback allowed here only to have somewhere local to connect to.
    backend = GuardedNetworkBackend(
        resolver=resolver, address_allowed=lambda address: address == "127.0.0.1"
    )
    stream = await backend.connect_tcp("audio-ssl.itunes.apple.com", port, timeout=5)
    await stream.aclose()
    await async_wait_until(lambda: accepted, message="the local server saw no connection")
    assert accepted[0][0] == "127.0.0.1"
    assert lookups == ["audio-ssl.itunes.apple.com"]  # one lookup: nothing to rebind


async def test_one_internal_address_among_public_ones_refuses_the_name(local_server):
    port, accepted = local_server

    async def rebinding_resolver(_host, _port):
        return ["17.253.144.10", "127.0.0.1"]

    backend = GuardedNetworkBackend(resolver=rebinding_resolver)
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1"):
        await backend.connect_tcp("audio-ssl.itunes.apple.com", port, timeout=5)
    assert accepted == []


async def test_a_name_without_addresses_or_a_slow_resolver_fails_to_connect():
    async def no_addresses(_host, _port):
        return []

    async def slow(_host, _port):
        await asyncio.sleep(10)
        return ["17.253.144.10"]

    async def unknown(_host, _port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(httpcore.ConnectError, match="no address"):
        await GuardedNetworkBackend(resolver=no_addresses).connect_tcp("a.example", 443)
    with pytest.raises(httpcore.ConnectTimeout):
        await GuardedNetworkBackend(resolver=slow).connect_tcp("a.example", 443, timeout=0.05)
    with pytest.raises(httpcore.ConnectError, match="cannot resolve"):
        await GuardedNetworkBackend(resolver=unknown).connect_tcp("a.example", 443)


async def test_unix_sockets_are_refused():
    with pytest.raises(AddressRefused):
        await GuardedNetworkBackend().connect_unix_socket("/var/run/docker.sock")
