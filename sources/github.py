"""GitHub's REST API: user search by name, then each user's profile for name, bio and links.

Search items carry only login, id, avatar and page URL; name, bio and links come from
``/users/{login}``, one request each, so at most ``detail_limit`` of them per query (the
unauthenticated limit is 60 requests an hour).

What GitHub publishes, and what this adapter does about it:

- ``/search/users`` does not accept authentication (GitHub's OpenAPI description of
  ``search/users``): the token is never sent there, and search keeps the unauthenticated budget
  of 10 a minute with or without one. ``/users/{login}`` and ``/user/{id}`` carry the token.
- Rate limits ("Rate limits for the REST API"): over a primary or a secondary limit GitHub
  answers 403 or 429; a secondary one says so in its message and often has no ``retry-after``.
  Nothing more is asked of the host until ``retry-after`` or ``x-ratelimit-reset`` says, or for a
  minute when neither does; meanwhile every call raises ``RateLimited`` without asking.
- Suspended accounts (``suspended_at`` set) are not there: skipped in search, None otherwise.
- Bots (``type: "Bot"``, logins ending ``[bot]``) are GitHub Apps, not people: skipped with an
  INFO line naming the login.

Options of the entry:

- ``token_env``: the name of an environment variable holding a token;
- ``detail_limit``: profiles fetched per query (default 10); later items come from the
  search item alone.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sources.base import (
    JSON,
    NAME,
    Origin,
    Platform,
    SearchRule,
    count_option,
    name_query_kinds,
    origin,
    origins,
    read_token,
)
from sources.client import HttpClient
from sources.rate_limits import Rate
from sources.responses import Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ParseError, RateLimited, SourceError, SourceUnavailable
from watcher.models import Profile, ReportGuide
from watcher.text import clean_line, clean_text, raw_json, web_url

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
MAX_PAGE_SIZE = 100
MAX_RESULTS = 1000  # search never gives more than this many results
DEFAULT_DETAIL_LIMIT = 10
# GitHub logins: letters, digits and hyphens, at most 39 (some old ones end with a hyphen).
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
# A user's id is an int64 (GitHub's OpenAPI description: ``format: int64``).
MAX_USER_ID = 2**63 - 1
TWITTER_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
BOT_SUFFIX = "[bot]"  # a GitHub App's bot user, e.g. "dependabot[bot]"
# Why an account GitHub returned is skipped, as the log line says it.
BOT = "a bot (GitHub App) account, not a person"
SUSPENDED = "suspended by GitHub"
# Search is always anonymous, so always the anonymous search budget.
SEARCH_RATE = Rate(10, 60)
# Over a limit with no header saying how long: GitHub asks for at least a minute.
RATE_LIMIT_PAUSE = 60.0
# How GitHub's message names a secondary limit ("abuse detection" is its older name).
SECONDARY_LIMIT_WORDS = ("secondary rate limit", "abuse detection")


def profile_origins(config: SourceConfig, handle: str) -> frozenset[Origin]:
    """``github.com`` for ``api.github.com``, else the Enterprise server's own address."""
    base = origin(config.base_url)
    if base is None:
        return frozenset()
    return origins("https://github.com") if base[1] == "api.github.com" else frozenset({base})


