"""The web front as waitress serves it, over real HTTP on 127.0.0.1: what only a real server shows
(headers on the wire, the request size cap, the client's address and the proxy headers, cookie flags)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import sql

from watcher.config import load_config
from watcher.errors import ConfigError
from watcher.web import guard
from watcher.web.serve import WebServer, make_server

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def set_web(folder: Path, lines: str) -> Path:
    """The state's config with ``lines`` as its whole [web] table."""
    path = folder / "watcher.toml"
    text = path.read_text().split("\n[web]\n")[0]
    path.write_text(f"{text}\n[web]\n{lines}\n")
    return path


@contextmanager
def served(folder: Path, web: str = 'base_url = "http://127.0.0.1:8080"') -> Iterator[WebServer]:
    server = make_server(load_config(set_web(folder, web)), listen="127.0.0.1:0").start()
    try:
        yield server
    finally:
        server.close()


def browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment between us and 127.0.0.1
    return session


def test_the_start_page_over_http_with_the_security_headers(enrolled_site):
    with served(enrolled_site.folder) as server:
        page = browser().get(f"{server.url}/", timeout=10)
    assert page.status_code == 200 and 'id="sign-up"' in page.text
    assert page.headers["Content-Security-Policy"] == guard.CSP
    assert "'unsafe-inline'" not in guard.CSP and "script-src 'self'" in guard.CSP
    for header, value in guard.HEADERS.items():
        assert page.headers[header] == value
    assert page.headers["Server"] == "Identity Watch"
    assert page.headers["Cache-Control"] == "no-store"


