"""Sites with public profile pages, probed by handle. The sites are data: ``sources/sites.json``.

A probe has three outcomes, decided by the site's own fingerprints: *found* (the page has the
``exists`` status and text, or states one of the site's ``moderation`` verdicts), *missing* (the
page has the ``missing`` status, and text if given), and *unknown* for anything else — a challenge
page, a login wall, a 403, a changed layout. Unknown is raised as a ``SourceError`` with a reason;
it is never guessed into found or missing. A site with any ``protection`` (Cloudflare, a captcha,
a proof-of-work wall…) is refused when the source is built: it is never probed.

What a site's page says is read from Open Graph, JSON-LD, Twitter cards and rel=me, except where
the site's entry says otherwise: ``avatar_from`` names where its real profile photo is (not every
``og:image`` is one), and ``moderation`` names the elements in which the site itself states a
verdict on the account (kept in ``Profile.moderation``, never taken from what the owner wrote).

A ``[[sources]]`` entry::

    [[sources]]
    name = "lichess"
    type = "profile_pages"
    site = "lichess"                 # a key of sites.json
    base_url = "https://lichess.org" # replaces the site's default (tests point it at 127.0.0.1)
    # sites_file = "my-sites.json"   # optional; default: the bundled list
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from bs4 import BeautifulSoup, UnusualUsageWarning

from sources.base import (
    HANDLE,
    HTML,
    IMPERSONATION,
    LIMITED,
    MAX_LINE,
    MAX_LINKS,
    MAX_URL,
    SPAM,
    Profile,
    SearchRule,
    clean_line,
    clean_text,
    web_url,
)
from sources.http import HttpClient, Rate, Response
from watcher.config import SourceConfig
from watcher.errors import ConfigError, ParseError, SourceBlocked, SourceError

Outcome = Literal["found", "missing", "unknown"]
FOUND: Outcome = "found"
MISSING: Outcome = "missing"
UNKNOWN: Outcome = "unknown"

REQUIRED_KEYS = (
    "name",
    "base_url",
    "profile_path",
    "handle_pattern",
    "exists",
    "missing",
    "known_existing",
    "known_missing",
    "protection",
    "terms",
)
OPTIONAL_KEYS = ("notes", "avatar_from", "moderation")
SITE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Handles no site pattern may accept: they would walk the URL path instead of naming a profile.
UNSAFE_HANDLES = ("", ".", "..", "../admin", "a/b", "a\\b")
# Statuses that mean "you may not see this", as opposed to "this page is not what we expected".
REFUSED = frozenset({401, 403, 407, 429, 451})
# Where a page may show its owner's photo; a site's ``avatar_from`` lists places in the order to
# try, and may also name an element ({"selector": …, "attribute": …}). Without it: all three, in order.
OG_IMAGE = "og:image"
JSON_LD = "json-ld"  # the image of the page's JSON-LD Person (or ProfilePage's mainEntity)
TWITTER_IMAGE = "twitter:image"  # or its older spelling twitter:image:src
AVATAR_PLACES = (OG_IMAGE, JSON_LD, TWITTER_IMAGE)
# A site's ``moderation`` verdicts, as sites.json spells them, to ``Profile.moderation``.
VERDICTS = {"spam": SPAM, "impersonation": IMPERSONATION, "limited": LIMITED}
MODERATION_KEYS = ("status", "selector", "text", "verdict")


# --- the site list ----------------------------------------------------------


def load_sites(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The site list by key: the bundled ``sources/sites.json``, or the file at ``path``.

    The bundled file is read through importlib.resources so an installed package finds it.
    Entries are not validated here; ``validate_site`` checks the one a source uses.
    """
    where = str(path) if path is not None else "bundled sites.json"
    try:
        if path is None:
            text = resources.files("sources").joinpath("sites.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"sites file not found: {where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read sites file {where}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid JSON: {exc}") from None
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, dict):
        raise ConfigError(f"{where}: must be an object with a 'sites' object")
    for key in sites:
        if not SITE_KEY.match(key):
            raise ConfigError(f"{where}: site key {key!r} may use only lower-case letters, digits, '-' and '_'")
    return sites


def validate_site(entry: Any) -> list[str]:
    """Everything wrong with one site entry (empty when it is usable); mirrors sites.schema.json."""
    if not isinstance(entry, dict):
        return ["a site entry must be an object"]
    problems = [f"'{key}' is required" for key in REQUIRED_KEYS if key not in entry]
    problems += [f"unknown key '{key}'" for key in entry if key not in REQUIRED_KEYS + OPTIONAL_KEYS]
    for key in ("name", "terms"):
        if key in entry and not _text(entry[key]):
            problems.append(f"'{key}' must be a non-empty string")
    if "notes" in entry and not isinstance(entry["notes"], str):
        problems.append("'notes' must be a string")
    if "base_url" in entry:
        problems += _base_url_problems(entry["base_url"])
    if "profile_path" in entry:
        path = entry["profile_path"]
        if not isinstance(path, str) or not path.startswith("/") or path.count("{handle}") != 1:
            problems.append("'profile_path' must start with '/' and contain '{handle}' once")
        elif "{" in path.replace("{handle}", "") or "}" in path.replace("{handle}", ""):
            problems.append("'profile_path' may contain no braces but '{handle}'")
    pattern = _pattern(entry.get("handle_pattern"), problems) if "handle_pattern" in entry else None
    problems += _rule_problems(entry, "exists", needs_text=True)
    problems += _rule_problems(entry, "missing", needs_text=False)
    exists, missing = entry.get("exists"), entry.get("missing")
    if (
        isinstance(exists, dict)
        and isinstance(missing, dict)
        and exists.get("status") == missing.get("status")
        and not missing.get("contains")
    ):
        problems.append("'missing' needs 'contains' when its status is the same as 'exists'")
    for key in ("known_existing", "known_missing"):
        if key not in entry:
            continue
        handles = entry[key]
        if not isinstance(handles, list) or not handles or not all(_text(h) for h in handles):
            problems.append(f"'{key}' must be a non-empty list of handles")
        elif pattern is not None:
            problems += [
                f"'{key}' handle {h!r} does not match 'handle_pattern'" for h in handles if not pattern.fullmatch(h)
            ]
    if "protection" in entry:
        protection = entry["protection"]
        if not isinstance(protection, list) or not all(_text(p) for p in protection):
            problems.append("'protection' must be a list of strings (empty when the site has none)")
    if "avatar_from" in entry:
        problems += _avatar_from_problems(entry["avatar_from"])
    if "moderation" in entry:
        problems += _moderation_problems(entry["moderation"], entry.get("missing"))
    return problems


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _base_url_problems(value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["'base_url' must be a string"]
    try:
        parts = urlsplit(value)
    except ValueError:
        return ["'base_url' is not a valid URL"]
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return ["'base_url' must be an http(s) URL with a host and no query or fragment"]
    return []


def _pattern(value: Any, problems: list[str]) -> re.Pattern[str] | None:
    if not _text(value):
        problems.append("'handle_pattern' must be a non-empty regular expression")
        return None
    try:
        pattern = re.compile(value)
    except re.error as exc:
        problems.append(f"'handle_pattern' is not a valid regular expression: {exc}")
        return None
    unsafe = [h for h in UNSAFE_HANDLES if pattern.fullmatch(h)]
    if unsafe:
        problems.append(f"'handle_pattern' accepts unsafe handles: {', '.join(repr(h) for h in unsafe)}")
    return pattern


def _rule_problems(entry: Mapping[str, Any], key: str, *, needs_text: bool) -> list[str]:
    if key not in entry:
        return []
    rule = entry[key]
    if not isinstance(rule, dict):
        wanted = "'status' and 'contains'" if needs_text else "'status'"
        return [f"'{key}' must be an object with {wanted}"]
    problems = [f"'{key}' has unknown key '{k}'" for k in rule if k not in ("status", "contains")]
    if not _is_status(rule.get("status")):
        problems.append(f"'{key}.status' must be an HTTP status (100-599)")
    if ("contains" in rule or needs_text) and not (isinstance(rule.get("contains"), str) and rule["contains"]):
        problems.append(f"'{key}.contains' must be a non-empty string")
    return problems


def _is_status(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def _avatar_from_problems(places: Any) -> list[str]:
    if not isinstance(places, list):
        return ["'avatar_from' must be a list of places (empty when the site shows no profile photos)"]
    problems = []
    for place in places:
        if isinstance(place, str):
            if place not in AVATAR_PLACES:
                known = ", ".join(AVATAR_PLACES)
                problems.append(f"'avatar_from' has unknown place {place!r} (known: {known}, or an element)")
        elif isinstance(place, dict):
            problems += [
                f"'avatar_from' element has unknown key '{k}'" for k in place if k not in ("selector", "attribute")
            ]
            problems += _selector_problems("avatar_from.selector", place.get("selector"))
            if not _text(place.get("attribute")):
                problems.append("'avatar_from.attribute' must name an attribute (e.g. 'src')")
        else:
            problems.append("'avatar_from' entries must be a place name or an object with 'selector' and 'attribute'")
    return problems


def _moderation_problems(rules: Any, missing: Any) -> list[str]:
    if not isinstance(rules, list) or not rules:
        return ["'moderation' must be a non-empty list of rules"]
    problems = []
    for rule in rules:
        if not isinstance(rule, dict):
            problems.append("'moderation' rules must be objects with 'status', 'selector', 'text' and 'verdict'")
            continue
        problems += [f"'moderation' rule has unknown key '{k}'" for k in rule if k not in MODERATION_KEYS]
        problems += [f"'moderation' rule needs '{k}'" for k in MODERATION_KEYS if k not in rule]
        if "status" in rule and not _is_status(rule["status"]):
            problems.append("'moderation.status' must be an HTTP status (100-599)")
        if "selector" in rule:
            problems += _selector_problems("moderation.selector", rule["selector"])
        if "text" in rule and not _text(rule["text"]):
            problems.append("'moderation.text' must be a non-empty string")
        if "verdict" in rule and rule["verdict"] not in VERDICTS:
            problems.append(f"'moderation.verdict' must be one of: {', '.join(VERDICTS)}")
        if isinstance(missing, dict) and rule.get("status") == missing.get("status") and not missing.get("contains"):
            problems.append("a 'moderation' rule with the 'missing' status needs 'missing.contains'")
    return problems


def _selector_problems(key: str, value: Any) -> list[str]:
    if not _text(value):
        return [f"'{key}' must be a non-empty CSS selector"]
    try:
        _soup("").css.compile(value)
    except Exception as exc:  # soupsieve's SelectorSyntaxError and kin; bs4 does not re-export them
        return [f"'{key}' is not a CSS selector BeautifulSoup understands: {str(exc).splitlines()[0]}"]
    return []


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
    soup = page if isinstance(page, BeautifulSoup) else _soup(page)
    verdicts = [
        VERDICTS[rule["verdict"]]
        for rule in rules
        if any(_collapsed(tag.get_text()) == _collapsed(rule["text"]) for tag in soup.select(rule["selector"]))
    ]
    return tuple(dict.fromkeys(verdicts))


def _collapsed(text: str) -> str:
    return " ".join(text.split())


# --- reading a profile page -------------------------------------------------


@dataclass(frozen=True)
class PageFields:
    """What a profile page says about its owner; every text cleaned, every URL absolute http(s)."""

    username: str = ""  # profile:username
    display_name: str = ""
    description: str = ""
    avatar_url: str | None = None
    canonical_url: str | None = None  # only when on the page's own host
    links: tuple[str, ...] = ()  # rel=me, then JSON-LD sameAs


def parse_profile_page(
    html: str | BeautifulSoup, final_url: str, *, avatar_from: Sequence[Any] = AVATAR_PLACES
) -> PageFields:
    """Read Open Graph, Twitter cards, JSON-LD, <title>, canonical and rel=me from a profile page.

    Relative URLs are resolved against ``final_url`` (the page after redirects). Malformed
    JSON-LD is skipped: a profile is still found, just with fewer fields. ``avatar_from``: the
    site's places for its profile photo, in order (empty: the site has none, whatever its
    images are).
    """
    soup = html if isinstance(html, BeautifulSoup) else _soup(html)
    meta = _meta(soup)
    person = _json_ld_person(soup)
    title = soup.title.get_text() if soup.title else ""

    def url(value: Any) -> str | None:
        return _http_url(value, final_url)

    canonical = None
    for tag in soup.find_all("link", href=True):
        if "canonical" in _rels(tag):
            canonical = url(tag["href"])
            break
    if canonical and urlsplit(canonical).hostname != urlsplit(final_url).hostname:
        canonical = None  # a platform's profile id must be on the platform

    links: list[str] = []
    for tag in soup.find_all(["a", "link"], href=True):
        if "me" in _rels(tag):
            links.append(url(tag["href"]) or "")
    same_as = person.get("sameAs")
    for value in same_as if isinstance(same_as, list) else [same_as]:
        links.append(url(value) or "")

    raw_username = meta.get("profile:username", "")
    username = clean_line(raw_username) if len(raw_username) <= MAX_LINE else ""  # never cut into another name
    return PageFields(
        username="" if " " in username else username,
        display_name=_first_line(meta.get("og:title"), person.get("name"), meta.get("twitter:title"), title),
        description=_first_text(
            meta.get("og:description"),
            person.get("description"),
            meta.get("twitter:description"),
            meta.get("description"),
        ),
        avatar_url=next(filter(None, (_avatar(place, soup, meta, person, url) for place in avatar_from)), None),
        canonical_url=canonical,
        links=tuple(dict.fromkeys(link for link in links if link))[:MAX_LINKS],
    )


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnusualUsageWarning)
        return BeautifulSoup(html, "html.parser")


def _avatar(
    place: Any,
    soup: BeautifulSoup,
    meta: Mapping[str, str],
    person: Mapping[str, Any],
    url: Callable[[Any], str | None],
) -> str | None:
    """The photo URL at one of ``avatar_from``'s places, if the page has a usable one there."""
    if place == OG_IMAGE:
        return url(meta.get("og:image"))
    if place == JSON_LD:
        return url(_image(person.get("image")))
    if place == TWITTER_IMAGE:
        return url(meta.get("twitter:image")) or url(meta.get("twitter:image:src"))
    tag = soup.select_one(place["selector"])
    return url(tag.get(place["attribute"])) if tag is not None else None


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    """``<meta property|name=… content=…>`` by lower-cased key; the first of each wins."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str):
            found.setdefault(key.strip().lower(), content)
    return found


def _rels(tag: Any) -> list[str]:
    rel = tag.get("rel") or []
    return [r.lower() for r in (rel.split() if isinstance(rel, str) else rel)]


def _json_ld_person(soup: BeautifulSoup) -> dict[str, Any]:
    """The first Person, or ProfilePage's mainEntity, in the page's JSON-LD; {} when none."""
    for script in soup.find_all("script"):
        kind = script.get("type")
        if not isinstance(kind, str) or kind.split(";")[0].strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.get_text())
        except (ValueError, RecursionError):
            continue
        nodes = _nodes(data)
        by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
        for node in nodes:
            types = _types(node)
            if "Person" in types:
                return node
            if "ProfilePage" in types:
                main = node.get("mainEntity")
                if isinstance(main, list):
                    main = next((m for m in main if isinstance(m, dict)), None)
                if isinstance(main, dict):
                    ref = main.get("@id")
                    return by_id.get(ref, main) if len(main) == 1 and isinstance(ref, str) else main
    return {}


def _nodes(data: Any) -> list[dict[str, Any]]:
    """Top-level JSON-LD objects and the members of their ``@graph``."""
    nodes: list[dict[str, Any]] = []
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict):
            nodes.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                nodes += [g for g in graph if isinstance(g, dict)]
    return nodes


def _types(node: Mapping[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", v)[-1] for v in values if isinstance(v, str)}


def _image(value: Any) -> Any:
    """A JSON-LD image: a URL string, an ImageObject, or a list of either."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl")
    return value


def _http_url(value: Any, base: str) -> str | None:
    """``value`` resolved against ``base``, if that gives a clean absolute http(s) URL."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return web_url(urljoin(base, value.strip()))
    except ValueError:
        return None


def _first_line(*values: Any) -> str:
    return next((line for line in map(clean_line, values) if line), "")


def _first_text(*values: Any) -> str:
    return next((text for text in map(clean_text, values) if text), "")


# --- the source -------------------------------------------------------------


class ProfilePagesSource:
    """One site of sites.json, probed by handle; it cannot search by name."""

    # Pages, not an API: one every two seconds, at most two back to back.
    default_rate = Rate(1, 2.0, burst=2)
    query_kinds = frozenset({HANDLE})
    search_rule = SearchRule(names=False)  # no search: exact handles only

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        options = config.options
        key = options.get("site")
        if not _text(key):
            raise ConfigError(f"source {self.name!r}: 'site' is required (a key of the sites file)")
        sites_file = options.get("sites_file")
        if sites_file is not None and not _text(sites_file):
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
        soup = _soup(html)
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
