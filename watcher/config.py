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
from email.utils import parseaddr
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
    request_deadline: float = 30.0  # seconds for a whole API answer or page: connect, headers, body
    image_deadline: float = 10.0  # the same for one image


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: str
    base_url: str
    page_size: int = 25
    max_pages: int = 4
    options: Mapping[str, Any] = field(default_factory=dict)
    scan_every: float | None = None  # seconds; None: [schedule] scan_every


SMTP_SECURITY = ("none", "starttls", "tls")
TRANSPORTS = ("maildir", "smtp")


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none (a local relay) | starttls | tls (implicit TLS)
    username: str = ""  # AUTH only when set; the password is read from the variable below
    password_env: str = "WATCHER_SMTP_PASSWORD"
    timeout: float = 10.0


@dataclass(frozen=True)
class EmailConfig:
    sender: str = "Identity Watch <watch@district.example>"
    transport: str = "maildir"
    maildir: Path = Path("outbox")
    reply_to: str | None = None
    smtp: SmtpConfig = SmtpConfig()


@dataclass(frozen=True)
class AlertsConfig:
    max_per_person_per_day: int = 3  # alert messages; findings over the cap wait for the next message


@dataclass(frozen=True)
class WebConfig:
    base_url: str | None = None  # public address of the web front: enables links and List-Unsubscribe


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestConfig:
    to: tuple[str, ...] = ()
    weekday: str = "mon"  # when `watcher run` sends last week's digest, in the district timezone
    time: str = "07:00"


@dataclass(frozen=True)
class ScheduleConfig:
    """How often `watcher run` does each job (seconds)."""

    scan_every: float = 24 * 3600.0
    jitter: float = 0.1  # a share of the interval, so districts do not all knock at the same second
    deliver_every: float = 60.0
    # After SIGTERM, how long running jobs get to reach their next stop check; then `watcher run`
    # exits whatever they are doing (they are marked abandoned and redone at the next start).
    stop_grace: float = 60.0


MAX_STOP_GRACE = 3600.0


@dataclass(frozen=True)
class RetentionConfig:
    observations_days: int = 30  # profiles seen that never became a finding
    evidence_days: int = 180  # evidence of resolved and dismissed findings