def sign_up_buckets(folder: Path, server: WebServer, forwarded: list[str]) -> set[str]:
    """Send a sign-up from each forwarded address (one browser, so one CSRF token); the throttle's
    per-client buckets it counted in."""
    client = browser()
    token = CSRF.search(client.get(f"{server.url}/", timeout=10).text).group(1)
    for address in forwarded:
        answer = client.post(
            f"{server.url}/sign-up",
            data={"csrf": token, "email": "nobody@svusd.example"},
            headers={"X-Forwarded-For": address, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
            timeout=10,
        )
        assert answer.status_code == 200 and 'id="sent"' in answer.text
    rows = sql(folder / "watcher.db", "SELECT DISTINCT bucket FROM throttle WHERE bucket LIKE 'sign-up-client:%'")
    return {row[0].removeprefix("sign-up-client:") for row in rows}


def test_forwarded_for_from_a_client_that_is_no_trusted_proxy_is_ignored(enrolled_site):
    """Attack: a client names its own address in X-Forwarded-For to escape the throttle (or to have
    another address throttled). Only [web] trusted_proxies are believed."""
    with served(enrolled_site.folder) as server:
        assert sign_up_buckets(enrolled_site.folder, server, ["203.0.113.9", "198.51.100.7"]) == {"127.0.0.1"}


def test_forwarded_for_from_a_trusted_proxy_is_the_client(enrolled_site):
    web = 'base_url = "http://127.0.0.1:8080"\ntrusted_proxies = ["127.0.0.1"]'
    with served(enrolled_site.folder, web) as server:
        buckets = sign_up_buckets(enrolled_site.folder, server, ["203.0.113.9", "198.51.100.7"])
    assert buckets == {"203.0.113.9", "198.51.100.7"}


def session_cookie(folder: Path, base_url: str) -> str:
    with served(folder, f'base_url = "{base_url}"') as server:
        page = browser().get(f"{server.url}/", timeout=10)  # its form's CSRF token starts a session
    (cookie,) = [c for c in page.raw.headers.getlist("Set-Cookie") if c.startswith("iw_session=")]
    return cookie


@pytest.mark.parametrize("base_url", ["https://watch.svusd.example", "http://127.0.0.1:8080"])
def test_the_session_cookie_is_httponly_lax_and_secure_exactly_when_the_public_address_is_https(
    enrolled_site, base_url
):
    flags = {part.strip().split("=")[0].lower() for part in session_cookie(enrolled_site.folder, base_url).split(";")}
    assert {"httponly", "samesite"} <= flags
    assert "SameSite=Lax" in session_cookie(enrolled_site.folder, base_url)
    assert ("secure" in flags) == base_url.startswith("https://")


def status_line(server: WebServer, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(head)
        return conn.makefile("rb").readline()


def test_a_request_body_over_the_cap_is_refused_with_413_before_it_is_read(enrolled_site):
    """Attack: a body of gigabytes to fill memory or disk. Waitress refuses it from its Content-Length,
    and a chunked body once it passes the cap; our application never sees either."""
    with served(enrolled_site.folder) as server:
        too_long = (
            f"POST /sign-up HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {guard.MAX_REQUEST_BYTES + 1}\r\n\r\n"
        ).encode()
        assert status_line(server, too_long).startswith(b"HTTP/1.1 413")
        chunked = b"POST /sign-up HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunk = b"%x\r\n" % 1_000_000 + b"x" * 1_000_000 + b"\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(chunked)
            try:
                for _ in range(guard.MAX_REQUEST_BYTES // 1_000_000 + 2):
                    conn.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # it stopped reading: the answer is waiting
            assert conn.makefile("rb").readline().startswith(b"HTTP/1.1 413")
        assert browser().get(f"{server.url}/", timeout=10).status_code == 200  # and it serves on


def test_another_machines_address_needs_a_public_address(enrolled_site):
    config = load_config(set_web(enrolled_site.folder, ""))
    with pytest.raises(ConfigError, match=r"0\.0\.0\.0:8080 is reachable from other machines: set \[web\] base_url"):
        make_server(config, listen="0.0.0.0:8080")
    with pytest.raises(ConfigError, match="must be HOST:PORT"):
        make_server(config, listen="8080")


def test_a_port_in_use_is_one_line(enrolled_site):
    config = load_config(set_web(enrolled_site.folder, ""))
    with served(enrolled_site.folder) as server, pytest.raises(ConfigError) as refused:
        make_server(config, listen=f"127.0.0.1:{server.port}")
    assert str(refused.value) == f"cannot serve the web front on 127.0.0.1:{server.port}: the port is in use"


def test_trusted_proxies_are_compared_as_addresses_and_networks():
    """A proxy written as a network, or seen as an IPv4-mapped IPv6 address, is still the proxy; anyone
    else's X-Forwarded-For is dropped before the application sees it."""
    from watcher.web.guard import TrustedProxies

    seen = []

    def app(environ, start_response):
        seen.append((environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR")))
        return []

    guard = TrustedProxies(app, ("10.0.0.0/24", "fd00::1"))
    for remote in ("10.0.0.7", "::ffff:10.0.0.7", "fd00:0:0::1", "10.0.1.7", "not-an-address"):
        guard({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": "203.0.113.9", "wsgi.url_scheme": "http"}, None)
    assert seen == [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9", "203.0.113.9"),
        ("10.0.1.7", None),
        ("not-an-address", None),
    ]


def test_a_base_url_with_a_path_serves_under_it(enrolled_site):
    """https://district.example/watch behind a proxy that passes the prefix on, or strips it: the pages
    answer either way and every URL they write carries the prefix."""
    with served(enrolled_site.folder, 'base_url = "http://127.0.0.1:8080/watch"') as server:
        passed_on = browser().get(f"{server.url}/watch/", timeout=10)
        stripped = browser().get(f"{server.url}/", timeout=10)
        office = browser().get(f"{server.url}/watch/office", timeout=10, allow_redirects=False)
    for page in (passed_on, stripped):
        assert page.status_code == 200
        assert 'action="/watch/sign-up"' in page.text and 'href="/watch/static/site.css"' in page.text
    assert office.status_code == 302 and office.headers["Location"].startswith("/watch/office/sign-in")
