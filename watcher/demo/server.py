"""A small threaded HTTP server on 127.0.0.1, the base of the demo's platform stand-ins.

It serves images (with ETag and 304 Not Modified, as CDNs do) and keeps a log of every
request with its time, so tests can check politeness from the server's side.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class LocalServer:
    def __init__(self, images: dict[str, bytes] | None = None, host: str = "127.0.0.1") -> None:
        self.images = dict(images or {})
        self.host = host
        self.requests: list[str] = []  # paths with query, in order
        self.request_times: list[float] = []  # time.monotonic() of each request
        self.not_modified = 0  # image requests answered 304
        self._server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalServer:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                app.requests.append(self.path)
                app.request_times.append(time.monotonic())
                url = urlsplit(self.path)
                params = parse_qs(url.query)
                if url.path.startswith("/img/") and url.path in app.images:
                    return app._image(self, app.images[url.path])
                if not app.route(self, url.path, params):
                    send_json(self, 404, {"error": "Not Found"})

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        # A short poll: stopping waits for it, and tests start and stop hundreds of servers.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, name=type(self).__name__, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def route(self, request: BaseHTTPRequestHandler, path: str, params: dict[str, list[str]]) -> bool:
        """Answer a request; False when this server has nothing at ``path``."""
        return False

    def absolute(self, url: str | None) -> str | None:
        """Paths on this server (``/img/x.jpg``) as absolute URLs."""
        return self.origin + url if isinstance(url, str) and url.startswith("/") else url

    def _image(self, request: BaseHTTPRequestHandler, data: bytes) -> None:
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            return
        ctype = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
        send(request, 200, data, ctype, {"ETag": etag})


def send_json(request: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    send(request, status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)


def send(
    request: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
) -> None:
    request.send_response(status)
    request.send_header("Content-Type", ctype)
    request.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(data)