class GitHubSource:
    # Without a token GitHub allows 60 requests an hour per IP. An entry with a token should
    # set rate_limit = "5000/1h" (the registry then uses it instead of this default).
    default_rate = Rate(60, 3600, burst=10)
    # Handle probes spend the 60-an-hour budget on logins that are mostly namesakes;
    # probe_handles = true turns them on (sensible with a token).
    query_kinds = frozenset({NAME})
    search_rule = SearchRule()  # ``in:name``: names only, words in any order
    # How to report an account here, and where profile pages live (sources/base.py Platform).
    platform = Platform(
        ReportGuide(
            'On the profile, choose "Block or report", then "Report abuse", and pick impersonation.',
            "the link to the profile; you report it while signed in to GitHub.",
            steps_es='En el perfil, elija "Block or report" (bloquear o denunciar), luego "Report abuse" (denunciar '
            "un abuso) y escoja la suplantación de identidad (impersonation).",
            needs_es="el enlace al perfil; la denuncia se hace con la sesión iniciada en GitHub.",
        ),
        profile_origins,
    )

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.query_kinds = name_query_kinds(config)
        base = config.base_url.rstrip("/")
        self.search_url = f"{base}/search/users"
        self.users_url = f"{base}/users"
        self.user_by_id_url = f"{base}/user"
        self.detail_limit = count_option(config, "detail_limit", DEFAULT_DETAIL_LIMIT)
        token = read_token(config)
        self.anonymous_headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        self.headers = dict(self.anonymous_headers)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        # Search has a budget of its own, on top of the host's.
        parts = urlsplit(base)
        search_prefix = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}/search/"
        http.limit(search_prefix, SEARCH_RATE)
        # Host → when (on the client's clock) GitHub may be asked again after a rate limit.
        # Kept here: the HTTP layer pauses a host only for headers it understands, and then
        # waits out pauses up to max_wait instead of refusing.
        self._held_until: dict[str, float] = {}

    def search(self, query: str) -> Iterator[Profile]:
        """Users whose name matches; the first ``detail_limit`` with their full profile."""
        per_page = min(self.config.page_size, MAX_PAGE_SIZE)
        seen: set[str] = set()
        details = 0
        for page in range(1, max(1, self.config.max_pages) + 1):
            params = {"q": f"{query} in:name", "per_page": per_page, "page": page}
            body = self._json(self._get(self.search_url, params, anonymous=True))
            items = body.get("items") if isinstance(body, dict) else None
            total = body.get("total_count") if isinstance(body, dict) else None
            if not isinstance(items, list) or not isinstance(total, int):
                raise ParseError(f"{self.name}: search answer has no 'items' list or 'total_count'")
            if not items and body.get("incomplete_results") is True:
                raise SourceUnavailable(f"{self.name}: search timed out at GitHub (incomplete results)")
            fresh = 0
            for item in items:
                user_id = _user_id(item, self.name)
                if user_id is None or user_id in seen:
                    continue
                seen.add(user_id)
                fresh += 1
                if self._skipped(item):
                    continue
                brief = self.to_profile(item)
                if brief is None:
                    continue
                if details < self.detail_limit:
                    details += 1
                    full = self._user(item["login"])  # as GitHub spells it
                    if full is not None:  # None: gone, suspended or a bot since the search
                        yield full
                else:
                    yield brief
            if not fresh or len(items) < per_page or page * per_page >= min(total, MAX_RESULTS):
                return

    def lookup(self, handle: str) -> Profile | None:
        """``/users/{login}``; a handle GitHub's rules rule out cannot exist, so it is None unasked.
        A suspended account or a bot is None too."""
        login = handle.strip().lstrip("@")
        if login.lower().endswith(BOT_SUFFIX):
            self._log_skip(login, BOT)
            return None
        if not LOGIN.fullmatch(login):
            return None
        return self._user(login)

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account by its numeric id, ``/user/{id}`` (a login can be renamed or
        taken by someone else; the id stays). None on GitHub's own JSON 404, for a suspended
        account and for a bot."""
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
        """Turn a user (full, or a search item without name and bio) into a Profile; None if
        unusable, suspended or a bot.

        ``raw``: the answer as fetched; by default the user object itself, as JSON text.
        """
        if not isinstance(user, dict) or _exclusion(user):
            return None
        user_id, login = _user_id(user, self.name), user.get("login")
        if user_id is None or not isinstance(login, str) or not LOGIN.fullmatch(login):
            return None
        bio, company = clean_text(user.get("bio")), clean_line(user.get("company"))
        account_type = clean_line(user.get("type")).lower()
        return Profile(
            source=self.name,
            platform_id=user_id,
            handle=login.lower(),
            display_name=clean_line(user.get("name")),
            description=clean_text("\n".join(part for part in (bio, company) if part)),
            avatar_url=web_url(user.get("avatar_url")),
            profile_url=web_url(user.get("html_url")) or "",
            labels=(account_type,) if account_type == "organization" else (),
            links=_links(user.get("blog"), user.get("twitter_username")),
            raw=raw if raw is not None else raw_json(user),
            raw_type=JSON,
        )

    def _skipped(self, user: Any) -> bool:
        """Whether GitHub's answer is no candidate (suspended, a bot); says why in the log."""
        reason = _exclusion(user) if isinstance(user, dict) else None
        if reason:
            self._log_skip(user.get("login"), reason)
        return reason is not None

    def _log_skip(self, login: Any, reason: str) -> None:
        log.info("%s: skipping @%s: %s", self.name, clean_line(login) or "?", reason)

    def _user(self, login: str) -> Profile | None:
        return self._user_at(f"{self.users_url}/{quote(login, safe='')}")

    def _user_at(self, url: str) -> Profile | None:
        response = self._get(url)
        if response.status == 404 and _is_json_message(response):
            return None
        user = self._json(response)
        if self._skipped(user):
            return None
        profile = self.to_profile(user, raw=response.text)
        if profile is None:
            raise ParseError(f"{self.name}: /users answer is not a user")
        return profile

    def _get(self, url: str, params: Any = None, *, anonymous: bool = False) -> Response:
        """One API request, unless GitHub's rate limit holds the host; a rate-limited answer
        holds it and raises ``RateLimited``."""
        host = urlsplit(url).netloc.lower()
        left = self._held_until.get(host, 0.0) - self.http.clock()
        if left > 0:
            raise RateLimited(f"{host}: rate limited by GitHub; waiting {left:.0f}s more before asking again")
        sent = len(self.http.request_times(url))
        try:
            response = self.http.get(url, params, headers=self.anonymous_headers if anonymous else self.headers)
        except RateLimited:
            if len(self.http.request_times(url)) > sent:
                # GitHub answered 429 and the HTTP layer gave up (it keeps any pause the headers
                # asked for); the answer never reaches us, so hold the host the minimum.
                self._hold(host, RATE_LIMIT_PAUSE)
            raise
        if response.status in (403, 429):
            wait = _rate_limit_wait(response, time.time())
            if wait is not None:
                self._hold(host, wait)
                raise RateLimited(
                    f"{host}: rate limit reached (HTTP {response.status}: {response.error_text()}); "
                    f"not asking again for {wait:.0f}s"
                )
        return response

    def _hold(self, host: str, seconds: float) -> None:
        until = self.http.clock() + seconds
        self._held_until[host] = max(self._held_until.get(host, 0.0), until)

    def _json(self, response: Response) -> Any:
        check_status(response)
        return response.json()


