"""Where an outgoing request on a user's behalf may go (server-side request forgery guard).

Two checks, both needed:

- ``check_url`` reads a URL the way a browser would and accepts only ``https`` on the
  default port to a host of an allow-list, with no credentials, fragment, IP literal (in any
  of the decimal, octal or hex spellings resolvers accept) or characters that parsers read
  differently. The host is normalised (IDNA, case, trailing dot) before it is matched, and
  the URL is rebuilt from the checked parts so that what is fetched is what was checked.
- ``GuardedNetworkBackend`` resolves the host itself when the connection is opened, refuses
  it unless every address is public, and connects to the address it checked. A name that
  resolves to a public address when checked and to 127.0.0.1 a moment later (DNS rebinding)
  therefore never reaches the internal one: there is no second lookup. TLS still names the
  host (SNI, certificate check, ``Host`` header), because httpcore takes those from the URL.
"""

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx
import idna

MAX_URL_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Besides what the ipaddress module calls non-global: spelled out so that no Python
# version's idea of "global" can let one of these through.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (and Alibaba's metadata at 100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, with the cloud metadata service at 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments (Oracle's metadata at 192.0.0.192)
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",
        "fc00::/7",  # unique local, with AWS's metadata at fd00:ec2::254
        "fe80::/10",
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(Exception):
    """A URL or an address we will not send a request to; the message says why."""


class AddressRefused(httpcore.ConnectError):
    """Raised at connect time: httpx reports it as a ConnectError caused by this."""


# --- Addresses ------------------------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress | str) -> bool:
    """Whether ``address`` is on the public internet (not loopback, private, link-local,
    CGNAT, multicast, reserved, unspecified or a cloud metadata address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False  # a zone index only makes sense for link-local addresses
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if any(ip in network for network in _BLOCKED_NETWORKS if network.version == ip.version):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


# --- URLs -----------------------------------------------------------------------------

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}\Z)({_LABEL}\.)*{_LABEL}", re.ASCII)
# What WHATWG URL parsers (browsers, and many resolvers via inet_aton) read as an IPv4
# address: a last label of digits, or hex: "2130706433", "0x7f.1", "0177.0.0.1", "127.1".
_NUMERIC_LABEL = re.compile(r"(\d+|0x[0-9a-f]*)", re.ASCII | re.IGNORECASE)
# Spaces, controls and backslashes (which browsers read as "/") make parsers disagree.
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


def normalise_host(raw: str) -> str:
    """``raw`` as the ASCII, lower-case name DNS would be asked for (IDNA, one trailing dot
    removed); TargetRefused when it is no valid host name or is an IP address."""
    host = raw[:-1] if raw.endswith(".") else raw
    if not host:
        raise TargetRefused("The URL has no host name.")
    if host.startswith("["):
        raise TargetRefused("IP addresses are refused: the URL must name the provider's host.")
    if ":" in host:
        raise TargetRefused("The URL's host name is not a valid domain name.")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        raise TargetRefused("The URL's host name is not a valid domain name.") from None
    if _NUMERIC_LABEL.fullmatch(ascii_host.rsplit(".", 1)[-1]):
        raise TargetRefused("IP addresses are refused: the URL must name the provider's host.")
    if not _HOST_NAME.fullmatch(ascii_host):
        raise TargetRefused("The URL's host name is not a valid domain name.")
    return ascii_host


class HostAllowList:
    """Host names, where ``*`` stands for one DNS label or part of one
    (``*.mzstatic.com``, ``cdns-preview-*.dzcdn.net``)."""

    def __init__(self, patterns: Iterable[str]):
        self.patterns = tuple(pattern.strip().lower().rstrip(".") for pattern in patterns)
        self._expressions = [
            re.compile(re.escape(pattern).replace(r"\*", "[a-z0-9-]+"), re.ASCII)
            for pattern in self.patterns
            if pattern
        ]

    def allows(self, host: str) -> bool:
        return any(expression.fullmatch(host) for expression in self._expressions)


def check_url(url: str, allowed_hosts: HostAllowList) -> str:
    """The URL, normalised, when a request may go there; TargetRefused (saying why) if not."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if _FORBIDDEN_CHARACTERS.search(url):
        raise TargetRefused(
            "The URL contains characters that are not allowed "
            "(spaces, control characters or backslashes)."
        )
    try:
        parts = urlsplit(url)
    except ValueError:
        raise TargetRefused("The URL cannot be read.") from None
    if parts.scheme != "https":
        raise TargetRefused("Only https URLs are accepted.")
    if "@" in parts.netloc:
        raise TargetRefused("URLs with credentials (user@host) are refused.")
    if "#" in url:
        raise TargetRefused("URLs with a fragment (#...) are refused.")
    if parts.netloc.startswith("["):
        raise TargetRefused("IP addresses are refused: the URL must name the provider's host.")
    host, colon, port = parts.netloc.rpartition(":")
    if not colon:
        host, port = parts.netloc, ""
    if port not in ("", "443"):
        raise TargetRefused("Only the default https port (443) is accepted.")
    host = normalise_host(host)
    if not allowed_hosts.allows(host):
        raise TargetRefused(f"{host} is not one of the providers' audio hosts.")
    path = parts.path or "/"
    if not path.startswith("/"):
        raise TargetRefused("The URL cannot be read.")
    normalised = urlunsplit(("https", host, path, parts.query, ""))
    # The client parses the URL again; it must find the host and port we checked.
    try:
        parsed = httpx.URL(normalised)
    except httpx.InvalidURL:
        raise TargetRefused("The URL cannot be read.") from None
    if parsed.scheme != "https" or parsed.raw_host.decode("ascii") != host or parsed.port:
        raise TargetRefused("The URL cannot be read.")
    return normalised


# --- Connections ----------------------------------------------------------------------


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order of preference."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to public addresses (see the module's docstring)."""

    def __init__(
        self,
        *,
        resolver: Resolver = resolve,
        address_allowed: Callable[[str], bool] = is_public_address,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ):
        self._resolver = resolver
        self._address_allowed = address_allowed
        self._inner = inner or httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int, seconds: float | None) -> list[str]:
        try:
            async with asyncio.timeout(seconds):
                return await self._resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port, timeout)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        # One bad address refuses the name: a rebinding attacker controls the order.
        for address in addresses:
            if not self._address_allowed(address):
                raise AddressRefused(f"{host} resolves to {address}, which is not public")
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure  # type: ignore[misc]  # addresses is not empty

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise AddressRefused("unix sockets are refused")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool on a ``GuardedNetworkBackend``."""

    def __init__(self, *, network_backend: httpcore.AsyncNetworkBackend, limits: httpx.Limits):
        # Never through a proxy from the environment: the proxy would do the connecting.
        super().__init__(trust_env=False, limits=limits)
        # httpx offers no argument for the network backend; the pool it built above is
        # replaced by the same pool on ours (``_pool`` is what its methods use).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network_backend,
        )


def refused_address(exc: BaseException) -> AddressRefused | None:
    """The AddressRefused behind an httpx error, if that is what it was."""
    seen = exc
    while seen is not None:
        if isinstance(seen, AddressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
