"""A local stand-in for Bluesky's public AppView, for the demo and the tests.

It speaks the real API shapes (``app.bsky.actor.searchActors`` with ``q``,
``limit`` and ``cursor``; ``app.bsky.actor.getProfile`` by handle or DID; XRPC JSON errors,
among them the AppView's 400s for an unknown, taken-down or deactivated actor) and
serves avatar images, on 127.0.0.1 only, optionally under a path prefix.

Search matches as Bluesky's does (see ``search_rules``): by default like its search service
(every query word, whole, over handle, display name and description); with
``search="handles"`` like the AppView as published without one (a case-sensitive substring of
the handle).

Tests remove an actor by taking it out of ``actors``, or add its DID to ``taken_down`` or
``deactivated``: such actors drop out of search, and getProfile answers as the AppView does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any

from watcher.demo.search_rules import every_word, handle_substring, typeahead
from watcher.demo.server import LocalServer, send_json

MAX_LIMIT = 100


class FakeAppView(LocalServer):
    """``actors`` are profileViews whose ``avatar`` may be a path on this server (``/img/x.jpg``)."""

    def __init__(
        self,
        actors: Iterable[dict[str, Any]],
        images: dict[str, bytes] | None = None,
        prefix: str = "/bsky",
        search: str = "service",
    ) -> None:
        super().__init__(images)
        if search not in ("service", "handles"):
            raise ValueError("search must be 'service' or 'handles'")
        self.search = search
        self.actors = list(actors)
        self.prefix = prefix.rstrip("/")
        self.taken_down: set[str] = set()  # DIDs removed by moderation
        self.deactivated: set[str] = set()  # DIDs their owners deactivated

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def route(self, request: BaseHTTPRequestHandler, path: str, params: dict[str, list[str]]) -> bool:
        if path == f"{self.prefix}/xrpc/app.bsky.actor.searchActors":
            self._search(request, params)
        elif path == f"{self.prefix}/xrpc/app.bsky.actor.searchActorsTypeahead":
            self._typeahead(request, params)
        elif path == f"{self.prefix}/xrpc/app.bsky.actor.getProfile":
            self._get_profile(request, params)
        elif path.startswith(f"{self.prefix}/xrpc/"):
            send_json(request, 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})
        else:
            return False
        return True

    def _search(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        found = self._found(request, params, 25, every_word, ("displayName", "handle", "description"))
        if found is None:
            return
        hits, limit, offset = found
        body: dict[str, Any] = {"actors": [self._view(a) for a in hits[offset : offset + limit]]}
        if offset + limit < len(hits):
            body["cursor"] = str(offset + limit)
        send_json(request, 200, body)

    def _typeahead(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        """``searchActorsTypeahead``: ``q`` (or ``term``), ``limit`` 1..100 (default 10), no cursor."""
        found = self._found(request, params, 10, typeahead, ("displayName", "handle"))
        if found is None:
            return
        hits, limit, _offset = found
        basic = ("did", "handle", "displayName", "avatar", "labels", "createdAt")  # a profileViewBasic: no bio
        actors = [{k: v for k, v in self._view(a).items() if k in basic} for a in hits[:limit]]
        send_json(request, 200, {"actors": actors})

    def _found(
        self,
        request: BaseHTTPRequestHandler,
        params: dict[str, list[str]],
        default_limit: int,
        matcher: Callable[..., list[dict[str, Any]]],
        fields: tuple[str, ...],
    ) -> tuple[list[dict[str, Any]], int, int] | None:
        """The visible actors ``q`` (or ``term``) finds, ``limit`` and ``cursor``; None once a 400 is sent."""
        query = (params.get("q") or params.get("term") or [""])[0]
        try:
            limit = int((params.get("limit") or [str(default_limit)])[0])
            offset = int((params.get("cursor") or ["0"])[0])
        except ValueError:
            send_json(request, 400, {"error": "InvalidRequest", "message": "Invalid limit or cursor"})
            return None
        if not 1 <= limit <= MAX_LIMIT:
            send_json(request, 400, {"error": "InvalidRequest", "message": f"limit must be 1..{MAX_LIMIT}"})
            return None
        visible = [a for a in self.actors if a.get("did") not in self.taken_down | self.deactivated]
        if self.search == "handles":
            return handle_substring(visible, query, "handle"), limit, offset
        return matcher(visible, query, fields, "handle"), limit, offset

    def _get_profile(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        actor_id = (params.get("actor") or [""])[0]
        for actor in self.actors:
            if actor_id in (actor.get("did"), actor.get("handle")):
                if actor.get("did") in self.taken_down:
                    return send_json(
                        request, 400, {"error": "AccountTakedown", "message": "Account has been suspended"}
                    )
                if actor.get("did") in self.deactivated:
                    return send_json(request, 400, {"error": "AccountDeactivated", "message": "Account is deactivated"})
                detailed = self._view(actor) | {"followersCount": 0, "followsCount": 0, "postsCount": 0}
                return send_json(request, 200, detailed)
        send_json(request, 400, {"error": "InvalidRequest", "message": "Profile not found"})

    def _view(self, actor: dict[str, Any]) -> dict[str, Any]:
        view = dict(actor)
        for key in ("avatar", "banner"):
            if key in view:
                view[key] = self.absolute(view[key])
        return view
