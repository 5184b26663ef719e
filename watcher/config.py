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
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watcher.errors import ConfigError
from watcher.toml_table import TomlTable, parse_duration
from watcher.web_config import WebConfig, check_web_address, read_web

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "IdentityWatch/0.1 (self-hosted staff impersonation watch)"
ENV_VAR = "WATCHER_CONFIG"
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DEFAULT_FILE = "watcher.toml"
_NOT_A_KEY = {"toml": None}  # field metadata: not read from a key of its own


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
    options: Mapping[str, Any] = field(default_factory=dict, metadata=_NOT_A_KEY)  # every other key of the entry
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
    sender: str = field(default="Identity Watch <watch@district.example>", metadata={"toml": "from"})
    transport: str = "maildir"
    maildir: Path = Path("outbox")
    reply_to: str | None = None
    smtp: SmtpConfig = SmtpConfig()


@dataclass(frozen=True)
class AlertsConfig:
    max_per_person_per_day: int = 3  # alert messages; findings over the cap wait for the next message
    # Where the district publishes the staff page (docs/staff.md: what an alert means, how to report,
    # how to leave), e.g. on its intranet; every alert links it.
    staff_page_url: str | None = None


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
    calibrated in watcher/matching/images/hash_index.py, which docs/engineering.md explains."""

    name_threshold: float = 0.88
    photo_distance: int | None = None  # with a matching name, no verification needed
    photo_only_distance: int | None = None  # a photo on its own: nominated for verification


@dataclass(frozen=True)
class Config:
    path: Path | None = field(default=None, metadata=_NOT_A_KEY)  # the file read
    database: Path = Path("watcher.db")
    timezone: str = "America/Los_Angeles"
    district: DistrictConfig = DistrictConfig()
    network: NetworkConfig = NetworkConfig()
    sources: tuple[SourceConfig, ...] = (
        SourceConfig(name="bluesky", type="bluesky", base_url="https://public.api.bsky.app"),
    )
    email: EmailConfig = EmailConfig()
    alerts: AlertsConfig = AlertsConfig()
    web: WebConfig = WebConfig()  # noqa: RUF009 - frozen, like the others (defined in watcher/web_config.py)
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
    """Build a Config from parsed TOML, table by table; ``path`` anchors relative paths.
    A table's keys are its dataclass's fields: any other key is logged and ignored."""
    root = TomlTable(data, Config, "", str(path) if path else "config", path.parent if path else Path.cwd())
    root.warn_unknown()
    timezone = root.string("timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{root.where}: unknown timezone {timezone!r}") from None
    return Config(  # read in this order, so the first bad table is the one reported
        timezone=timezone,
        district=_district(root.table("district", DistrictConfig)),
        network=_network(root.table("network", NetworkConfig)),
        sources=_sources(root),
        email=_email(root.table("email", EmailConfig)),
        alerts=_alerts(root.table("alerts", AlertsConfig)),
        web=read_web(root.table("web", WebConfig)),
        digest=_digest(root.table("digest", DigestConfig)),
        schedule=_schedule(root.table("schedule", ScheduleConfig)),
        retention=_retention(root.table("retention", RetentionConfig)),
        matching=_matching(root.table("matching", MatchingConfig)),
        database=root.path("database"),
        path=path,
    )


def _district(t: TomlTable) -> DistrictConfig:
    return DistrictConfig(
        name=t.string("name"),
        keywords=t.strings("keywords"),
        official_accounts=frozenset(_official(a, t.where) for a in t.strings("official_accounts")),
    )


def _network(t: TomlTable) -> NetworkConfig:
    network = t.fill()
    for key in ("request_deadline", "image_deadline"):
        t.check(getattr(network, key) > 0, f"'network.{key}' must be more than 0 seconds")
    return network


def _sources(root: TomlTable) -> tuple[SourceConfig, ...]:
    if "sources" not in root.data:
        return Config.sources
    root.check(isinstance(root.data["sources"], list), "'sources' must be an array of tables ([[sources]])")
    sources = tuple(_source(s, i, root) for i, s in enumerate(root.data["sources"]))
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    root.check(not duplicates, f"source names must be unique, repeated: {', '.join(duplicates)}")
    return sources


def _source(raw: Any, index: int, root: TomlTable) -> SourceConfig:
    label = f"sources[{index}]."
    root.check(isinstance(raw, dict), f"{label[:-1]} must be a table")
    t = TomlTable(raw, SourceConfig, label, root.where, root.base)
    # Every other key is an option of the entry's adapter, which only the adapter knows (sources
    # import this module, not the other way round): warn only when one looks like a mistyped setting.
    extra = set(raw) - set(t.keys)
    for key in sorted(extra):
        if hint := t.did_you_mean(key):
            log.warning("%s: unknown setting '%s%s' passed to the adapter as an option%s", t.where, label, key, hint)
    name, type_, base_url = t.string("name"), t.string("type"), t.string("base_url")
    for key, value in (("name", name), ("type", type_), ("base_url", base_url)):
        t.check(bool(value), f"{label}{key} is required")
    # Rosters and official_accounts spell accounts "source:handle" in lower case.
    name = name.strip().lower()
    t.check(bool(_SOURCE_NAME.match(name)), f"{label}name {name!r} may use only letters, digits, '-' and '_'")
    t.check(base_url.startswith(("http://", "https://")), f"{label}base_url must start with http:// or https://")
    page_size, max_pages = t.integer("page_size"), t.integer("max_pages")
    t.check(page_size >= 1 and max_pages >= 1, f"{label}page_size and max_pages must be at least 1")
    return SourceConfig(
        scan_every=t.duration("scan_every"),
        name=name,
        type=type_,
        base_url=base_url.rstrip("/"),
        page_size=page_size,
        max_pages=max_pages,
        # Options naming files ("sites_file") are relative to the config file, like every path.
        options={
            k: str(t.resolve(v)) if k.endswith("_file") and isinstance(v, str) else v
            for k, v in raw.items()
            if k in extra
        },
    )


def _smtp(t: TomlTable) -> SmtpConfig:
    smtp = t.fill()
    t.check(
        smtp.security in SMTP_SECURITY,
        f"email.smtp.security {smtp.security!r} must be one of {', '.join(SMTP_SECURITY)}",
    )
    t.check(0 < smtp.port < 65536, f"email.smtp.port {smtp.port} is not a port number")
    return smtp


def _email(t: TomlTable) -> EmailConfig:
    email = t.fill(smtp=_smtp(t.table("smtp", SmtpConfig)))
    t.check(
        email.transport in TRANSPORTS,
        f"email.transport {email.transport!r} is not supported (use {' or '.join(TRANSPORTS)})",
    )
    _check_address(email.sender, "email.from", t.where)
    return email


def _alerts(t: TomlTable) -> AlertsConfig:
    alerts = t.fill()
    t.check(alerts.max_per_person_per_day >= 1, "alerts.max_per_person_per_day must be at least 1")
    check_web_address(t, alerts.staff_page_url, "alerts.staff_page_url")
    return alerts


def _digest(t: TomlTable) -> DigestConfig:
    read = t.fill()
    digest = replace(read, weekday=read.weekday.strip().lower()[:3], time=read.time.strip())
    for address in digest.to:
        _check_address(address, "digest.to", t.where)
    t.check(digest.weekday in WEEKDAYS, f"digest.weekday must be one of {', '.join(WEEKDAYS)}")
    t.check(
        bool(re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", digest.time)),
        f"digest.time {digest.time!r} must be HH:MM (24-hour clock)",
    )
    return digest


def _schedule(t: TomlTable) -> ScheduleConfig:
    grace = t.data.get("stop_grace", ScheduleConfig.stop_grace)  # seconds, or a duration such as "90s"
    if isinstance(grace, str):
        grace = parse_duration(grace, "schedule.stop_grace", t.where)
    t.check(
        not isinstance(grace, bool) and isinstance(grace, int | float) and 0 < grace <= MAX_STOP_GRACE,
        "schedule.stop_grace must be a number of seconds (or a duration such as 90s), "
        f"more than 0 and at most {MAX_STOP_GRACE:.0f}",
    )
    schedule = ScheduleConfig(
        scan_every=t.duration("scan_every"),
        jitter=t.number("jitter"),
        deliver_every=t.duration("deliver_every"),
        stop_grace=float(grace),
    )
    t.check(schedule.jitter <= 0.5, "schedule.jitter is a share of the interval, at most 0.5")
    return schedule


def _retention(t: TomlTable) -> RetentionConfig:
    retention = t.fill()
    t.check(retention.observations_days >= 1 and retention.evidence_days >= 1, "retention days must be at least 1")
    return retention


def _matching(t: TomlTable) -> MatchingConfig:
    return MatchingConfig(
        name_threshold=t.number("name_threshold"),
        photo_distance=_optional_int(t.number("photo_distance")),
        photo_only_distance=_optional_int(t.number("photo_only_distance")),
    )


def _check_address(value: str, key: str, where: str) -> None:
    """One address ("Name <a@b.example>" or "a@b.example"), no line breaks: it goes into a header."""
    _, address = parseaddr(value)
    if "\r" in value or "\n" in value or "@" not in address or address.count("@") != 1:
        raise ConfigError(f"{where}: {key} {value!r} is not an e-mail address")


def _optional_int(value: float | None) -> int | None:
    if value is not None and value < 1:
        raise ConfigError("matching distances must be at least 1")
    return None if value is None else int(value)


def _official(value: str, where: str) -> str:
    source, sep, handle = value.partition(":")
    if not sep or not source or not handle:
        raise ConfigError(f"{where}: district.official_accounts entry {value!r} must be 'source:handle'")
    return f"{source.strip().lower()}:{handle.strip().lstrip('@').lower()}"