def _user_id(user: Any, source: str) -> str | None:
    """A user's numeric id as text, or None when it is missing or not a positive int64 (a larger one
    is logged: it is no GitHub id, and its digits would be stored whole)."""
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        return None
    if user_id > MAX_USER_ID:
        log.warning("%s: skipping a user whose id is %d bits long (at most 63)", source, user_id.bit_length())
        return None
    return str(user_id)


def _exclusion(user: dict[str, Any]) -> str | None:
    """Why an account GitHub returned is no candidate, or None when it is one."""
    login = user.get("login")
    if clean_line(user.get("type")).lower() == "bot" or (isinstance(login, str) and login.lower().endswith(BOT_SUFFIX)):
        return BOT
    if user.get("suspended_at"):
        return SUSPENDED
    return None


def _rate_limit_wait(response: Response, now: float) -> float | None:
    """How long GitHub asks us to stay away after a 403/429, or None when it is no rate limit.

    A rate limit: ``x-ratelimit-remaining: 0`` (primary), a ``retry-after``, or a message naming
    a secondary limit. The wait: ``retry-after``, else ``x-ratelimit-reset`` when nothing
    remains, else (or when those give no time ahead) a minute.
    """
    headers = response.headers
    exhausted = headers.get("x-ratelimit-remaining", "").strip() == "0"
    retry_after = headers.get("retry-after")
    message = response.error_text().lower()
    if not (exhausted or retry_after or any(words in message for words in SECONDARY_LIMIT_WORDS)):
        return None
    wait = _seconds_after(retry_after, now) if retry_after else None
    if wait is None and exhausted:
        wait = _seconds_until_epoch(headers.get("x-ratelimit-reset"), now)
    return wait if wait is not None and wait > 0 else RATE_LIMIT_PAUSE


def _seconds_after(value: str, now: float) -> float | None:
    """``retry-after``: delta seconds (what GitHub sends) or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError):
        return None


def _seconds_until_epoch(value: str | None, now: float) -> float | None:
    """``x-ratelimit-reset``: UTC epoch seconds."""
    if not value or not value.strip().isdigit():
        return None
    return float(value.strip()) - now


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
