"""The HTTP layer against hosts that attack it: real servers on 127.0.0.1 playing a canary that
must never be reached, image hosts redirecting to it, names that rebind, addresses that are not
global, senders that drip one byte at a time, redirects that would carry our tokens away, and
JSON nested too deeply for the parser.

A "public" host is played by a resolver the test controls (``HttpClient(resolver=...)``) or by
an origin the client trusts, since nothing here reaches a public address.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sources.client import HttpClient
from sources.connect import check_public_url
from sources.mastodon import MastodonSource
from sources.responses import Response
from watcher.config import NetworkConfig, SourceConfig, parse_config
from watcher.demo.portraits import jpeg, portrait
from watcher.errors import ConfigError, ImageError, ParseError, SourceBlocked, SourceError, SourceUnavailable, UnsafeURL

DRIP_BYTES = 40  # 8 s at one byte every 0.2 s: a client that waits for all of it missed its deadline
PUBLIC = "93.184.215.14"  # a public address; nothing here ever connects to it
JPEG = jpeg(portrait(1))


# --- servers -----------------------------------------------------------------------------
class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve(conn, server)``.

    It counts connections from the moment they are accepted: a canary with ``connections == 0``
    was never reached, not even by a request that was cut short.
    """

    def __init__(self, serve: Callable[[socket.socket, RawServer], None], wrap: ssl.SSLContext | None = None) -> None:
        self.serve = serve
        self.wrap = wrap
        self.connections = 0
        self.received = bytearray()
        self.stop = threading.Event()
        self.dripped_all = False  # a drip ran to its end: the client waited for all of it

    def __enter__(self) -> RawServer:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                conn = self.request
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    if outer.wrap is not None:
                        conn = outer.wrap.wrap_socket(conn, server_side=True)
                    with conn:
                        outer.serve(conn, outer)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()  # joins the handler threads
        self.thread.join()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read_head(self, conn: socket.socket) -> bytes:
        head = bytearray()
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head.extend(chunk)
        self.received.extend(head)
        return bytes(head)

    def drip(self, conn: socket.socket, data: bytes, every: float = 0.2) -> None:
        """Send ``data`` one byte every ``every`` seconds, until the client or the test gives up."""
        for byte in data[:DRIP_BYTES]:
            conn.sendall(bytes([byte]))
            if self.stop.wait(every):
                return
        self.dripped_all = True


