"""A local stand-in for one Mastodon server's public API, for the demo and the tests.

Real shapes: ``GET /api/v1/directory?local=true&order=new&limit=≤80&offset=…`` (public: the
accounts that opted in to the directory), ``GET /api/v2/search?q=…&type=accounts&limit=≤40`` (anonymous callers get one
page: ``offset`` or ``resolve=true`` without a token is a 401), ``GET /api/v1/accounts/lookup``
and ``GET /api/v1/accounts/:id`` (404 ``Record not found``; a suspended account is an empty
Account with ``suspended: true``, as Mastodon 3.3+ shows it), Account objects with HTML
``note``s, the server's default ``missing.png`` avatar, and ``X-RateLimit-*`` headers whose
reset is an ISO 8601 time.

Search matches as Mastodon's database search does (see ``search_rules``): the query as one
phrase of word prefixes, in order, over display name, username and domain; accents count.

Tests remove an account by taking it out of ``accounts``, or suspend it by adding its id to
``suspended`` (it then drops out of search).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from watcher.demo.search_rules import phrase_prefix
from watcher.demo.server import LocalServer, send_json

MAX_LIMIT = 40
MAX_DIRECTORY = 80
LIMIT_PER_WINDOW = 300
MISSING_AVATAR = "/avatars/original/missing.png"


class FakeMastodon(LocalServer):
    """``accounts`` are Account objects; ``avatar`` may be a path on this server or None (default)."""

    def __init__(
        self, accounts: Iterable[dict[str, Any]], images: dict[str, bytes] | None = None, prefix: str = ""
    ) -> None:
        super().__init__(images)
        self.accounts = list(accounts)
        self.prefix = prefix.rstrip("/")
        self.token: str | None = None  # a token that unlocks paging, when a test sets one
        self.suspended: set[str] = set()  # ids of accounts the server's moderators suspended
        self.limit_per_window = LIMIT_PER_WINDOW  # requests per 5 minutes, as Mastodon's default
        self._window_start = datetime.now(UTC)
        self._used = 0

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def route(self, request: BaseHTTPRequestHandler, path: str, params: dict[str, list[str]]) -> bool:
        if path == f"{self.prefix}/api/v2/search":
            self._search(request, params)
        elif path == f"{self.prefix}/api/v1/directory":
            self._directory(request, params)
        elif path == f"{self.prefix}/api/v1/accounts/lookup":
            self._lookup(request, params)
        elif path.startswith(f"{self.prefix}/api/v1/accounts/") and path.count("/") == self.prefix.count("/") + 4:
            self._account(request, path.rsplit("/", 1)[1])
        else:
            return False
        return True

    def _limit_headers(self) -> dict[str, str]:
        now = datetime.now(UTC)
        if now - self._window_start > timedelta(minutes=5):
            self._window_start, self._used = now, 0
        self._used += 1
        reset = (self._window_start + timedelta(minutes=5)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "X-RateLimit-Limit": str(self.limit_per_window),
            "X-RateLimit-Remaining": str(max(0, self.limit_per_window - self._used)),
            "X-RateLimit-Reset": reset,
        }

    def _search(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        headers = self._limit_headers()
        authorised = self.token is not None and request.headers.get("Authorization") == f"Bearer {self.token}"
        offset = int((params.get("offset") or ["0"])[0] or 0)
        if not authorised and (params.get("offset") or (params.get("resolve") or [""])[0] == "true"):
            message = "Search queries pagination is not supported without authentication"
            if not params.get("offset"):
                message = "Search queries that resolve remote resources are not supported without authentication"
            return send_json(request, 401, {"error": message}, headers)
        try:
            limit = min(MAX_LIMIT, int((params.get("limit") or ["20"])[0]))
        except ValueError:
            return send_json(request, 400, {"error": "Invalid limit"}, headers)
        query = (params.get("q") or [""])[0]
        visible = [a for a in self.accounts if a["id"] not in self.suspended]
        searchable = [a | {"domain": a["acct"].partition("@")[2]} for a in visible]  # copies, with the domain
        by_id = {a["id"]: a for a in visible}
        found = phrase_prefix(searchable, query, ("display_name", "username", "domain"), "acct")
        hits = [by_id[a["id"]] for a in found]
        page = hits[offset : offset + limit]
        send_json(request, 200, {"accounts": [self._view(a) for a in page], "statuses": [], "hashtags": []}, headers)

    def _directory(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        """The profile directory: accounts that opted in (``discoverable``), not suspended; ``local``
        keeps this server's own; ``order=new`` newest first (else most recently active, here the same)."""
        headers = self._limit_headers()
        try:
            limit = min(MAX_DIRECTORY, int((params.get("limit") or ["40"])[0]))
            offset = int((params.get("offset") or ["0"])[0])
        except ValueError:
            return send_json(request, 422, {"error": "Validation failed"}, headers)
        local = (params.get("local") or [""])[0] in ("true", "1")
        listed = [
            a
            for a in self.accounts
            if a.get("discoverable") is True and a["id"] not in self.suspended and not (local and "@" in a["acct"])
        ]
        listed.sort(key=lambda a: int(a["id"]), reverse=True)
        send_json(request, 200, [self._view(a) for a in listed[offset : offset + limit]], headers)

    def _lookup(self, request: BaseHTTPRequestHandler, params: dict[str, list[str]]) -> None:
        headers = self._limit_headers()
        acct = (params.get("acct") or [""])[0].lstrip("@").lower()
        for account in self.accounts:
            if acct in (account["acct"].lower(), f"{account['username'].lower()}@{self.host}"):
                return send_json(request, 200, self._view(account), headers)
        send_json(request, 404, {"error": "Record not found"}, headers)

    def _account(self, request: BaseHTTPRequestHandler, account_id: str) -> None:
        headers = self._limit_headers()
        for account in self.accounts:
            if account["id"] == account_id:
                return send_json(request, 200, self._view(account), headers)
        send_json(request, 404, {"error": "Record not found"}, headers)

    def _view(self, account: dict[str, Any]) -> dict[str, Any]:
        if account["id"] in self.suspended:
            return self._suspended_view(account)
        view = dict(account)
        avatar = self.absolute(view.get("avatar")) or self.origin + MISSING_AVATAR
        view["avatar"] = view["avatar_static"] = avatar
        header = self.absolute(view.get("header")) or self.origin + "/headers/original/missing.png"
        view["header"] = view["header_static"] = header
        view.setdefault("url", f"{self.origin}/@{view['acct']}")
        return view

    def _suspended_view(self, account: dict[str, Any]) -> dict[str, Any]:
        """What Mastodon shows of a suspended account: who it was, nothing it said."""
        return {
            "id": account["id"],
            "username": account["username"],
            "acct": account["acct"],
            "display_name": "",
            "locked": False,
            "bot": False,
            "discoverable": None,
            "group": False,
            "created_at": account.get("created_at"),
            "note": "",
            "url": f"{self.origin}/@{account['acct']}",
            "avatar": self.origin + MISSING_AVATAR,
            "avatar_static": self.origin + MISSING_AVATAR,
            "header": self.origin + "/headers/original/missing.png",
            "header_static": self.origin + "/headers/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": 0,
            "suspended": True,
            "emojis": [],
            "fields": [],
        }


def account(
    number: int, username: str, display_name: str, note: str = "", avatar: str | None = None, **extra: Any
) -> dict[str, Any]:
    """An Account object as a Mastodon server returns it (local account: ``acct`` == username)."""
    return {
        "id": str(109_000_000_000 + number),
        "username": username,
        "acct": extra.pop("acct", username),
        "display_name": display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2025-09-01T00:00:00.000Z",
        "note": note,
        "avatar": avatar,
        "header": None,
        "followers_count": 12,
        "following_count": 30,
        "statuses_count": 40,
        "fields": [],
        "emojis": [],
        **extra,
    }
