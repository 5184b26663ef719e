"""GitHub's REST API: user search by name, then each user's profile for name, bio and links.

Search items carry only login, id, avatar and page URL; name, bio and links come from
``/users/{login}``, one request each, so at most ``detail_limit`` of them per query (the
unauthenticated limit is 60 requests an hour). Search has its own, smaller budget.

Options of the entry:

- ``token_env``: the name of an environment variable holding a token;
- ``detail_limit``: profiles fetched per query (default 10); later items come from the
  search item alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from sources.base import JSON, NAME, Profile, clean_line, clean_text, name_query_kinds, read_token, web_url
from sources.http import HttpClient, Rate, Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ConfigError, ParseError, RateLimited, SourceError, SourceUnavailable

API_VERSION = "2022-11-28"
MAX_PAGE_SIZE = 100
MAX_RESULTS = 1000  # search never gives more than this many results
DEFAULT_DETAIL_LIMIT = 10
# GitHub logins: letters, digits and hyphens, at most 39 (some old ones end with a hyphen).
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
TWITTER_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
SEARCH_RATE = Rate(10, 60)
SEARCH_RATE_WITH_TOKEN = Rate(30, 60)


class GitHubSource:
    # Without a token GitHub allows 60 requests an hour per IP. An entry with a token should
    # set rate_limit = "5000/1h" (the registry then uses it instead of this default).
    default_rate = Rate(60, 3600, burst=10)
    # Handle probes spend the 60-an-hour budget on logins that are mostly namesakes;
    # probe_handles = true turns them on (sensible with a token).
    query_kinds = frozenset({NAME})

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.query_kinds = name_query_kinds(config)
        base = config.base_url.rstrip("/")
        self.search_url = f"{base}/search/users"
        self.users_url = f"{base}/users"
        self.user_by_id_url = f"{base}/user"
        detail_limit = config.options.get("detail_limit", DEFAULT_DETAIL_LIMIT)
        if not isinstance(detail_limit, int) or isinstance(detail_limit, bool) or detail_limit < 0:
            raise ConfigError(f"source {config.name!r}: detail_limit must be a whole number, 0 or more")
        self.detail_limit = detail_limit
        token = read_token(config)
        self.headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        # Search has a budget of its own, on top of the host's.
        parts = urlsplit(base)
        search_prefix = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}/search/"
        http.limit(search_prefix, SEARCH_RATE_WITH_TOKEN if token else SEARCH_RATE)

    def search(self, query: str) -> Iterator[Profile]:
        """Users whose name matches; the first ``detail_limit`` with their full profile."""
        per_page = min(self.config.page_size, MAX_PAGE_SIZE)
        seen: set[str] = set()
        details = 0
        for page in range(1, max(1, self.config.max_pages) + 1):
            params = {"q": f"{query} in:name", "per_page": per_page, "page": page}
            body = self._json(self._get(self.search_url, params))
            items = body.get("items") if isinstance(body, dict) else None
            total = body.get("total_count") if isinstance(body, dict) else None
            if not isinstance(items, list) or not isinstance(total, int):
                raise ParseError(f"{self.name}: search answer has no 'items' list or 'total_count'")
            if not items and body.get("incomplete_results") is True:
                raise SourceUnavailable(f"{self.name}: search timed out at GitHub (incomplete results)")
            fresh = 0
            for item in items:
                brief = self.to_profile(item)
                if brief is None or brief.platform_id in seen:
                    continue
                seen.add(brief.platform_id)
                fresh += 1
                if details < self.detail_limit:
                    details += 1
                    full = self._user(item["login"])  # as GitHub spells it
                    if full is not None:  # None: the account went away since the search
                        yield full
                else:
                    yield brief
            if not fresh or len(items) < per_page or page * per_page >= min(total, MAX_RESULTS):
                return

    def lookup(self, handle: str) -> Profile | None:
        """``/users/{login}``; a handle GitHub's rules rule out cannot exist, so it is None unasked."""
        login = handle.strip().lstrip("@")
        if not LOGIN.fullmatch(login):
            return None
        return self._user(login)

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account by its numeric id, ``/user/{id}`` (a login can be renamed or
        taken by someone else; the id stays). None only on GitHub's own JSON 404."""
        if platform_id.isdigit() and platform_id.isascii():
            profile = self._user_at(f"{self.user_by_id_url}/{platform_id}")
            if profile is not None and profile.platform_id != platform_id:
                raise ParseError(f"{self.name}: /user/{platform_id} answered with another user")
            return profile
        login = handle.strip().lstrip("@")
        if not LOGIN.fullmatch(login):
            raise ParseError(f"{self.name}: cannot re-check {clean_line(login)!r}: neither an id nor a login")
        return self._user(login)

    def to_profile(self, user: Any, *, raw: str | None = None) -> Profile | None:
        """Turn a user (full, or a search item without name and bio) into a Profile; None if unusable.

        ``raw``: the answer as fetched; by default the user object itself, as JSON text.
        """
        if not isinstance(user, dict):
            return None
        user_id, login = user.get("id"), user.get("login")
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
            return None
        if not isinstance(login, str) or not LOGIN.fullmatch(login):
            return None
        bio, company = clean_text(user.get("bio")), clean_line(user.get("company"))
        account_type = clean_line(user.get("type")).lower()
        return Profile(
            source=self.name,
            platform_id=str(user_id),
            handle=login.lower(),
            display_name=clean_line(user.get("name")),
            description=clean_text("\n".join(part for part in (bio, company) if part)),
            avatar_url=web_url(user.get("avatar_url")),
            profile_url=web_url(user.get("html_url")) or "",
            labels=(account_type,) if account_type in ("organization", "bot") else (),
            links=_links(user.get("blog"), user.get("twitter_username")),
            raw=raw if raw is not None else json.dumps(user, ensure_ascii=False),
            raw_type=JSON,
        )

    def _user(self, login: str) -> Profile | None:
        return self._user_at(f"{self.users_url}/{quote(login, safe='')}")

    def _user_at(self, url: str) -> Profile | None:
        response = self._get(url)
        if response.status == 404 and _is_json_message(response):
            return None
        profile = self.to_profile(self._json(response), raw=response.text)
        if profile is None:
            raise ParseError(f"{self.name}: /users answer is not a user")
        return profile

    def _get(self, url: str, params: Any = None) -> Response:
        response = self.http.get(url, params, headers=self.headers)
        if response.status in (403, 429) and (
            response.headers.get("x-ratelimit-remaining") == "0" or response.headers.get("retry-after")
        ):
            # Primary limit (nothing remaining): the HTTP layer has paused the host until the reset.
            # Secondary limit (Retry-After on a 403): not paused there, but this scan stops the source.
            host = urlsplit(response.url).netloc
            raise RateLimited(f"{host}: rate limit reached (HTTP {response.status}: {response.error_text()})")
        return response

    def _json(self, response: Response) -> Any:
        check_status(response)
        return response.json()


def _links(blog: Any, twitter_username: Any) -> tuple[str, ...]:
    links: list[str] = []
    if isinstance(blog, str) and blog.strip():
        blog = blog.strip()
        # The field is free text: github.com links a bare domain too; other schemes are dropped.
        url = web_url(blog if "://" in blog or ":" in blog else f"https://{blog}")
        if url:
            links.append(url)
    if isinstance(twitter_username, str) and TWITTER_USERNAME.fullmatch(twitter_username):
        links.append(f"https://x.com/{twitter_username}")
    return tuple(links)


def _is_json_message(response: Response) -> bool:
    """Whether an error answer came from the API (``{"message": …}``), not a proxy or a wrong base_url."""
    try:
        body = response.json()
    except SourceError:
        return False
    return isinstance(body, dict) and "message" in body
