"""Mastodon: one ``[[sources]]`` entry per server, searched through its public API.

Anonymous account search (Mastodon 4.0+) gives one page of the accounts that server
already knows: ``offset`` or ``resolve`` without a token get a 401, so neither is sent
then. With a token, search pages with ``offset`` up to ``max_pages``.

Options of the entry:

- ``token_env``: the name of an environment variable holding an access token;
- ``account_domain``: the domain in this server's handles when it is not the API host
  (``example.com`` for a server at ``social.example.com``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup

from sources.base import JSON, NAME, Profile, clean_line, clean_text, name_query_kinds, read_token, web_url
from sources.http import HttpClient, Rate, Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ConfigError, ParseError, SourceBlocked, SourceError

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 40
# What a server shows for an account that never uploaded an avatar or header.
DEFAULT_AVATAR = "/avatars/original/missing.png"
DEFAULT_HEADER = "/headers/original/missing.png"


class MastodonSource:
    # Mastodon's default limit: 300 API requests per 5 minutes per IP, in small bursts.
    default_rate = Rate(300, 300, burst=5)
    query_kinds = frozenset({NAME})  # search matches usernames too; probe_handles = true adds lookups

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.query_kinds = name_query_kinds(config)
        base = config.base_url.rstrip("/")
        self.search_url = f"{base}/api/v2/search"
        self.lookup_url = f"{base}/api/v1/accounts/lookup"
        self.accounts_url = f"{base}/api/v1/accounts"
        domain = config.options.get("account_domain")
        if domain is not None and (not isinstance(domain, str) or not domain.strip()):
            raise ConfigError(f"source {config.name!r}: account_domain must be a domain name")
        self.domain = (domain or urlsplit(base).hostname or "").strip().lower()
        token = read_token(config)
        self.authenticated = token is not None
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def search(self, query: str) -> Iterator[Profile]:
        """Accounts matching ``query``: one page anonymously, up to ``max_pages`` with a token."""
        limit = min(self.config.page_size, MAX_PAGE_SIZE)
        pages = max(1, self.config.max_pages) if self.authenticated else 1
        seen: set[str] = set()
        for page in range(pages):
            params: dict[str, Any] = {"q": query, "type": "accounts", "limit": limit}
            if page:
                params["offset"] = page * limit
            body = self.http.get_json(self.search_url, params, headers=self.headers)
            accounts = body.get("accounts") if isinstance(body, dict) else None
            if not isinstance(accounts, list):
                raise ParseError(f"{self.name}: search answer has no 'accounts' list")
            fresh = 0
            for account in accounts:
                account_id = _account_id(account)
                if account_id is None or account_id in seen:
                    continue
                seen.add(account_id)
                fresh += 1
                profile = self.to_profile(account)
                if profile is not None:
                    yield profile
            if len(accounts) < limit or not fresh:
                return

    def lookup(self, handle: str) -> Profile | None:
        """``accounts/lookup``: a JSON 404 means missing; an opted-out account is not shown either."""
        acct = handle.strip().lstrip("@")
        response = self.http.get(self.lookup_url, {"acct": acct}, headers=self.headers)
        if response.status == 404 and _is_json_error(response):
            return None
        check_status(response)
        body = response.json()
        if _account_id(body) is None or not isinstance(body.get("acct"), str):
            raise ParseError(f"{self.name}: accounts/lookup answer is not an account")
        if body.get("suspended") is True:
            return None
        profile = self.to_profile(body, raw=response.text)
        if profile is None and body.get("discoverable") is not False:
            raise ParseError(f"{self.name}: accounts/lookup answer is not a usable account")
        return profile

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account: ``GET /api/v1/accounts/:id`` (public).

        Gone: a JSON 404 ``Record not found`` (deleted), a JSON 410 (older servers' suspension),
        or an account with ``suspended: true`` (Mastodon 3.3+ shows suspended accounts empty).
        An account that turned ``discoverable: false`` still exists: unknown, not gone.
        """
        response = self.http.get(f"{self.accounts_url}/{quote(platform_id, safe='')}", headers=self.headers)
        if response.status in (404, 410) and _is_json_error(response):
            return None
        check_status(response)
        body = response.json()
        if _account_id(body) != platform_id or not isinstance(body.get("acct"), str):
            raise ParseError(f"{self.name}: accounts/:id answer is not the account asked for")
        if body.get("suspended") is True:
            return None
        profile = self.to_profile(body, raw=response.text)
        if profile is not None:
            return profile
        if body.get("discoverable") is False:
            raise SourceBlocked(f"{self.name}: @{clean_line(handle)} is no longer discoverable; not shown")
        raise ParseError(f"{self.name}: accounts/:id answer is not a usable account")

    def to_profile(self, account: Any, *, raw: str | None = None) -> Profile | None:
        """Turn an ``Account`` into a Profile; None for unusable, suspended or non-discoverable accounts.

        ``raw``: the answer as fetched; by default the Account itself, as JSON text.
        """
        account_id = _account_id(account)
        if account_id is None or account.get("discoverable") is False or account.get("suspended") is True:
            return None
        acct = clean_line(account.get("acct")).lower()
        user, at, domain = acct.partition("@")
        if not user or " " in acct or "@" in domain or (at and not domain):
            return None
        handle = acct if at else f"{user}@{self.domain}"
        avatar = _image(account.get("avatar_static"), DEFAULT_AVATAR) or _image(account.get("avatar"), DEFAULT_AVATAR)
        banner = _image(account.get("header_static"), DEFAULT_HEADER) or _image(account.get("header"), DEFAULT_HEADER)
        return Profile(
            source=self.name,
            platform_id=account_id,
            handle=handle,
            display_name=clean_line(account.get("display_name")),
            description=html_to_text(account.get("note")),
            avatar_url=avatar,
            profile_url=web_url(account.get("url")) or "",
            labels=("bot",) if account.get("bot") is True else (),
            banner_url=banner,
            links=field_links(account.get("fields")),
            raw=raw if raw is not None else json.dumps(account, ensure_ascii=False),
            raw_type=JSON,
        )


