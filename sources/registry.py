"""Adapters by ``type``, as ``[[sources]]`` entries in the config name them."""

from __future__ import annotations

from collections.abc import Callable

from sources.base import Source
from sources.bluesky import BlueskySource
from sources.http import HttpClient
from watcher.config import SourceConfig
from watcher.errors import ConfigError

SourceFactory = Callable[[SourceConfig, HttpClient], Source]

_BUILT_IN: dict[str, SourceFactory] = {
    "bluesky": BlueskySource,
}


def source_types() -> list[str]:
    return sorted(_BUILT_IN)


def build_source(config: SourceConfig, http: HttpClient) -> Source:
    try:
        factory = _BUILT_IN[config.type]
    except KeyError:
        raise ConfigError(
            f"source {config.name!r}: unknown type {config.type!r} (known: {', '.join(source_types())})"
        ) from None
    return factory(config, http)