@dataclass(frozen=True)
class MatchingConfig:
    """Thresholds of the matching rules (see watcher/matching/decision.py). ``None``: the value
    calibrated in watcher/matching/images.py, which the README explains."""

    name_threshold: float = 0.88
    photo_distance: int | None = None  # with a matching name, no verification needed
    photo_only_distance: int | None = None  # a photo on its own: nominated for verification


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
    alerts: AlertsConfig = AlertsConfig()
    web: WebConfig = WebConfig()
    digest: DigestConfig = DigestConfig()
    matching: MatchingConfig = MatchingConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    retention: RetentionConfig = RetentionConfig()

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
        {
            "database",
            "timezone",
            "district",
            "network",
            "sources",
            "email",
            "alerts",
            "web",
            "digest",
            "matching",
            "schedule",
            "retention",
        },
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
    reader.warn_unknown(net_t, set(NetworkConfig.__dataclass_fields__), "network.")
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
        request_deadline=reader.number(net_t, "request_deadline", NetworkConfig.request_deadline, "network."),
        image_deadline=reader.number(net_t, "image_deadline", NetworkConfig.image_deadline, "network."),
    )
    for key in ("request_deadline", "image_deadline"):
        if getattr(network, key) <= 0:
            raise ConfigError(f"{where}: 'network.{key}' must be more than 0 seconds")

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
    reader.warn_unknown(email_t, {"from", "transport", "maildir", "reply_to", "smtp"}, "email.")
    smtp_t = reader.table(email_t, "smtp")
    reader.warn_unknown(smtp_t, {"host", "port", "security", "username", "password_env", "timeout"}, "email.smtp.")
    s = SmtpConfig()
    smtp = SmtpConfig(
        host=reader.string(smtp_t, "host", s.host, "email.smtp."),
        port=int(reader.number(smtp_t, "port", s.port, "email.smtp.")),
        security=reader.string(smtp_t, "security", s.security, "email.smtp."),
        username=reader.string(smtp_t, "username", s.username, "email.smtp."),
        password_env=reader.string(smtp_t, "password_env", s.password_env, "email.smtp."),
        timeout=reader.number(smtp_t, "timeout", s.timeout, "email.smtp."),
    )
    if smtp.security not in SMTP_SECURITY:
        raise ConfigError(f"{where}: email.smtp.security {smtp.security!r} must be one of {', '.join(SMTP_SECURITY)}")
    if not 0 < smtp.port < 65536:
        raise ConfigError(f"{where}: email.smtp.port {smtp.port} is not a port number")
    email = EmailConfig(
        sender=reader.string(email_t, "from", EmailConfig.sender, "email."),
        transport=reader.string(email_t, "transport", "maildir", "email."),
        maildir=_path(base, reader.string(email_t, "maildir", "outbox", "email.")),
        reply_to=reader.string(email_t, "reply_to", None, "email."),
        smtp=smtp,
    )
    if email.transport not in TRANSPORTS:
        raise ConfigError(
            f"{where}: email.transport {email.transport!r} is not supported (use {' or '.join(TRANSPORTS)})"
        )
    _check_address(email.sender, "email.from", where)

    alerts_t = reader.table(data, "alerts")
    reader.warn_unknown(alerts_t, {"max_per_person_per_day"}, "alerts.")
    alerts = AlertsConfig(
        max_per_person_per_day=int(
            reader.number(alerts_t, "max_per_person_per_day", AlertsConfig.max_per_person_per_day, "alerts.")
        )
    )
    if alerts.max_per_person_per_day < 1:
        raise ConfigError(f"{where}: alerts.max_per_person_per_day must be at least 1")

    web_t = reader.table(data, "web")
    reader.warn_unknown(web_t, {"base_url"}, "web.")
    base_url = reader.string(web_t, "base_url", None, "web.")
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: web.base_url must start with https:// (or http:// for a test)")
    web = WebConfig(base_url=base_url.rstrip("/") if base_url else None)

    digest_t = reader.table(data, "digest")
    reader.warn_unknown(digest_t, {"to", "weekday", "time"}, "digest.")
    digest = DigestConfig(
        to=tuple(reader.strings(digest_t, "to", "digest.")),
        weekday=reader.string(digest_t, "weekday", DigestConfig.weekday, "digest.").strip().lower()[:3],
        time=reader.string(digest_t, "time", DigestConfig.time, "digest.").strip(),
    )
    for address in digest.to:
        _check_address(address, "digest.to", where)
    if digest.weekday not in WEEKDAYS:
        raise ConfigError(f"{where}: digest.weekday must be one of {', '.join(WEEKDAYS)}")
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", digest.time):
        raise ConfigError(f"{where}: digest.time {digest.time!r} must be HH:MM (24-hour clock)")

    schedule_t = reader.table(data, "schedule")
    reader.warn_unknown(schedule_t, {"scan_every", "jitter", "deliver_every", "stop_grace"}, "schedule.")
    sc = ScheduleConfig()
    grace = schedule_t.get("stop_grace", sc.stop_grace)  # seconds, or a duration such as "90s"
    if isinstance(grace, str):
        grace = parse_duration(grace, "schedule.stop_grace", where)
    if isinstance(grace, bool) or not isinstance(grace, int | float) or not 0 < grace <= MAX_STOP_GRACE:
        raise ConfigError(
            f"{where}: schedule.stop_grace must be a number of seconds (or a duration such as 90s), "
            f"more than 0 and at most {MAX_STOP_GRACE:.0f}"
        )
    schedule = ScheduleConfig(
        scan_every=parse_duration(
            reader.string(schedule_t, "scan_every", "24h", "schedule."), "schedule.scan_every", where
        ),
        jitter=reader.number(schedule_t, "jitter", sc.jitter, "schedule."),
        deliver_every=parse_duration(
            reader.string(schedule_t, "deliver_every", "60s", "schedule."), "schedule.deliver_every", where
        ),
        stop_grace=float(grace),
    )
    if schedule.jitter > 0.5:
        raise ConfigError(f"{where}: schedule.jitter is a share of the interval, at most 0.5")

    retention_t = reader.table(data, "retention")
    reader.warn_unknown(retention_t, {"observations_days", "evidence_days"}, "retention.")
    rc = RetentionConfig()
    retention = RetentionConfig(
        observations_days=int(reader.number(retention_t, "observations_days", rc.observations_days, "retention.")),
        evidence_days=int(reader.number(retention_t, "evidence_days", rc.evidence_days, "retention.")),
    )
    if retention.observations_days < 1 or retention.evidence_days < 1:
        raise ConfigError(f"{where}: retention days must be at least 1")

    match_t = reader.table(data, "matching")
    m = MatchingConfig()
    matching = MatchingConfig(
        name_threshold=reader.number(match_t, "name_threshold", m.name_threshold, "matching."),
        photo_distance=_optional_int(reader.number(match_t, "photo_distance", None, "matching.")),
        photo_only_distance=_optional_int(reader.number(match_t, "photo_only_distance", None, "matching.")),
    )

    return Config(
        path=path,
        database=_path(base, reader.string(data, "database", "watcher.db")),
        timezone=timezone,
        district=district,
        network=network,
        sources=sources,
        email=email,
        alerts=alerts,
        web=web,
        digest=digest,
        matching=matching,
        schedule=schedule,
        retention=retention,
    )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, key: str = "duration", where: str = "config") -> float:
    """``90s``, ``15m``, ``6h``, ``7d`` in seconds; a clear one-line error otherwise."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where}: {key} {text!r} must be a duration such as 90s, 15m, 6h or 7d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _check_address(value: str, key: str, where: str) -> None:
    """One address ("Name <a@b.example>" or "a@b.example"), no line breaks: it goes into a header."""
    _, address = parseaddr(value)
    if "\r" in value or "\n" in value or "@" not in address or address.count("@") != 1:
        raise ConfigError(f"{where}: {key} {value!r} is not an e-mail address")


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
    known = {"name", "type", "base_url", "page_size", "max_pages", "scan_every"}
    every = reader.string(raw, "scan_every", None, label)
    return SourceConfig(
        scan_every=parse_duration(every, f"{label}scan_every", reader.where) if every is not None else None,
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