def answer(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def serve_image(conn: socket.socket, server: RawServer) -> None:
    server.read_head(conn)
    conn.sendall(answer("200 OK", JPEG, "image/jpeg", "Connection: close\r\n"))


@pytest.fixture
def canary() -> Iterator[RawServer]:
    """Must never be reached: it would hand out an image (or anything) to whoever asks."""
    with RawServer(serve_image) as server:
        yield server


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(autouse=True)
def no_watchdog_left_running():
    yield
    assert [t for t in threading.enumerate() if t.name == "http-deadline"] == []


def resolving(*answers: str) -> Callable[..., list[tuple]]:
    """A resolver that gives ``answers[0]`` on the first call, ``answers[1]`` on the second, ...
    (the last one from then on). Each answer is one address, or several joined by commas."""
    calls: list[str] = []

    def resolve(host: str, port: int, *rest: object) -> list[tuple]:
        calls.append(host)
        chosen = answers[min(len(calls), len(answers)) - 1]
        infos = []
        for address in chosen.split(","):
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            infos.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return infos

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


# --- one parser for the guard and the connection -----------------------------------------
def disguised(port: int) -> list[str]:
    """URL forms that ``urllib.parse`` reads as the public host while urllib3 connects to
    127.0.0.1:port (the authority ends at a backslash for urllib3, at the last ``@`` for urlsplit)."""
    return [
        f"http://127.0.0.1:{port}\\@{PUBLIC}/a.jpg",
        f"http://127.0.0.1:{port}\\\\@{PUBLIC}/a.jpg",
        f"http://127.0.0.1:{port}\\x@{PUBLIC}/a.jpg",
        f"http://127.0.0.1:{port}\\@{PUBLIC}:80/a.jpg",
        f"HTTP://127.0.0.1:{port}\\@{PUBLIC}/a.jpg",
        f"http://localhost:{port}\\@{PUBLIC}/a.jpg",
        f"http://2130706433:{port}\\@{PUBLIC}/a.jpg",
    ]


def test_a_profile_image_url_in_a_disguised_form_never_reaches_the_canary(canary):
    """Attack: a profile's avatar URL that the guard (urlsplit) reads as a public literal while
    the connection (urllib3) goes to 127.0.0.1. Today every form here fetches the canary."""
    client = HttpClient(NetworkConfig())
    for url in disguised(canary.port):
        with pytest.raises((UnsafeURL, ImageError)):
            client.fetch_image(url)
    assert canary.connections == 0 and canary.received == b""


def redirect_forms(port: int) -> list[str]:
    return [
        *disguised(port),
        f"http://127.0.0.1:{port}/a.jpg",
        f"http://localhost:{port}/a.jpg",
        f"http://127.1:{port}/a.jpg",
        f"http://0x7f.1:{port}/a.jpg",
        f"http://0177.0.0.1:{port}/a.jpg",
        f"http://0:{port}/a.jpg",
        f"http://0.0.0.0:{port}/a.jpg",
        f"http://[::ffff:127.0.0.1]:{port}/a.jpg",
        f"http://[::1]:{port}/a.jpg",
        f"http://{PUBLIC}@127.0.0.1:{port}/a.jpg",
        f"//127.0.0.1:{port}/a.jpg",
        f"http://127.0.0.1:{port}#@{PUBLIC}/a.jpg",
        f"http://127.0.0.1:{port}?@{PUBLIC}/a.jpg",
    ]


def test_a_redirect_from_an_image_host_never_reaches_the_canary(canary):
    """Attack: an image host answers 302 with a ``Location`` on 127.0.0.1, plain or disguised.
    The image host is a trusted origin here only so that a loopback server can play a public one;
    its redirect is untrusted. Today the disguised forms reach the canary."""
    locations = redirect_forms(canary.port)

    def redirect(conn: socket.socket, server: RawServer) -> None:
        head = server.read_head(conn)
        index = int(head.split(b" ")[1].strip(b"/") or 0)
        conn.sendall(answer("302 Found", b"", extra=f"Location: {locations[index]}\r\nConnection: close\r\n"))

    with RawServer(redirect) as image_host:
        client = HttpClient(NetworkConfig())
        client.trust(image_host.origin)
        for index in range(len(locations)):
            with pytest.raises(SourceBlocked, match="redirected to a refused address"):
                client.get(f"{image_host.origin}/{index}", untrusted=True, media=True)
        assert image_host.connections == len(locations)
    assert canary.connections == 0 and canary.received == b""


def redirecting_to(location: str) -> Callable[[socket.socket, RawServer], None]:
    """A server that answers every request with a redirect to ``location``."""

    def redirect(conn: socket.socket, server: RawServer) -> None:
        server.read_head(conn)
        conn.sendall(answer("302 Found", b"", extra=f"Location: {location}\r\nConnection: close\r\n"))

    return redirect


def test_an_api_redirect_in_a_disguised_form_never_reaches_the_canary(canary):
    """Attack: a source's API (trusted) redirects elsewhere with a disguised ``Location``."""
    with RawServer(redirecting_to(f"http://127.0.0.1:{canary.port}\\@{PUBLIC}/steal")) as api:
        client = HttpClient(NetworkConfig())
        client.trust(api.origin)
        with pytest.raises(SourceBlocked, match="redirected to a refused address"):
            client.get_json(api.origin + "/api")
    assert canary.connections == 0


# --- DNS rebinding and pinning -----------------------------------------------------------
def test_a_name_that_rebinds_to_loopback_never_reaches_the_canary(canary):
    """Attack: DNS rebinding. The name answers a public address to the first lookup and 127.0.0.1
    to every later one. Today the guard looks up once and the connection again."""
    client = HttpClient(NetworkConfig(), resolver=resolving(PUBLIC, "127.0.0.1"))
    with pytest.raises(ImageError, match="refused to connect"):
        client.fetch_image(f"http://rebind.test:{canary.port}/a.jpg")
    assert canary.connections == 0


def test_a_rebinding_redirect_target_never_reaches_the_canary(canary):
    """Attack: an API redirects to a name that passes the early check, then rebinds."""
    with RawServer(redirecting_to(f"http://rebind.test:{canary.port}/steal")) as api:
        client = HttpClient(NetworkConfig(), resolver=resolving("127.0.0.1", PUBLIC, "127.0.0.1"))
        client.trust(api.origin)  # the first lookup is the API's own (trusted) loopback address
        with pytest.raises(SourceBlocked, match="refused to connect"):
            client.get_json(api.origin + "/api")
    assert canary.connections == 0


def test_one_private_address_among_public_ones_is_refused(canary):
    """Attack: a name with several addresses, one of them loopback, hoping the check looks at one."""
    client = HttpClient(NetworkConfig(), resolver=resolving(f"{PUBLIC},127.0.0.1"))
    with pytest.raises(UnsafeURL, match=r"non-public address 127\.0\.0\.1"):
        client.fetch_image(f"http://many.test:{canary.port}/a.jpg")
    with pytest.raises(SourceBlocked, match="refused to connect"):
        client.get(f"http://many.test:{canary.port}/a.jpg")
    assert canary.connections == 0


def test_the_connection_uses_the_address_it_resolved_once(httpserver):
    """One lookup per connection, and the request still names its host (Host header)."""
    httpserver.expect_request("/a.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    resolver = resolving("127.0.0.1")
    client = HttpClient(NetworkConfig(allow_private_addresses=True), resolver=resolver)
    assert client.fetch_image(f"http://pinned.test:{httpserver.port}/a.jpg").data == JPEG
    assert resolver.calls == ["pinned.test"]
    assert httpserver.log[0][0].headers["Host"] == f"pinned.test:{httpserver.port}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
                *("-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=pinned.test"),
                *("-addext", "subjectAltName=DNS:pinned.test"),
            ],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl cannot make a test certificate here")
    return cert, key


def test_tls_checks_the_certificate_and_sends_sni_for_the_host_name(certificate):
    """Pinning connects to an address, but TLS must still verify the name: a certificate for
    pinned.test is accepted for pinned.test and refused for other.test on the same address."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)

    def serve(conn: socket.socket, server: RawServer) -> None:
        server.read_head(conn)
        conn.sendall(answer("200 OK", b'{"ok": true}', extra="Connection: close\r\n"))

    with RawServer(serve, wrap=context) as server:
        client = HttpClient(NetworkConfig(allow_private_addresses=True, retries=0), resolver=resolving("127.0.0.1"))
        client.session.verify = str(cert)
        assert client.get_json(f"https://pinned.test:{server.port}/") == {"ok": True}
        with pytest.raises(SourceUnavailable, match="cannot connect"):
            client.get(f"https://other.test:{server.port}/")
    assert names == ["pinned.test", "other.test"]


# --- every non-global address ------------------------------------------------------------
REFUSED = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "192.0.0.1",
    "192.0.2.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:0:7f00:1",  # IPv4-translated
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1",  # NAT64, local use
    "2002:7f00:1::",  # 6to4
    "2002:a00:1::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:a00:1:8000:63bf:a2c9:d4f1",  # Teredo, relay 10.0.0.1
    "2001:db8::1",
    "100::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",  # site-local
    "feff::1",
    "ff02::1",
    "ff0e::1",  # global-scope multicast
    "5f00::1",  # reserved
]
ALLOWED = [PUBLIC, "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"]


@pytest.mark.parametrize("address", REFUSED)
def test_every_non_global_address_is_refused(address, canary):
    """Attack: each kind of address that is not globally reachable, as a URL literal and as the
    answer of a name; today fec0::/10 and IPv4-compatible addresses pass the guard."""
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeURL, match="non-public address"):
        check_public_url(f"http://{literal}/a.jpg")
    with pytest.raises(UnsafeURL, match="non-public address"):
        check_public_url("http://named.test/a.jpg", resolver=resolving(address))
    client = HttpClient(NetworkConfig(retries=0), resolver=resolving(address))
    with pytest.raises(SourceBlocked, match="refused to connect"):
        client.get(f"http://named.test:{canary.port}/a.jpg")
    assert canary.connections == 0


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_pass(address):
    literal = f"[{address}]" if ":" in address else address
    check_public_url(f"https://{literal}/a.jpg")
    check_public_url("https://cdn.test/a.jpg", resolver=resolving(address))


# --- deadlines ---------------------------------------------------------------------------
SLOW = NetworkConfig(allow_private_addresses=True, timeout=2, request_deadline=1, image_deadline=1)


def dripping(head: bytes, body: bytes = b"", *, tls: bool = False) -> Callable[[socket.socket, RawServer], None]:
    """A server that sends ``head`` at once, then ``body`` one byte every 0.2 s (8 s in all)."""

    def serve(conn: socket.socket, server: RawServer) -> None:
        if tls:
            server.received.extend(conn.recv(4096))  # the ClientHello
        else:
            server.read_head(conn)
        conn.sendall(head)
        server.drip(conn, body)

    return serve


HEADERS_DRIP = dripping(b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 300)
BODY_DRIP = dripping(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n", b"[" * 300)
UNTIL_CLOSE_DRIP = dripping(
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", b" " * 300
)
IMAGE_DRIP = dripping(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 300\r\n\r\n", JPEG[:300])


@pytest.mark.parametrize("serve", [HEADERS_DRIP, BODY_DRIP, UNTIL_CLOSE_DRIP], ids=["headers", "body", "until-close"])
def test_a_dripping_api_answer_misses_the_deadline(serve):
    """Attack: one byte every 0.2 s never trips a 2 s read timeout; the 1 s deadline stops it,
    and it is not retried (each retry would cost another deadline)."""
    with RawServer(serve) as server:
        with pytest.raises(SourceUnavailable, match=r": no complete answer within 1s$"):
            HttpClient(SLOW).get_json(server.origin + "/api")
        assert server.connections == 1 and not server.dripped_all


@pytest.mark.parametrize("serve", [HEADERS_DRIP, IMAGE_DRIP], ids=["headers", "body"])
def test_a_dripping_image_misses_the_image_deadline(serve):
    with RawServer(serve) as server:
        with pytest.raises(ImageError, match=r"no complete answer within 1s$"):
            HttpClient(SLOW).fetch_image(server.origin + "/a.jpg")
        assert not server.dripped_all


def test_a_name_server_that_never_answers_misses_the_image_deadline():
    """Attack: the image's host name is one whose name server never answers (a lookup blocks for the
    resolver's whole timeout, twice: the early check and the connection). The lookup is given only
    what is left of the deadline: the fetch fails while the lookup is still waiting."""
    release, returned = threading.Event(), threading.Event()

    def stuck(host, port, *rest):
        release.wait(20)  # a name server that does not answer
        returned.set()
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]

    client = HttpClient(NetworkConfig(image_deadline=0.5, request_deadline=0.5), resolver=stuck)
    try:
        with pytest.raises((ImageError, UnsafeURL)):
            client.fetch_image("http://avatars.example/a.jpg")
        assert not returned.is_set()  # not waited for
    finally:
        release.set()


def test_a_dripping_tls_handshake_misses_the_deadline():
    """Attack: the server starts a TLS record and drips it; the handshake never finishes."""
    serve = dripping(b"", b"\x16\x03\x03\x40\x00" + b"\x00" * 300, tls=True)
    with RawServer(serve) as server:
        with pytest.raises(SourceUnavailable, match="no complete answer within 1s"):
            HttpClient(SLOW).get(f"https://127.0.0.1:{server.port}/")
        assert not server.dripped_all


def test_a_kept_alive_connection_is_bounded_too():
    """Attack: answer the first request quickly on a kept-alive connection, drip the second."""

    def serve(conn: socket.socket, server: RawServer) -> None:
        server.read_head(conn)
        conn.sendall(answer("200 OK", b"{}"))
        server.read_head(conn)
        server.drip(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n" + b"a" * 300)

    with RawServer(serve) as server:
        client = HttpClient(SLOW)
        assert client.get_json(server.origin + "/first") == {}
        with pytest.raises(SourceUnavailable, match="no complete answer within 1s"):
            client.get_json(server.origin + "/second")
        assert server.connections == 1  # the second request did use the kept-alive connection
        assert not server.dripped_all


def test_deadlines_are_read_from_the_network_table():
    network = parse_config({"network": {"request_deadline": 5, "image_deadline": 2.5}}).network
    assert (network.request_deadline, network.image_deadline) == (5, 2.5)
    assert parse_config({}).network.request_deadline == 30
    for bad in (0, -1, "soon"):
        with pytest.raises(ConfigError, match=r"network\.image_deadline"):
            parse_config({"network": {"image_deadline": bad}})


# --- credentials -------------------------------------------------------------------------
SECRETS = {"Authorization": "Bearer x", "Cookie": "session=1", "Proxy-Authorization": "Basic eA==", "X-Api-Key": "k"}


def test_credentials_never_follow_a_redirect_to_another_origin(httpserver, other_server):
    """Attack: a source's API (A) redirects to a host it does not control (B), then B sends us
    back to A. B never sees the token, the cookie or custom headers; harmless ones follow."""
    httpserver.expect_request("/api").respond_with_data("", 302, {"Location": other_server.url_for("/b")})
    other_server.expect_request("/b").respond_with_data("", 302, {"Location": httpserver.url_for("/back")})
    httpserver.expect_request("/back").respond_with_json({"ok": True})
    client = HttpClient(NetworkConfig(allow_private_addresses=True))
    assert client.get_json(httpserver.url_for("/api"), headers={**SECRETS, "If-None-Match": '"v1"'}) == {"ok": True}
    first, back = (request.headers for request, _ in httpserver.log)
    seen_by_b = other_server.log[0][0].headers
    assert first["Authorization"] == "Bearer x"
    for name in SECRETS:
        assert name not in seen_by_b and name not in back, name
    assert seen_by_b["Accept"] == "application/json" and seen_by_b["If-None-Match"] == '"v1"'


def test_a_cookie_set_by_one_host_is_never_sent_on(httpserver, other_server):
    """Attack: A sets a cookie and redirects to B on the same host name (cookies ignore ports)."""
    httpserver.expect_request("/api").respond_with_data(
        "", 302, {"Location": other_server.url_for("/b").replace("127.0.0.1", "localhost"), "Set-Cookie": "s=1"}
    )
    other_server.expect_request("/b").respond_with_json({})
    HttpClient(NetworkConfig(allow_private_addresses=True)).get_json(httpserver.url_for("/api"))
    assert "Cookie" not in other_server.log[0][0].headers


def test_a_scraped_url_cannot_choose_credentials(other_server):
    """Attack: an image URL carrying ``user:password@`` (today requests turns it into Basic auth)."""
    other_server.expect_request("/a.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    url = other_server.url_for("/a.jpg").replace("http://", "http://admin:hunter2@")
    assert HttpClient(NetworkConfig(allow_private_addresses=True)).fetch_image(url).data == JPEG
    assert "Authorization" not in other_server.log[0][0].headers


def test_a_mastodon_token_never_reaches_another_origin(httpserver, other_server, monkeypatch):
    """The same through a real adapter: the lookup redirects off-site; the token stays behind."""
    monkeypatch.setenv("MASTO_TOKEN", "s3cret")
    httpserver.expect_request("/m/api/v1/accounts/lookup").respond_with_data(
        "", 302, {"Location": other_server.url_for("/lookup")}
    )
    other_server.expect_request("/lookup").respond_with_json({"error": "Record not found"}, status=404)
    config = SourceConfig(
        name="m", type="mastodon", base_url=httpserver.url_for("/m"), options={"token_env": "MASTO_TOKEN"}
    )
    with contextlib.suppress(SourceError):
        MastodonSource(config, HttpClient(NetworkConfig(allow_private_addresses=True))).lookup("someone")
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in other_server.log[0][0].headers


# --- JSON too deep for the parser --------------------------------------------------------
DEEP = [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 50_000 + b"]" * 50_000]


@pytest.mark.parametrize("body", DEEP, ids=["open-arrays", "open-objects", "closed-arrays"])
def test_deeply_nested_json_is_a_parse_error(body):
    """Attack: JSON nested deeper than the parser's recursion limit. Today: RecursionError,
    which no source catches."""
    response = Response(200, "https://api.test/x", {"Content-Type": "application/json"}, body)
    with pytest.raises(ParseError, match=r"^api\.test: answer is not valid JSON \(application/json\)$"):
        response.json()
    assert Response(403, "https://api.test/x", {}, body).error_text() == "HTTP 403"


def test_deeply_nested_json_from_a_server_is_the_source_s_unknown(httpserver):
    httpserver.expect_request("/ok").respond_with_data(b"[" * 100_000, content_type="application/json")
    httpserver.expect_request("/denied").respond_with_data(b"[" * 100_000, 403, content_type="application/json")
    client = HttpClient(NetworkConfig(allow_private_addresses=True))
    with pytest.raises(ParseError):
        client.get_json(httpserver.url_for("/ok"))
    with pytest.raises(SourceBlocked, match=r"access refused \(HTTP 403: HTTP 403\)"):
        client.get_json(httpserver.url_for("/denied"))
    assert json.loads(b"[" * 10 + b"]" * 10)  # shallow nesting is still fine
