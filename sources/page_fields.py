"""What a profile page says about its owner: Open Graph, JSON-LD, Twitter cards and rel=me.

A site's entry in ``sites.json`` may say where its real profile photo is (``avatar_from``: not
every ``og:image`` is one); without it, the places of ``AVATAR_PLACES`` are tried in order.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, UnusualUsageWarning

from sources.base import MAX_LINKS
from watcher.text import MAX_LINE, clean_line, clean_text, web_url

# Where a page may show its owner's photo; a site's ``avatar_from`` lists places in the order to
# try, and may also name an element ({"selector": …, "attribute": …}). Without it: all three, in order.
OG_IMAGE = "og:image"
JSON_LD = "json-ld"  # the image of the page's JSON-LD Person (or ProfilePage's mainEntity)
TWITTER_IMAGE = "twitter:image"  # or its older spelling twitter:image:src
AVATAR_PLACES = (OG_IMAGE, JSON_LD, TWITTER_IMAGE)


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
    soup = html if isinstance(html, BeautifulSoup) else parse_html(html)
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


def parse_html(html: str) -> BeautifulSoup:
    """A page as BeautifulSoup reads it with the standard library's parser."""
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
