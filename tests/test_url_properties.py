"""Properties of URL checking on text nobody thought to write down: the guard raises only
``UnsafeURL``, redirect handling raises only ``UnsafeURL``, a fetch raises only our own errors,
and the host the guard checks is the host the connection pool connects to.

No real DNS (the machine has none): resolvers here return fixed addresses or fail.
"""

from __future__ import annotations

import contextlib
import socket

import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from sources.client import HttpClient
from sources.connect import check_public_url, parse_target, redirect_target
from watcher.config import NetworkConfig
from watcher.errors import ImageError, SourceError, UnsafeURL

PROPERTY = settings(max_examples=300, deadline=None, database=None)

SCHEMES = ["http", "https", "HTTP", "hTtPs", "file", "ftp", "gopher", "javascript", "data", "", " http", "http\t"]
SEPARATORS = ["://", ":/", ":", ":\\\\", ":///", "//", ":\\/", "", ":/\\"]
HOSTS = [
    "127.0.0.1",
    "93.184.215.14",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[fe80::1%25eth0]",
    "[::1",
    "::1]",
    "[v1.x]",
    "localhost",
    "example.com",
    "bücher.example",
    "xn--bcher-kva.example",
    "0x7f.1",
    "2130706433",
    "*.example",
    ".",
    "a" * 70,
    "",
]
ODD = list("/\\@#?%:.[]a1 \t\n\r\x00é€\u2028\ufeff")
ADDRESSES = ["93.184.215.14", "127.0.0.1", "10.0.0.1", "::1", "fec0::1", "::7f00:1", "2606:4700::1111", "not-an-ip"]

hosts = st.one_of(st.sampled_from(HOSTS), st.text(alphabet=st.sampled_from([*ODD, "x", "-", "0"]), max_size=12))
ports = st.one_of(
    st.just(""), st.integers(-5, 70_000).map(lambda p: f":{p}"), st.text(max_size=4).map(lambda t: f":{t}")
)
userinfo = st.one_of(st.just(""), st.text(alphabet=st.sampled_from([*ODD, "u"]), max_size=6).map(lambda t: t + "@"))
rests = st.text(alphabet=st.sampled_from([*ODD, "x"]), max_size=16)
url_ish = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(SCHEMES),
    st.sampled_from(SEPARATORS),
    userinfo,
    hosts,
    ports,
    rests,
)
urls = st.one_of(url_ish, st.text(max_size=60))


def fixed(addresses: list[str]):
    def resolve(host: str, port: int, *rest: object) -> list[tuple]:
        if not addresses:
            raise socket.gaierror("no such name")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    return resolve


def unresolvable(host: str, port: int, *rest: object) -> list[tuple]:
    raise socket.gaierror("no DNS here")


@PROPERTY
@given(urls)
def test_the_guard_raises_only_unsafe_url_when_private_is_allowed(url):
    with contextlib.suppress(UnsafeURL):
        check_public_url(url, allow_private=True)


@PROPERTY
@given(urls, st.lists(st.sampled_from(ADDRESSES), max_size=3))
def test_the_guard_raises_only_unsafe_url_whatever_the_name_resolves_to(url, addresses):
    with contextlib.suppress(UnsafeURL):
        check_public_url(url, resolver=fixed(addresses))


@PROPERTY
@given(url_ish, st.one_of(url_ish, st.text(max_size=40)))
def test_redirect_handling_raises_only_unsafe_url(current, location):
    with contextlib.suppress(UnsafeURL):
        check_public_url(redirect_target(current, location), resolver=fixed(["127.0.0.1"]))


_ADAPTER = HTTPAdapter()


@PROPERTY
@given(url_ish)
def test_the_guard_checks_the_host_the_connection_pool_uses(url):
    """The host and port the guard resolves are the ones requests hands to urllib3's pool,
    whose connections resolve and connect to exactly that host."""
    try:
        target = parse_target(url)
    except UnsafeURL:
        return
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    pool = _ADAPTER.get_connection_with_tls_context(prepared, verify=True)
    assert (pool.scheme, pool.host, pool.port) == tuple(target)


@PROPERTY
@given(urls)
def test_a_fetch_raises_only_our_own_errors(url):
    """Whatever a profile puts in its image field, fetching it raises UnsafeURL or ImageError
    (here nothing resolves, so no connection is ever made)."""
    client = HttpClient(NetworkConfig(allow_private_addresses=True, retries=0), resolver=unresolvable)
    with contextlib.suppress(UnsafeURL, ImageError):
        client.fetch_image(url)
    with contextlib.suppress(UnsafeURL, SourceError):
        client.get(url)
    client.close()
