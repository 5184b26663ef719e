"""Adapters by ``type``, as ``[[sources]]`` entries in the config name them."""

from __future__ import annotations

from collections.abc import Callable

from sources.base import Source
from sources.bluesky import BlueskySource
from sources.github import GitHubSource
from sources.http import HttpClient, Rate
from sources.mastodon import MastodonSource
from sources.profile_pages import ProfilePagesSource
from watcher.config import SourceConfig
from watcher.errors import ConfigError

SourceFactory = Callable[[SourceConfig, HttpClient], Source]

_BUILT_IN: dict[str, SourceFactory] = {
    "bluesky": BlueskySource,
    "github": GitHubSource,
    "mastodon": MastodonSource,
    "profile_pages": ProfilePagesSource,
}


def source_types() -> list[str]:
    return sorted(_BUILT_IN)


def default_query_kinds(config: SourceConfig) -> frozenset[str]:
    """The kinds of query (NAME, HANDLE) an entry's adapter answers by default, read without building
    it (no token read, no connection); ``probe_handles = true`` may add HANDLE. Empty for an unknown type."""
    return getattr(_BUILT_IN.get(config.type), "query_kinds", frozenset())


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
