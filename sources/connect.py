"""Where a request may connect, decided by the connection itself.

The SSRF guard lives in the connection: a ``requests`` adapter whose urllib3 connections
resolve the host they are about to connect to (once, through an injectable resolver), refuse
every address that is not globally reachable, and connect to exactly the address they checked.
No second lookup, so a name cannot answer a public address to the check and a private one to
the connection (DNS rebinding). TLS still checks the certificate and sends SNI for the host
name, not the address.

``check_public_url`` is the early refusal with a clear message. It reads a URL with the very
functions the request will use (requests' URL preparation, then requests' and urllib3's choice
of connection pool), so it cannot name a different host than the connection; and when it is
wrong anyway, the connection still refuses.

The connections keep to the request's deadline (``sources.deadline``): their name lookup and
connect are bounded by it, and every socket they open or reuse is handed to its watchdog.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, _normalize_host
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NameResolutionError, NewConnectionError

from sources.deadline import current_deadline, watch_socket
from watcher.errors import UnsafeURL
from watcher.text import printable

Resolver = Callable[..., list[tuple[Any, ...]]]
"""``socket.getaddrinfo`` or anything called like it: ``(host, port, family, type)``."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges ``is_global`` does not know about, or that carry an IPv4 address we must check instead.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use only
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class Target(NamedTuple):
    """What a request connects to: its scheme, the host it resolves and the port."""

    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class Address:
    family: int
    ip: IPAddress
    sockaddr: tuple[Any, ...]


# --- reading URLs as the request will -----------------------------------------------------
_POOL_CHOOSER = HTTPAdapter()  # used only for its choice of pool; it never connects


def parse_target(url: str) -> Target:
    """The scheme, host and port a request for ``url`` connects to, found by the functions the
    request itself runs (``PreparedRequest.prepare_url``, then the adapter's pool key and the
    pool's host normalisation). Also the URL's origin, for trust and for credentials.
    Raises ``UnsafeURL`` for anything that is not http(s) with a host.
    """
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        params, _ = _POOL_CHOOSER.build_connection_pool_key_attributes(prepared, True, None)
        for text in (url, prepared.url):  # rate limits and messages read URLs with urlsplit: it must cope
            _ = urlsplit(text).port
    except requests.exceptions.MissingSchema:
        raise UnsafeURL("refusing URL scheme '(none)'") from None
    except (requests.RequestException, LocationParseError, ValueError):
        raise UnsafeURL("refusing a malformed URL") from None
    scheme = params["scheme"]
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL(f"refusing URL scheme {printable(scheme)[:100] or '(none)'!r}")
    try:
        host = _normalize_host(params["host"], scheme)
    except (LocationParseError, ValueError):
        raise UnsafeURL("refusing a malformed URL") from None
    if not host:
        raise UnsafeURL("refusing URL without a host")
    return Target(scheme, host, params["port"] or DEFAULT_PORTS[scheme])


def redirect_target(current_url: str, location: str) -> str:
    """The URL a ``Location`` header sends us to, relative to the URL that answered."""
    try:
        return urljoin(current_url, location)
    except ValueError:
        raise UnsafeURL("refusing a malformed redirect") from None


# --- which addresses are refused ----------------------------------------------------------
def refusal(address: IPAddress) -> str | None:
    """Why an address must not be contacted, or None when it is globally reachable.

    IPv6 forms that carry an IPv4 address (mapped, IPv4-compatible, NAT64, 6to4, Teredo) are
    judged by the IPv4 address they lead to.
    """
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    carried = _carried_ipv4(address)
    if carried:
        reasons = [refusal(inner) for inner in carried]
        return next((r for r in reasons if r), None)
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address) and (address.is_site_local or address in _NAT64_LOCAL):
        return "site-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally reachable"
    return None


def _carried_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    if not isinstance(address, ipaddress.IPv6Address):
        return ()
    if address.ipv4_mapped:
        return (address.ipv4_mapped,)
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    if address in _SIX_TO_FOUR and address.sixtofour:
        return (address.sixtofour,)
    if address in _TEREDO and address.teredo:
        return address.teredo  # the relay server and the client behind it
    return ()


