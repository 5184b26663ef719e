"""Mastodon: one ``[[sources]]`` entry per server, searched through its public API.

Anonymous account search (Mastodon 4.0+) gives one page of the accounts that server
already knows: ``offset`` or ``resolve`` without a signed-in user get a 401, so neither is
sent then. With a token, search pages with ``offset`` up to ``max_pages``; an app-only token
is no signed-in user, so its first 401 on a later page ends paging for this source.

``discoverable`` is about the profile directory, not about reading a public profile, and a
remote account carries ``false`` whenever its own server does not publish the flag: such
accounts are kept. ``suspended: true`` is the one answer that means gone.

Options of the entry:

- ``token_env``: the name of an environment variable holding an access token;
- ``account_domain``: the domain in this server's handles when it is not the API host
  (``example.com`` for a server at ``social.example.com``);
- ``directory_pages``: pages of the server's profile directory read per scan, newest local
  accounts first (default 5, 80 accounts a page; 0 turns it off). Search matches names and
  usernames only, never bios: the directory is how a scan meets an impostor whose name says
  nothing of the person (a photo under another name). It lists only accounts that opted in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup

from sources.base import (
    JSON,
    LIMITED,
    MAX_LINKS,
    NAME,
    Origin,
    Platform,
    SearchRule,
    count_option,
    name_query_kinds,
    origins,
    read_token,
    too_long,
)
from sources.client import HttpClient
from sources.rate_limits import Rate
from sources.responses import Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ConfigError, ParseError, SourceBlocked, SourceError
from watcher.models import Profile, ReportGuide
from watcher.text import clean_line, clean_text, raw_json, web_url

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 40
# What a server shows for an account that never uploaded an avatar or header.
DEFAULT_AVATAR = "/avatars/original/missing.png"
DEFAULT_HEADER = "/headers/original/missing.png"
# Mastodon's CustomEmoji::SCAN_RE: ``:code:`` of 2+ ASCII letters, digits or ``_``, not touching
# a letter, digit or colon. Every such token is an emoji shortcode to Mastodon, listed in
# ``emojis[]`` or not: a remote name carries the text whether or not this server kept the image.
SHORTCODE = re.compile(r"(?<![^\W_])(?<!:):[A-Za-z0-9_]{2,}:(?![^\W_])(?!:)")
DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?")


# Identifiers longer than these are no account: skipped with a log line, never cut. Mastodon's own
# ids are bigints (at most 19 digits); other servers speaking its API use short text ids (a
# 26-letter ULID). ``acct`` is a WebFinger user@domain: at most 64 before the @ (as in an e-mail
# address; Mastodon's local usernames have 30), a domain name of at most 253 after it.
MAX_ACCOUNT_ID = 128
MAX_ACCT = 64 + 1 + 253
# HTML (a note, a field value) read per text: a 500-character note is far shorter, even with links.
MAX_HTML = 65_536
MAX_FIELDS = 50  # profile fields read for links (Mastodon allows 4 by default)

DIRECTORY_PAGE = 80  # the most /api/v1/directory gives at once
DEFAULT_DIRECTORY_PAGES = 5


def profile_origins(config: SourceConfig, handle: str) -> frozenset[Origin]:
    """The server's own address, its ``account_domain``, and for an account of another server the
    domain in its handle (``user@domain``): Mastodon shows remote accounts there."""
    base = origins(config.base_url)
    domain = config.options.get("account_domain")
    domains = [handle.rpartition("@")[2] if "@" in handle else ""]
    domains += [domain.strip()] if isinstance(domain, str) else []
    return origins(*(f"https://{d}" for d in domains if d)) | base


def local_domain(config: SourceConfig) -> str | None:
    """The domain of the server's own accounts: its ``account_domain``, else its address's host."""
    domain = config.options.get("account_domain") or urlsplit(config.base_url).hostname
    return domain.lower() if isinstance(domain, str) and domain else None


class MastodonSource:
    # Mastodon's default limit: 300 API requests per 5 minutes per IP, in small bursts.
    default_rate = Rate(300, 300, burst=5)
    query_kinds = frozenset({NAME})  # search matches usernames too; probe_handles = true adds lookups
    # The database search: the query as one phrase of word prefixes, in order, over display name,
    # username and domain; case is folded, accents are not.
    search_rule = SearchRule(any_order=False, folds_accents=False, handles=True)
    # How to report an account here, where profile pages live, whose accounts are local (sources/base.py Platform).
    platform = Platform(
        ReportGuide(
            'Open the profile from your own Mastodon account, choose "Report", say it breaks the rules '
            '(impersonation), and tick "Forward to the remote server" so that its moderators see it too.',
            "the link to the profile and a sentence saying it is not you; you need an account on any Mastodon server.",
            steps_es='Abra el perfil desde su propia cuenta de Mastodon, elija "Report" (denunciar), indique que '
            'infringe las normas (suplantación de identidad) y marque "Forward to the remote server" (reenviar al '
            "servidor remoto) para que sus moderadores también la vean.",
            needs_es="el enlace al perfil y una frase que diga que no es usted; necesita una cuenta en cualquier "
            "servidor de Mastodon.",
        ),
        profile_origins,
        local_domain,
    )

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.query_kinds = name_query_kinds(config)
        self.base_url = config.base_url.rstrip("/")
        self.search_url = f"{self.base_url}/api/v2/search"
        self.lookup_url = f"{self.base_url}/api/v1/accounts/lookup"
        self.accounts_url = f"{self.base_url}/api/v1/accounts"
        self.directory_url = f"{self.base_url}/api/v1/directory"
        self.directory_pages = count_option(config, "directory_pages", DEFAULT_DIRECTORY_PAGES)
        domain = config.options.get("account_domain")
        if domain is not None and (not isinstance(domain, str) or not domain.strip()):
            raise ConfigError(f"source {config.name!r}: account_domain must be a domain name")
        host = (urlsplit(self.base_url).hostname or "").lower()
        self.domain = (domain or host).strip().lower()
        self.local_domains = {self.domain, host}  # Mastodon's LOCAL_DOMAIN and WEB_DOMAIN
        token = read_token(config)
        self.can_page = token is not None  # until the server says the token is no signed-in user
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def search(self, query: str) -> Iterator[Profile]:
        """Accounts matching ``query``: one page anonymously, up to ``max_pages`` with a token."""
        limit = min(self.config.page_size, MAX_PAGE_SIZE)
        pages = max(1, self.config.max_pages) if self.can_page else 1
        seen: set[str] = set()
        for page in range(pages):
            params: dict[str, Any] = {"q": query, "type": "accounts", "limit": limit}
            if page:
                params["offset"] = page * limit
            response = self.http.get(self.search_url, params, headers=self.headers)
            if page and response.status == 401:
                self._paging_refused(response)
                return
            check_status(response)
            body = response.json()
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

    def directory(self) -> Iterator[Profile]:
        """The newest local accounts of the server's profile directory (``GET /api/v1/directory``
        with ``local``, ``order=new``, ``limit``, ``offset``: public, an array of Accounts)."""
        for page in range(self.directory_pages):
            params = {"local": "true", "order": "new", "limit": DIRECTORY_PAGE, "offset": page * DIRECTORY_PAGE}
            body = self.http.get_json(self.directory_url, params, headers=self.headers)
            if not isinstance(body, list):
                raise ParseError(f"{self.name}: directory answer is not a list of accounts")
            for account in body:
                profile = self.to_profile(account)
                if profile is not None:
                    yield profile
            if len(body) < DIRECTORY_PAGE:
                return

    def _paging_refused(self, response: Response) -> None:
        """Page 1 worked with this token, a later page got 401: Mastodon pages only for a signed-in
        user, and an app-only token is none. Keep what came, stop paging, say so once."""
        self.can_page = False
        log.warning(
            "%s: the token does not allow paging search results (%s); searching one page per query",
            self.name,
            response.error_text(),
        )

    def lookup(self, handle: str) -> Profile | None:
        """``accounts/lookup``: a JSON 404 for a local account means missing.

        A remote account (another domain) answers 404 whenever this server has never fetched it:
        lookup never asks the remote server (``skip_webfinger``). That is "unknown here", not
        missing: ``SourceBlocked``, the server answered but withholds what we asked (not
        ``SourceUnavailable``: it did answer; not ``ParseError``: the answer is understood).
        """
        acct = handle.strip().lstrip("@")
        response = self.http.get(self.lookup_url, {"acct": acct}, headers=self.headers)
        if response.status == 404 and _is_json_error(response):
            _user, _at, domain = acct.lower().partition("@")
            if domain and domain not in self.local_domains:
                raise SourceBlocked(
                    f"{self.name}: @{clean_line(acct)} is not known to this server, which looks up only "
                    "remote accounts it has already fetched; unknown, not missing"
                )
            return None
        check_status(response)
        body = response.json()
        if _account_id(body) is None or not isinstance(body.get("acct"), str):
            raise ParseError(f"{self.name}: accounts/lookup answer is not an account")
        if body.get("suspended") is True:
            return None
        profile = self.to_profile(body, raw=response.text)
        if profile is None:
            raise ParseError(f"{self.name}: accounts/lookup answer is not a usable account")
        return profile

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account: ``GET /api/v1/accounts/:id`` (public).

        Gone: a JSON 404 ``Record not found`` (deleted), a JSON 410 (older servers' suspension),
        or an account with ``suspended: true`` (Mastodon 3.3+ shows suspended accounts empty).
        ``discoverable: false`` changes nothing: the profile is still public.
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
        if profile is None:
            raise ParseError(f"{self.name}: accounts/:id answer is not a usable account")
        return profile

    def to_profile(self, account: Any, *, raw: str | None = None) -> Profile | None:
        """Turn an ``Account`` into a Profile; None for unusable or suspended accounts.

        ``raw``: the answer as fetched; by default the Account itself, as JSON text.
        """
        account_id = _account_id(account)
        if account_id is None or account.get("suspended") is True or self._over_long(account):
            return None
        acct = self._acct(account)
        if acct is None:
            return None
        user, domain = acct
        avatar = _image(account.get("avatar_static"), DEFAULT_AVATAR) or _image(account.get("avatar"), DEFAULT_AVATAR)
        banner = _image(account.get("header_static"), DEFAULT_HEADER) or _image(account.get("header"), DEFAULT_HEADER)
        moved = self._moved_url(account.get("moved"))
        links = field_links(account.get("fields"))
        return Profile(
            source=self.name,
            platform_id=account_id,
            handle=f"{user}@{domain or self.domain}".lower(),
            display_name=display_name(account.get("display_name")),
            description=html_to_text(account.get("note")),
            avatar_url=avatar,
            profile_url=web_url(account.get("url")) or self._profile_url(user, domain),
            labels=_labels(account, moved=moved is not None),
            banner_url=banner,
            links=(moved, *(link for link in links if link != moved))[:MAX_LINKS] if moved else links,
            moderation=(LIMITED,) if account.get("limited") is True else (),
            raw=raw if raw is not None else raw_json(account),
            raw_type=JSON,
        )

    def _over_long(self, account: dict[str, Any]) -> bool:
        """An id or ``acct`` longer than any server gives: skipped (and logged), never cut into another one."""
        account_id, acct = account.get("id"), account.get("acct")
        return (isinstance(account_id, str) and too_long(self.name, "id", account_id, MAX_ACCOUNT_ID)) or (
            isinstance(acct, str) and too_long(self.name, "acct", acct, MAX_ACCT)
        )

    def _acct(self, account: dict[str, Any]) -> tuple[str, str] | None:
        """``acct`` as (username, domain); the domain is "" for this server's own accounts."""
        acct = account.get("acct")
        if not isinstance(acct, str) or len(acct) > MAX_ACCT:
            return None
        user, at, domain = clean_line(acct).partition("@")
        domain = domain.lower()
        if not user or " " in user or (at and not DOMAIN.fullmatch(domain)):
            return None
        return user, domain

    def _profile_url(self, user: str, domain: str) -> str:
        """The profile page when ``url`` is null or unusable, built as Mastodon shows accounts."""
        return f"https://{domain}/@{quote(user, safe='')}" if domain else f"{self.base_url}/@{quote(user, safe='')}"

    def _moved_url(self, moved: Any) -> str | None:
        """``moved`` is the Account it moved to (null when suspended): that account's page."""
        if not isinstance(moved, dict):
            return None
        acct = self._acct(moved)
        return web_url(moved.get("url")) or (self._profile_url(*acct) if acct else None)