def html_to_text(html: Any) -> str:
    """Mastodon's HTML (a note, a field value) as plain text, one line per ``<br>`` or paragraph."""
    if not isinstance(html, str) or not html:
        return ""
    soup = _soup(html)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.append("\n")
    return clean_text(soup.get_text())


def field_links(fields: Any) -> tuple[str, ...]:
    """Links a profile shows in its fields: each ``<a href>``, or a value that is a bare URL."""
    links: list[str] = []
    for item in fields if isinstance(fields, list) else []:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        soup = _soup(value)
        anchors = soup.find_all("a")
        candidates = [a.get("href") for a in anchors] if anchors else [soup.get_text().strip()]
        for candidate in candidates:
            url = web_url(candidate)
            if url and url not in links:
                links.append(url)
    return tuple(links)


def _image(value: Any, default_path: str) -> str | None:
    url = web_url(value)
    if url is None or urlsplit(url).path.endswith(default_path):
        return None
    return url


def _account_id(account: Any) -> str | None:
    """The account's id as a string, or None when there is no usable one."""
    if not isinstance(account, dict):
        return None
    value = account.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or clean_line(value) != value or " " in value:
        return None
    return value


def _soup(html: str) -> BeautifulSoup:
    # Wrapped so that bs4 never mistakes a bare URL or file name for a locator and warns.
    soup = BeautifulSoup(f"<div>{html}</div>", "html.parser")
    for tag in soup.find_all(["script", "style", "template"]):
        tag.decompose()
    return soup


def _is_json_error(response: Response) -> bool:
    """Whether an error answer came from the API (a JSON error), not a proxy or a wrong base_url."""
    try:
        body = response.json()
    except SourceError:
        return False
    return isinstance(body, dict) and "error" in body
