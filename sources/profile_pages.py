"""Sites with public profile pages, probed by handle. The sites are data: ``sources/sites.json``
(loaded and checked by ``sources.sites``).

A probe has three outcomes, decided by the site's own fingerprints: *found* (the page has the
``exists`` status and text, or states one of the site's ``moderation`` verdicts), *missing* (the
page has the ``missing`` status, and text if given), and *unknown* for anything else — a challenge
page, a login wall, a 403, a changed layout. Unknown is raised as a ``SourceError`` with a reason;
it is never guessed into found or missing. A site with any ``protection`` (Cloudflare, a captcha,
a proof-of-work wall…) is refused when the source is built: it is never probed.

What a site's page says is read (``sources.page_fields``) from Open Graph, JSON-LD, Twitter cards
and rel=me, except where the site's entry says otherwise: ``avatar_from`` names where its real
profile photo is (not every ``og:image`` is one), and ``moderation`` names the elements in which
the site itself states a verdict on the account (kept in ``Profile.moderation``, never taken from
what the owner wrote).

A ``[[sources]]`` entry::

    [[sources]]
    name = "lichess"
    type = "profile_pages"
    site = "lichess"                 # a key of sites.json
    base_url = "https://lichess.org" # replaces the site's default (tests point it at 127.0.0.1)
    # sites_file = "my-sites.json"   # optional; default: the bundled list
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup

from sources.base import HANDLE, HTML, Origin, Platform, SearchRule, origins
from sources.client import HttpClient
from sources.page_fields import AVATAR_PLACES, PageFields, parse_html, parse_profile_page
from sources.rate_limits import Rate
from sources.responses import Response
from sources.sites import VERDICTS, has_text, load_sites, validate_site
from watcher.config import SourceConfig
from watcher.errors import ConfigError, ParseError, SourceBlocked, SourceError
from watcher.models import Profile
from watcher.text import MAX_URL, clean_line

Outcome = Literal["found", "missing", "unknown"]
FOUND: Outcome = "found"
MISSING: Outcome = "missing"
UNKNOWN: Outcome = "unknown"
# Statuses that mean "you may not see this", as opposed to "this page is not what we expected".
REFUSED = frozenset({401, 403, 407, 429, 451})


# --- deciding ----------------------------------------------------------------


def decide(site: Mapping[str, Any], status: int, text: str, verdicts: Sequence[str] = ()) -> Outcome:
    """Found, missing or unknown: only the site's own fingerprints may say found or missing.

    ``verdicts``: what ``moderation_verdicts`` read on the page. A page stating the site's verdict
    on the account is the site's page for an account that exists, with or without the profile
    marker (Liberapay shows visitors only the verdict). A page that matches both found and missing
    is as useless as one that matches neither.
    """
    missing = site["missing"]
    found = shows_profile(site, status, text) or bool(verdicts)
    gone = status == missing["status"] and (not missing.get("contains") or missing["contains"] in text)
    if found == gone:
        return UNKNOWN
    return FOUND if found else MISSING


def shows_profile(site: Mapping[str, Any], status: int, text: str) -> bool:
    """The page has the site's ``exists`` fingerprint: it is the profile itself."""
    exists = site["exists"]
    return status == exists["status"] and exists["contains"] in text


def moderation_verdicts(site: Mapping[str, Any], status: int, page: str | BeautifulSoup) -> tuple[str, ...]:
    """The site's own verdicts on the account stated on this page, spelled as ``Profile.moderation``.

    A rule counts only where an element its selector picks has exactly the rule's text (spaces
    collapsed): the same words in a bio, or inside a longer text, are the owner's, not the site's.
    """
    rules = [rule for rule in site.get("moderation", ()) if rule["status"] == status]
    if not rules:
        return ()
    soup = page if isinstance(page, BeautifulSoup) else parse_html(page)
    verdicts = [
        VERDICTS[rule["verdict"]]
        for rule in rules
        if any(_collapsed(tag.get_text()) == _collapsed(rule["text"]) for tag in soup.select(rule["selector"]))
    ]
    return tuple(dict.fromkeys(verdicts))


def _collapsed(text: str) -> str:
    return " ".join(text.split())


# --- the source -------------------------------------------------------------


def profile_origins(config: SourceConfig, handle: str) -> frozenset[Origin]:
    """The site's address (the source refuses pages redirected off it)."""
    return origins(config.base_url)