def display_name(value: Any) -> str:
    """The display name without custom-emoji shortcodes (``:verified: Ana Ruiz :flag_mx:``)."""
    return clean_line(SHORTCODE.sub(" ", clean_line(value)))


def _labels(account: dict[str, Any], *, moved: bool) -> tuple[str, ...]:
    """What the account's own server says of it, besides moderation."""
    flags = {"bot": account.get("bot"), "group": account.get("group"), "memorial": account.get("memorial")}
    labels = [name for name, value in flags.items() if value is True]
    return (*labels, "moved") if moved else tuple(labels)


def html_to_text(html: Any) -> str:
    """Mastodon's HTML (a note, a field value) as plain text, one line per ``<br>`` or paragraph."""
    if not isinstance(html, str) or not html:
        return ""
    soup = _soup(html[:MAX_HTML])
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.append("\n")
    return clean_text(soup.get_text())


def field_links(fields: Any) -> tuple[str, ...]:
    """Links a profile shows in its fields: each ``<a href>``, or a value that is a bare URL."""
    links: list[str] = []
    for item in fields[:MAX_FIELDS] if isinstance(fields, list) else []:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        soup = _soup(value[:MAX_HTML])
        anchors = soup.find_all("a")
        candidates = [a.get("href") for a in anchors] if anchors else [soup.get_text().strip()]
        for candidate in candidates:
            url = web_url(candidate)
            if url and url not in links:
                links.append(url)
            if len(links) == MAX_LINKS:
                return tuple(links)
    return tuple(links)


def _image(value: Any, default_path: str) -> str | None:
    url = web_url(value)
    if url is None or urlsplit(url).path.endswith(default_path):
        return None
    return url


def _account_id(account: Any) -> str | None:
    """The account's id as a string (printable ASCII, no spaces), or None when there is no usable one.

    Its length is checked where a profile is made (``_over_long``), so that skipping says why."""
    if not isinstance(account, dict):
        return None
    value = account.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value) if value.bit_length() <= 64 else None  # a bigint; str() of a huge int may raise
    if not isinstance(value, str) or not value or not value.isascii() or not value.isprintable() or " " in value:
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