def resolve(resolver: Resolver, host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to; ``socket.gaierror`` when it resolves to none we can use."""
    try:
        infos = _lookup(resolver, host, port)
    except (UnicodeError, ValueError):
        raise socket.gaierror(f"cannot resolve {host!r}") from None
    addresses = []
    for info in infos:
        family, sockaddr = info[0], tuple(info[4])
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        except ValueError:
            raise socket.gaierror(f"resolver gave a malformed address for {host!r}") from None
        addresses.append(Address(family, ip, (str(sockaddr[0]), port, *sockaddr[2:])))
    if not addresses:
        raise socket.gaierror(f"no address for {host!r}")
    return addresses


def _lookup(resolver: Resolver, host: str, port: int) -> list[tuple[Any, ...]]:
    """The resolver's answer, within the current request's deadline when there is one: a name
    server that never answers must not stall a request past it (``getaddrinfo`` cannot be
    interrupted, so it runs in a daemon thread, left to finish on its own)."""
    deadline = current_deadline()
    if deadline is None:
        return resolver(host, port, 0, socket.SOCK_STREAM)
    answer: dict[str, Any] = {}

    def ask() -> None:
        try:
            answer["infos"] = resolver(host, port, 0, socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the caller below
            answer["error"] = exc

    worker = threading.Thread(target=ask, name="dns-lookup", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise socket.gaierror(f"no answer from the name server for {printable(host)[:100]!r} in time")
    if "error" in answer:
        raise answer["error"]
    return answer["infos"]


def refuse_non_public(host: str, addresses: Iterable[Address]) -> None:
    """``UnsafeURL`` unless every address is globally reachable: one bad address is enough."""
    for address in addresses:
        why = refusal(address.ip)
        if why:
            raise UnsafeURL(f"refusing non-public address {address.ip} for host {printable(host)[:100]!r} ({why})")


def check_public_url(url: str, *, allow_private: bool = False, resolver: Resolver = socket.getaddrinfo) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to any non-public address."""
    target = parse_target(url)
    if allow_private:
        return
    try:
        addresses = resolve(resolver, target.host, target.port)
    except OSError:
        raise UnsafeURL(f"cannot resolve host {printable(target.host)[:100]!r}") from None
    refuse_non_public(target.host, addresses)


# --- the guard in the connection ----------------------------------------------------------
@dataclass
class Guard:
    """What the connections of one HTTP client may reach."""

    resolver: Resolver = socket.getaddrinfo
    allow_private: bool = False
    trusted: set[Target] = field(default_factory=set)  # configured source origins

    def addresses(self, scheme: str, host: str, port: int) -> list[Address]:
        """Resolve once and check: the addresses the connection may use, in order."""
        addresses = resolve(self.resolver, host, port)
        if not self.allow_private and Target(scheme, host, port) not in self.trusted:
            refuse_non_public(host, addresses)
        return addresses


class _PinnedConnection:
    """Mixed into urllib3's connections: resolve, check and connect in one step."""

    scheme = "http"
    guard: Guard

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        try:
            addresses = self.guard.addresses(self.scheme, conn._dns_host, conn.port)
        except socket.gaierror as exc:
            raise NameResolutionError(conn.host, conn, exc) from exc
        try:
            sock = _connect(addresses, conn.timeout, conn.source_address, conn.socket_options)
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, f"connection to {conn.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, conn.host, conn.port)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        conn: Any = self
        if conn.sock is not None:  # a kept-alive connection: this request's deadline applies too
            watch_socket(conn.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class PinnedHTTPConnection(_PinnedConnection, HTTPConnection):
    scheme = "http"


class PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    scheme = "https"


def _connect(addresses: list[Address], timeout: Any, source_address: Any, options: Any) -> socket.socket:
    """Connect to the first address that answers: exactly the checked ones, nothing resolved again."""
    last: OSError = OSError("no address to connect to")
    for address in addresses:
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        try:
            for option in options or ():
                sock.setsockopt(*option)
            watch_socket(sock)
            sock.settimeout(_connect_timeout(timeout))
            if source_address:
                sock.bind(source_address)
            sock.connect(address.sockaddr)
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    raise last


def _connect_timeout(timeout: Any) -> float | None:
    deadline = current_deadline()
    limit = timeout if isinstance(timeout, int | float) else None
    if deadline is None:
        return limit
    remaining = deadline.remaining()
    if remaining <= 0:
        raise TimeoutError("deadline passed before connecting")
    return remaining if limit is None else min(limit, remaining)


class _PinnedPoolManager(PoolManager):
    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def _new_pool(self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None) -> Any:
        pool: HTTPConnectionPool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
        pool.conn_kw["guard"] = self.guard
        return pool


class PinnedAdapter(HTTPAdapter):
    """A ``requests`` adapter whose connections go only where ``guard`` allows. No proxies: the
    guard checks the address a connection reaches, and through a proxy that is the proxy."""

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        self.poolmanager = _PinnedPoolManager(
            self.guard, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise UnsafeURL("refusing to send a request through a proxy (not supported)")
