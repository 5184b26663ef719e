"""Configuration: one frozen object, loaded from TOML and passed explicitly.

The file is found in this order: ``--config PATH``, ``$WATCHER_CONFIG``,
``./watcher.toml``; without one the built-in defaults apply. Relative paths in
the file are relative to the file's own folder, so a config can be moved with
its data.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watcher.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "IdentityWatch/0.1 (self-hosted staff impersonation watch)"
ENV_VAR = "WATCHER_CONFIG"
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DEFAULT_FILE = "watcher.toml"


@dataclass(frozen=True)
class DistrictConfig:
    name: str = "Example Unified School District"
    keywords: tuple[str, ...] = ()
    official_accounts: frozenset[str] = frozenset()  # "source:handle", lowercased


@dataclass(frozen=True)
class NetworkConfig:
    allow_private_addresses: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 10.0
    max_image_bytes: int = 5_000_000
    max_image_pixels: int = 16_000_000
    max_body_bytes: int = 2_000_000  # JSON and HTML answers
    retries: int = 2  # after the first try, on 5xx, timeouts and refused connections
    retry_backoff: float = 1.0  # seconds before the first retry; doubles, with jitter
    max_wait: float = 60.0  # longest pause a host may ask for before we give up for this scan


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: str
    base_url: str
    page_size: int = 25
    max_pages: int = 4
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailConfig:
    sender: str = "Identity Watch <watch@district.example>"
    transport: str = "maildir"
    maildir: Path = Path("outbox")
    reply_to: str | None = None


@dataclass(frozen=True)
class DigestConfig:
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchingConfig:
    """Thresholds of the matching rules (see watcher/matching/decision.py). ``None``: the value
    calibrated in watcher/matching/images.py, which the README explains."""

    name_threshold: float = 0.88
    photo_distance: int | None = None  # with a matching name
    photo_only_distance: int | None = None  # a photo on its own
    logo_distance: int | None = None


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    database: Path = Path("watcher.db")
    timezone: str = "America/Los_Angeles"
    district: DistrictConfig = DistrictConfig()
    network: NetworkConfig = NetworkConfig()
    sources: tuple[SourceConfig, ...] = (
        SourceConfig(name="bluesky", type="bluesky", base_url="https://public.api.bsky.app"),
    )
    email: EmailConfig = EmailConfig()
    digest: DigestConfig = DigestConfig()
    matching: MatchingConfig = MatchingConfig()

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in the configuration (configured: {known})")


def find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    local = Path(DEFAULT_FILE)
    return local if local.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration the CLI would use (see module docstring)."""
    path = find_config_file(explicit)
    if path is None:
        return Config()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """Build a Config from parsed TOML; ``path`` anchors relative paths."""
    where = str(path) if path else "config"
    base = path.parent if path else Path.cwd()
    reader = _Reader(where, base)
    reader.warn_unknown(
        data,
        {"database", "timezone", "district", "network", "sources", "email", "digest", "matching"},
        "",
    )
    defaults = Config()

    timezone = reader.string(data, "timezone", defaults.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown timezone {timezone!r}") from None

    district_t = reader.table(data, "district")
    district = DistrictConfig(
        name=reader.string(district_t, "name", DistrictConfig.name, "district."),
        keywords=tuple(reader.strings(district_t, "keywords", "district.")),
        official_accounts=frozenset(
            _official(a, where) for a in reader.strings(district_t, "official_accounts", "district.")
        ),
    )

    net_t = reader.table(data, "network")
    network = NetworkConfig(
        allow_private_addresses=reader.boolean(net_t, "allow_private_addresses", False, "network."),
        user_agent=reader.string(net_t, "user_agent", DEFAULT_USER_AGENT, "network."),
        timeout=reader.number(net_t, "timeout", NetworkConfig.timeout, "network."),
        max_image_bytes=int(reader.number(net_t, "max_image_bytes", NetworkConfig.max_image_bytes, "network.")),
        max_image_pixels=int(reader.number(net_t, "max_image_pixels", NetworkConfig.max_image_pixels, "network.")),
        max_body_bytes=int(reader.number(net_t, "max_body_bytes", NetworkConfig.max_body_bytes, "network.")),
        retries=int(reader.number(net_t, "retries", NetworkConfig.retries, "network.")),
        retry_backoff=reader.number(net_t, "retry_backoff", NetworkConfig.retry_backoff, "network."),
        max_wait=reader.number(net_t, "max_wait", NetworkConfig.max_wait, "network."),
    )

    sources = defaults.sources
    if "sources" in data:
        raw_sources = data["sources"]
        if not isinstance(raw_sources, list):
            raise ConfigError(f"{where}: 'sources' must be an array of tables ([[sources]])")
        sources = tuple(_source(s, i, reader) for i, s in enumerate(raw_sources))
        names = [s.name for s in sources]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"{where}: source names must be unique, repeated: {', '.join(duplicates)}")

    email_t = reader.table(data, "email")
    email = EmailConfig(
        sender=reader.string(email_t, "from", EmailConfig.sender, "email."),
        transport=reader.string(email_t, "transport", "maildir", "email."),
        maildir=_path(base, reader.string(email_t, "maildir", "outbox", "email.")),
        reply_to=reader.string(email_t, "reply_to", None, "email."),
    )
    if email.transport not in {"maildir"}:
        raise ConfigError(f"{where}: email.transport {email.transport!r} is not supported (use 'maildir')")

    digest_t = reader.table(data, "digest")
    digest = DigestConfig(to=tuple(reader.strings(digest_t, "to", "digest.")))

    match_t = reader.table(data, "matching")
    m = MatchingConfig()
    matching = MatchingConfig(
        name_threshold=reader.number(match_t, "name_threshold", m.name_threshold, "matching."),
        photo_distance=_optional_int(reader.number(match_t, "photo_distance", None, "matching.")),
        photo_only_distance=_optional_int(reader.number(match_t, "photo_only_distance", None, "matching.")),
        logo_distance=_optional_int(reader.number(match_t, "logo_distance", None, "matching.")),
    )

    return Config(
        path=path,
        database=_path(base, reader.string(data, "database", "watcher.db")),
        timezone=timezone,
        district=district,
        network=network,
        sources=sources,
        email=email,
        digest=digest,
        matching=matching,
    )


