"""Adapters by ``type``, as ``[[sources]]`` entries in the config name them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sources.base import Platform, Source, origin
from sources.bluesky import BlueskySource
from sources.client import HttpClient
from sources.github import GitHubSource
from sources.mastodon import MastodonSource
from sources.profile_pages import ProfilePagesSource
from sources.rate_limits import Rate
from watcher.config import SourceConfig
from watcher.errors import ConfigError

SourceFactory = Callable[[SourceConfig, HttpClient], Source]

_BUILT_IN: dict[str, SourceFactory] = {
    "bluesky": BlueskySource,
    "github": GitHubSource,
    "mastodon": MastodonSource,
    "profile_pages": ProfilePagesSource,
}
_UNKNOWN_PLATFORM = Platform()


def source_types() -> list[str]:
    return sorted(_BUILT_IN)


def default_query_kinds(config: SourceConfig) -> frozenset[str]:
    """The kinds of query (NAME, HANDLE) an entry's adapter answers by default, read without building
    it (no token read, no connection); ``probe_handles = true`` may add HANDLE. Empty for an unknown type."""
    return getattr(_BUILT_IN.get(config.type), "query_kinds", frozenset())


def platform(source_type: str) -> Platform:
    """An adapter type's platform facts (sources/base.py ``Platform``), read without building it;
    an unknown type has the default ones: the generic report advice, no page linked, no domain."""
    return getattr(_BUILT_IN.get(source_type), "platform", _UNKNOWN_PLATFORM)


def profile_link(url: str, handle: str, source: SourceConfig | None) -> str:
    """``url`` when it is a page on ``source``'s own platform, else "" (show the account as text).

    A profile's address is scraped. Mastodon and GitHub take it from the account's ``url`` field,
    which a hostile server or account can point anywhere (a look-alike sign-in page, say). Alerts and
    the digest link an address only when its origin (scheme, host, port) is one the source's adapter
    builds profile pages on (its platform's ``profile_origins``); otherwise they show the account as
    text. An unknown source or type links nothing.
    """
    found = origin(url)
    if source is None or found is None:
        return ""
    return url if found in platform(source.type).profile_origins(source, handle) else ""


def local_domains(sources: Sequence[SourceConfig]) -> dict[str, str]:
    """Each source's own account domain where its platform has one (a Mastodon server's), for
    roster handles written without one."""
    domains = {}
    for source in sources:
        domain = platform(source.type).local_domain(source)
        if domain:
            domains[source.name] = domain
    return domains


def build_source(config: SourceConfig, http: HttpClient) -> Source:
    """The adapter for a ``[[sources]]`` entry; its origin is trusted and rate-limited.

    The rate is the adapter's ``default_rate`` (from the platform's published limits)
    unless the entry sets ``rate_limit = "300/5m"``.
    """
    try:
        factory = _BUILT_IN[config.type]
    except KeyError:
        raise ConfigError(
            f"source {config.name!r}: unknown type {config.type!r} (known: {', '.join(source_types())})"
        ) from None
    rate = getattr(factory, "default_rate", None)
    if "rate_limit" in config.options:
        try:
            rate = Rate.parse(str(config.options["rate_limit"]))
        except ValueError as exc:
            raise ConfigError(f"source {config.name!r}: {exc}") from None
    http.trust(config.base_url, rate)
    return factory(config, http)
