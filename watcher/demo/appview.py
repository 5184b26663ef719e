"""A local stand-in for Bluesky's public AppView, for the demo and the tests.

It speaks the real API shapes (``app.bsky.actor.searchActors`` with ``q``,
``limit`` and ``cursor``; ``app.bsky.actor.getProfile``; XRPC JSON errors) and
serves avatar images, on 127.0.0.1 only, optionally under a path prefix.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from watcher.matching.names import fold

MAX_LIMIT = 100


class FakeAppView:
    """``actors`` are profileViews whose ``avatar`` may be a path on this server (``/img/x.jpg``)."""

    def __init__(
        self, actors: Iterable[dict[str, Any]], images: dict[str, bytes] | None = None, prefix: str = "/bsky"
    ) -> None:
        self.actors = list(actors)
        self.images = dict(images or {})
        self.prefix = prefix.rstrip("/")
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def start(self) -> FakeAppView:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                app.requests.append(self.path)
                app.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-appview", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAppView:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- request handling -------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        params = parse_qs(url.query)
        if url.path.startswith("/img/") and url.path in self.images:
            data = self.images[url.path]
            ctype = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
            return _send(request, 200, data, ctype)
        if url.path == f"{self.prefix}/xrpc/app.bsky.actor.searchActors":
            return self._search(request, params)
        if url.path == f"{self.prefix}/xrpc/app.bsky.actor.getProfile":
            return self._get_profile(request, params)
        _send_json(request, 404, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def _search(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        query = (params.get("q") or params.get("term") or [""])[0]
        try:
            limit = int((params.get("limit") or ["25"])[0])
            offset = int((params.get("cursor") or ["0"])[0])
        except ValueError:
            return _send_json(request, 400, {"error": "InvalidRequest", "message": "Invalid limit or cursor"})
        if not 1 <= limit <= MAX_LIMIT:
            return _send_json(request, 400, {"error": "InvalidRequest", "message": f"limit must be 1..{MAX_LIMIT}"})
        hits = self.search(query)
        page = hits[offset : offset + limit]
        body: dict[str, Any] = {"actors": [self._view(a) for a in page]}
        if offset + limit < len(hits):
            body["cursor"] = str(offset + limit)
        _send_json(request, 200, body)

    def search(self, query: str) -> list[dict[str, Any]]:
        """Actors sharing a word (3+ letters) with the query, best first: roughly what the AppView does."""
        words = [w for w in fold(query).split() if len(w) >= 3]
        scored = []
        for index, actor in enumerate(self.actors):
            text = fold(" ".join([actor.get("displayName", ""), actor.get("handle", ""), actor.get("description", "")]))
            handle = fold(actor.get("handle", "")).replace(" ", "")
            hits = sum(1 for w in words if f" {w} " in f" {text} " or w in handle)
            if hits:
                scored.append((-hits, index, actor))
        return [actor for _, _, actor in sorted(scored, key=lambda t: (t[0], t[1]))]

    def _get_profile(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        actor_id = (params.get("actor") or [""])[0]
        for actor in self.actors:
            if actor_id in (actor.get("did"), actor.get("handle")):
                detailed = self._view(actor) | {"followersCount": 0, "followsCount": 0, "postsCount": 0}
                return _send_json(request, 200, detailed)
        _send_json(request, 400, {"error": "InvalidRequest", "message": "Profile not found"})

    def _view(self, actor: dict[str, Any]) -> dict[str, Any]:
        view = dict(actor)
        avatar = view.get("avatar")
        if isinstance(avatar, str) and avatar.startswith("/"):
            view["avatar"] = self.origin + avatar
        return view


def _send_json(request: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    _send(request, status, json.dumps(body).encode(), "application/json; charset=utf-8")


def _send(request: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str) -> None:
    request.send_response(status)
    request.send_header("Content-Type", ctype)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