def _path(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _optional_int(value: float | None) -> int | None:
    if value is not None and value < 1:
        raise ConfigError("matching distances must be at least 1")
    return None if value is None else int(value)


def _official(value: str, where: str) -> str:
    source, sep, handle = value.partition(":")
    if not sep or not source or not handle:
        raise ConfigError(f"{where}: district.official_accounts entry {value!r} must be 'source:handle'")
    return f"{source.strip().lower()}:{handle.strip().lstrip('@').lower()}"


def _source(raw: Any, index: int, reader: _Reader) -> SourceConfig:
    label = f"sources[{index}]."
    if not isinstance(raw, dict):
        raise ConfigError(f"{reader.where}: {label[:-1]} must be a table")
    name = reader.string(raw, "name", None, label)
    type_ = reader.string(raw, "type", None, label)
    base_url = reader.string(raw, "base_url", None, label)
    for key, value in (("name", name), ("type", type_), ("base_url", base_url)):
        if not value:
            raise ConfigError(f"{reader.where}: {label}{key} is required")
    assert name and type_ and base_url
    # Rosters and official_accounts spell accounts "source:handle" in lower case.
    name = name.strip().lower()
    if not _SOURCE_NAME.match(name):
        raise ConfigError(f"{reader.where}: {label}name {name!r} may use only letters, digits, '-' and '_'")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{reader.where}: {label}base_url must start with http:// or https://")
    page_size = int(reader.number(raw, "page_size", SourceConfig.page_size, label))
    max_pages = int(reader.number(raw, "max_pages", SourceConfig.max_pages, label))
    if page_size < 1 or max_pages < 1:
        raise ConfigError(f"{reader.where}: {label}page_size and max_pages must be at least 1")
    known = {"name", "type", "base_url", "page_size", "max_pages"}
    return SourceConfig(
        name=name,
        type=type_,
        base_url=base_url.rstrip("/"),
        page_size=page_size,
        max_pages=max_pages,
        # Options naming files ("sites_file") are relative to the config file, like every path.
        options={
            k: str(_path(reader.base, v)) if k.endswith("_file") and isinstance(v, str) else v
            for k, v in raw.items()
            if k not in known
        },
    )


class _Reader:
    """Typed access to TOML tables with one-line errors naming the key."""

    def __init__(self, where: str, base: Path) -> None:
        self.where = where
        self.base = base

    def warn_unknown(self, table: Mapping[str, Any], known: set[str], prefix: str) -> None:
        for key in sorted(set(table) - known):
            log.warning("%s: unknown setting '%s%s' ignored", self.where, prefix, key)

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.where}: '{key}' must be a table")
        return value

    def _get(self, table: Mapping[str, Any], key: str, default: Any, types: tuple, what: str, prefix: str):
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in types:
            raise ConfigError(f"{self.where}: '{prefix}{key}' must be {what}")
        if not isinstance(value, types):
            raise ConfigError(f"{self.where}: '{prefix}{key}' must be {what}")
        return value

    def string(self, table: Mapping[str, Any], key: str, default: str | None, prefix: str = "") -> Any:
        return self._get(table, key, default, (str,), "a string", prefix)

    def boolean(self, table: Mapping[str, Any], key: str, default: bool, prefix: str = "") -> bool:
        return self._get(table, key, default, (bool,), "true or false", prefix)

    def number(self, table: Mapping[str, Any], key: str, default: float, prefix: str = "") -> Any:
        value = self._get(table, key, default, (int, float), "a number", prefix)
        if value is not None and value < 0:
            raise ConfigError(f"{self.where}: '{prefix}{key}' must not be negative")
        return value

    def strings(self, table: Mapping[str, Any], key: str, prefix: str = "") -> list[str]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.where}: '{prefix}{key}' must be a list of strings")
        return value
