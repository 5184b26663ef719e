"""Which profile addresses an e-mail may link to: only pages on the platform the finding came from.

A profile's address is scraped. Mastodon and GitHub take it from the account's ``url`` field, which
a hostile server or account can point anywhere (a look-alike sign-in page, say). Alerts and the
digest link an address only when its origin (scheme, host, port) is one the source's adapter builds
profile pages on; otherwise they show the account as text. The hosts, by adapter type:

- ``bluesky``: ``bsky.app`` (the adapter's ``PROFILE_PAGE``), whatever AppView is searched;
- ``mastodon``: the server's own address, its ``account_domain``, and for an account of another
  server the domain in its handle (``user@domain``): Mastodon shows remote accounts there;
- ``github``: ``github.com`` for ``api.github.com``, else the Enterprise server's own address;
- ``profile_pages``: the site's address (the adapter refuses pages redirected off it).

An unknown source or type links nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from sources.base import web_url
from sources.bluesky import PROFILE_PAGE
from watcher.config import SourceConfig

Origin = tuple[str, str, int]  # scheme, host (lower case), port
_DEFAULT_PORTS = {"https": 443, "http": 80}


def profile_link(url: str, handle: str, source: SourceConfig | None) -> str:
    """``url`` when it is a page on ``source``'s own platform, else "" (show the account as text)."""
    origin = _origin(url)
    if source is None or origin is None:
        return ""
    return url if origin in profile_origins(source, handle) else ""


def profile_origins(source: SourceConfig, handle: str) -> frozenset[Origin]:
    """Where ``source``'s adapter shows profiles, for an account with this handle."""
    base = _origin(source.base_url)
    if source.type == "bluesky":
        return _origins(PROFILE_PAGE.partition("/profile/")[0])
    if source.type == "mastodon":
        domain = source.options.get("account_domain")
        domains = [handle.rpartition("@")[2] if "@" in handle else ""]
        domains += [domain.strip()] if isinstance(domain, str) else []
        return _origins(*(f"https://{d}" for d in domains if d)) | {o for o in (base,) if o}
    if source.type == "github" and base is not None:
        return _origins("https://github.com") if base[1] == "api.github.com" else frozenset({base})
    if source.type == "profile_pages" and base is not None:
        return frozenset({base})
    return frozenset()


def link_checker(sources: Sequence[SourceConfig] | None) -> Callable[[str, str, str], str]:
    """``profile_link`` by source name, for templates; with no sources known, nothing is linked."""
    by_name = {s.name: s for s in sources or ()}

    def check(url: str, handle: str, source: str) -> str:
        return profile_link(url, handle, by_name.get(source))

    return check


def _origins(*urls: str) -> frozenset[Origin]:
    return frozenset(o for o in map(_origin, urls) if o is not None)


def _origin(url: str) -> Origin | None:
    """The origin of an http(s) URL with no user part, spaces, control characters or backslashes."""
    if web_url(url) is None or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, host.lower().rstrip("."), port or _DEFAULT_PORTS[scheme]
