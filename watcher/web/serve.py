"""The web front on waitress, a production WSGI server in pure Python: ``watcher web`` serves it in the
foreground, ``watcher run`` beside its scheduler (``[web] listen``), ``watcher demo --serve`` over the demo.

Waitress's own proxy handling stays off (no ``trusted_proxy``, untrusted headers not cleared by it):
the application's ``TrustedProxies`` (watcher/web/guard.py) decides which X-Forwarded-* to believe.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import waitress

from watcher.config import Config
from watcher.errors import ConfigError
from watcher.web import create_app, guard

log = logging.getLogger("watcher.web")

THREADS = 4  # requests served at once; each has its own SQLite connection


class WebServer:
    """A waitress server bound to its address: ``run()`` serves in this thread, ``start()`` in a daemon
    thread of its own; ``close()`` stops either (from any thread) and frees the port."""

    def __init__(self, server: Any) -> None:
        self.waitress = server
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def port(self) -> int:
        return int(self.waitress.effective_port)

    @property
    def url(self) -> str:
        """Where it answers (not the public address, which may be a proxy's)."""
        return f"http://{_address(str(self.waitress.effective_host), self.port)}"

    def run(self) -> None:
        self.waitress.run()

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self.run, name="watcher-web", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening and close every connection, in the serving thread (waitress's loop is not
        thread-safe); then stop the worker threads, waiting a few seconds for requests under way."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None and self._thread.is_alive():
            self.waitress.trigger.pull_trigger(self._close_channels)
            self._thread.join(5)
        else:
            self._close_channels()
        self.waitress.task_dispatcher.shutdown(timeout=5)

    def _close_channels(self) -> None:
        self.waitress.close()
        for channel in list(self.waitress._map.values()):
            channel.close()


def make_server(config: Config, *, listen: str | None = None, clock: Callable[[], datetime] | None = None) -> WebServer:
    """The web front over ``config``'s database, bound to ``listen`` (default: ``[web] listen``, else
    127.0.0.1:8080; port 0 picks a free one). A port in use, or an address other machines reach while
    ``[web] base_url`` is unset, is a one-line ``ConfigError``."""
    host, port = parse_listen(listen) if listen else config.web.address
    if listen:  # the address given wins over [web] listen, in the links e-mailed too
        config = replace(config, web=replace(config.web, listen=listen))
    check_reachable(config, host, port)
    sock = _bound_socket(host, port)
    try:
        server = waitress.create_server(
            create_app(config, clock=clock),
            sockets=[sock],
            threads=THREADS,
            ident="Identity Watch",
            url_scheme="https" if config.web.secure else "http",
            max_request_body_size=guard.MAX_REQUEST_BYTES,
            # A body up to the cap stays in memory: waitress would spool a larger one (over 512 KB by
            # default) to a temporary file, and an uploaded photo is written nowhere.
            inbuf_overflow=guard.MAX_REQUEST_BYTES + 65536,
            clear_untrusted_proxy_headers=False,  # guard.TrustedProxies does it, by [web] trusted_proxies
        )
    except BaseException:
        sock.close()
        raise
    served = WebServer(server)
    if config.web.secure and not config.web.trusted_proxies:
        # https in front of a server that speaks http: a reverse proxy. Without trusting it, every
        # visitor has its address, and the per-client throttle counts the whole district as one.
        log.warning(
            "web front: [web] base_url is https but [web] trusted_proxies is empty;"
            " set it to the reverse proxy's address"
        )
    log.info("web front: serving on %s (public address %s)", served.url, config.web.base_url or served.url)
    return served


def _bound_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), bound here rather than in waitress: a failed bind there leaves
    its half-made server's pipe and socket open."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot serve the web front on {_address(host, port)}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise ConfigError(f"cannot serve the web front on {_address(host, port)}: {reason}") from None
    return sock


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as (host, port); ``ConfigError`` otherwise."""
    host, _, port = listen.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or int(port) > 65535 or any(c.isspace() for c in host):
        raise ConfigError(f"--listen {listen!r} must be HOST:PORT, e.g. 127.0.0.1:8080")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_reachable(config: Config, host: str, port: int) -> None:
    """Listening where other machines reach it needs ``[web] base_url``: the address in e-mailed links
    and the https that makes session cookies Secure come from it, not from the listening socket."""
    if not is_loopback(host) and not config.web.base_url:
        raise ConfigError(
            f"{_address(host, port)} is reachable from other machines: set [web] base_url to the address people "
            "use (e.g. https://watch.district.example, behind your reverse proxy), or listen on 127.0.0.1"
        )


def serve_until_stopped(
    server: WebServer, stop: threading.Event | None = None, *, tick: Callable[[], None] | None = None
) -> None:
    """Serve until SIGTERM, Ctrl-C or ``stop`` is set, calling ``tick`` about every half second
    meanwhile (the demo shows new e-mails); then close the server."""
    stop = stop or threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    server.start()
    try:
        while not stop.wait(0.5):  # a timeout, so that signal handlers run promptly
            if tick is not None:
                tick()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
        log.info("web front: stopped")


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