class ProfilePagesSource:
    """One site of sites.json, probed by handle; it cannot search by name."""

    # Pages, not an API: one every two seconds, at most two back to back.
    default_rate = Rate(1, 2.0, burst=2)
    query_kinds = frozenset({HANDLE})
    search_rule = SearchRule(names=False)  # no search: exact handles only
    platform = Platform(profile_origins=profile_origins)  # each site's own report steps: the generic advice

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        options = config.options
        key = options.get("site")
        if not has_text(key):
            raise ConfigError(f"source {self.name!r}: 'site' is required (a key of the sites file)")
        sites_file = options.get("sites_file")
        if sites_file is not None and not has_text(sites_file):
            raise ConfigError(f"source {self.name!r}: 'sites_file' must be a path")
        sites = load_sites(sites_file)
        if key not in sites:
            known = ", ".join(sorted(sites)) or "none"
            raise ConfigError(f"source {self.name!r}: unknown site {key!r} (known: {known})")
        site = sites[key]
        problems = validate_site(site)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ConfigError(f"source {self.name!r}: site {key!r} is invalid: {problems[0]}{more}")
        if site["protection"]:
            raise ConfigError(
                f"source {self.name!r}: site {key!r} is behind bot protection ({', '.join(site['protection'])}); "
                "automated probes there are not supported"
            )
        self.site_key: str = key
        self.site: dict[str, Any] = site
        self.base_url = (config.base_url or site["base_url"]).rstrip("/")
        self.handle_pattern = re.compile(site["handle_pattern"])

    def search(self, query: str) -> Iterator[Profile]:
        """Nothing: profile pages are probed by handle only."""
        return iter(())

    def profile_page_url(self, handle: str) -> str:
        """The page for ``handle``; quoted whole, so a handle can never add a path segment."""
        return self.base_url + self.site["profile_path"].replace("{handle}", quote(handle, safe=""))

    def lookup(self, handle: str) -> Profile | None:
        """Fetch the handle's profile page and decide; a handle the site cannot have is missing."""
        handle = handle.strip().removeprefix("@")
        if handle in (".", "..") or not self.handle_pattern.fullmatch(handle):
            return None
        return self._probe(handle)

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known profile: its handle's page, decided by the site's fingerprints.

        Pages have no stable id, so the handle is what is asked; a stored handle the site
        cannot have is unknown here (it was never asked), not gone.
        """
        handle = handle.strip().removeprefix("@")
        if handle in (".", "..") or not self.handle_pattern.fullmatch(handle):
            raise ParseError(f"{self.name}: cannot re-check {clean_line(handle)!r}: not a handle this site has")
        return self._probe(handle)

    def _probe(self, handle: str) -> Profile | None:
        response = self.http.get_page(self.profile_page_url(handle), trusted=True)
        if _origin(response.url) != _origin(self.base_url):
            raise SourceBlocked(
                f"{self.name}: the profile page redirected off-site, to {urlsplit(response.url).netloc}"
            )
        html = response.text
        soup = parse_html(html)
        verdicts = moderation_verdicts(self.site, response.status, soup)
        outcome = decide(self.site, response.status, html, verdicts)
        if outcome == MISSING:
            return None
        if outcome == UNKNOWN:
            raise self._unknown(response)
        if shows_profile(self.site, response.status, html):
            page = parse_profile_page(soup, response.url, avatar_from=self.site.get("avatar_from", AVATAR_PLACES))
        else:
            page = PageFields()  # only the site's verdict: nothing on the page describes the owner
        return self.to_profile(handle, page, response.url, raw=html, moderation=verdicts)

    def to_profile(
        self, handle: str, page: PageFields, final_url: str, *, raw: str = "", moderation: tuple[str, ...] = ()
    ) -> Profile:
        """The page's own username wins over the asked handle when it is one the site could have.

        ``raw``: the page as fetched (HTML), kept as evidence. ``moderation``: the site's verdicts
        stated on the page (``moderation_verdicts``).
        """
        username = page.username if page.username and self.handle_pattern.fullmatch(page.username) else handle
        url = page.canonical_url or final_url
        if len(url) > MAX_URL:  # the page's own address after redirects: an id stored whole, or not at all
            raise ParseError(
                f"{self.name}: the profile page's address is {len(url)} characters long (at most {MAX_URL})"
            )
        return Profile(
            source=self.name,
            platform_id=url,
            handle=username.lower(),
            display_name=page.display_name,
            description=page.description,
            avatar_url=page.avatar_url,
            profile_url=url,
            links=page.links,
            moderation=moderation,
            raw=raw,
            raw_type=HTML if raw else "",
        )

    def self_check(self) -> list[str]:
        """Probe the site's known handles; what did not come back as expected (empty: all well)."""
        problems = []
        for expected, handles in ((FOUND, self.site["known_existing"]), (MISSING, self.site["known_missing"])):
            for handle in handles:
                try:
                    got = FOUND if self.lookup(handle) is not None else MISSING
                except SourceError as exc:
                    problems.append(f"{handle}: unknown ({exc.reason}: {exc})")
                    continue
                if got != expected:
                    problems.append(f"{handle}: expected {expected}, got {got}")
        return problems

    def _unknown(self, response: Response) -> SourceError:
        status = response.status
        if status in REFUSED:
            return SourceBlocked(f"{self.name}: profile page refused (HTTP {status}: a block, challenge or login wall)")
        if status == self.site["exists"]["status"]:
            return ParseError(
                f"{self.name}: HTTP {status} page without the profile marker (a challenge, login wall or new layout?)"
            )
        return ParseError(f"{self.name}: unexpected HTTP {status} for a profile page")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()
