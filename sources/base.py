"""The ``Source`` protocol and the ``Profile`` record every adapter yields.

A source answers two kinds of query, and one re-check:

- ``search(text)``: profiles whose name matches a person's name (kind ``"name"``);
- ``lookup(handle)``: does this exact handle exist here (kind ``"handle"``)? A ``Profile``
  when it does, ``None`` when the platform says it does not;
- ``fetch(platform_id, handle)``: one known account, asked for directly by its stable id where
  the platform allows it (absence from search results proves nothing). A ``Profile`` while it
  exists, ``None`` only when the platform says it is gone (deleted, suspended, taken down).

"Could not tell" (rate limit, block page, timeout, unexpected answer) is never an answer:
all three raise a ``SourceError`` whose ``reason`` says why. Sources never touch the database.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from watcher.config import SourceConfig
from watcher.errors import ConfigError

log = logging.getLogger(__name__)

MAX_LINE = 300
MAX_URL = 2000  # longer URLs are dropped, never cut: a cut URL is another URL
MAX_TEXT = 3000
MAX_LINKS = 20  # websites and verified links kept per profile
# Bidi embeddings, overrides, isolates and marks: they can make text read backwards.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What control characters (C0, DEL, C1) and lone surrogates become in scraped text.
_UNSAFE = {"Cc": " ", "Cs": "\ufffd"}
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Profile:
    """A public profile as a platform shows it. Every text field is untrusted."""

    source: str  # the configured source name
    platform_id: str  # the platform's stable id (a DID, a numeric id, a URL)
    handle: str
    display_name: str = ""
    description: str = ""
    avatar_url: str | None = None
    profile_url: str = ""
    labels: tuple[str, ...] = field(default=())
    banner_url: str | None = None
    links: tuple[str, ...] = field(default=())  # websites and verified links the profile shows
    # The platform's own moderation verdicts on the account, in effect now (e.g. IMPERSONATION
    # from Bluesky's moderation service, LIMITED by a Mastodon server's moderators). Only what the
    # platform or its moderators said, never what the account says of itself.
    moderation: tuple[str, ...] = field(default=())
    raw: str = field(default="", compare=False, repr=False)  # the answer as fetched (JSON or HTML), for evidence
    raw_type: str = field(default="", compare=False, repr=False)  # "application/json" or "text/html"

    @property
    def account(self) -> str:
        """``source:handle`` as rosters and the config spell own and official accounts."""
        return f"{self.source}:{self.handle.lower()}"


NAME = "name"
HANDLE = "handle"
PREFIX = "prefix"  # a name whose last word is typed only in part: "Brown T" finds "Tyl3r Brown" (typeahead)
# Moderation verdicts (``Profile.moderation``), spelled the same by every adapter.
IMPERSONATION = "impersonation"  # the platform's moderators say the account impersonates someone
LIMITED = "limited"  # the platform's moderators limited (hid or silenced) the account
SPAM = "spam or fraud"  # the platform marks the account as spam or fraud
JSON = "application/json"
HTML = "text/html"


@dataclass(frozen=True)
class SearchRule:
    """How a platform's account search matches a query (see platform-notes), so that planning
    sends each name in the forms this platform needs and no others."""

    any_order: bool = True  # "Anderson Patricia" finds "Patricia Anderson"
    folds_accents: bool = True  # "Garcia" finds "García"
    handles: bool = False  # a query word can match a handle: handle-shaped queries find accounts
    names: bool = True  # display names are searched at all


def name_query_kinds(config: SourceConfig) -> frozenset[str]:
    """Name search, plus exact-handle lookups when the entry sets ``probe_handles = true``."""
    return frozenset({NAME, HANDLE}) if config.options.get("probe_handles") is True else frozenset({NAME})


@runtime_checkable
class Typeahead(Protocol):
    """A source whose typeahead search matches the last query word as a prefix (kind PREFIX):
    a name disguised in one half ("Tyl3r Brown", "Yolanda Gracía") is still found by the other
    half and the disguised half's first letter."""

    def search_prefix(self, query: str) -> Iterator[Profile]: ...


@runtime_checkable
class Browsable(Protocol):
    """A source that also lists accounts whatever their name (Mastodon's profile directory): the
    one way to meet an impostor whose name and handle say nothing of the person."""

    name: str

    def directory(self) -> Iterator[Profile]: ...


class Source(Protocol):
    """A public source, built from its ``[[sources]]`` entry and the shared HttpClient."""

    name: str
    query_kinds: frozenset[str]  # which of NAME and HANDLE it answers
    search_rule: SearchRule  # how its name search matches (for NAME queries)

    def search(self, query: str) -> Iterator[Profile]: ...

    def lookup(self, handle: str) -> Profile | None: ...

    def fetch(self, platform_id: str, handle: str) -> Profile | None: ...


def clean_line(value: Any) -> str:
    """Scraped text for one line: a string, no control or bidi characters, bounded length.

    Idempotent: cleaning clean text changes nothing (a cut never leaves a trailing space)."""
    return _one_line(value)[:MAX_LINE].rstrip()


def printable(text: str) -> str:
    """Text as a terminal, a log or an error message may show it: each unprintable character
    (control, bidi, line break) becomes "?", so what was there is still visible as something."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def clean_text(value: Any) -> str:
    """Scraped text that may span lines (a bio): like ``clean_line`` but keeps line breaks, and
    bounds the whole text, not each line (a school named late in a one-line bio is kept)."""
    if not isinstance(value, str):
        return ""
    lines = (_one_line(line[: MAX_TEXT * 2]) for line in value[: MAX_TEXT * 4].replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT].rstrip()


def _one_line(value: Any) -> str:
    """Controls become spaces, runs of white space (U+2028 and U+0085 too) one space, bidi
    characters go, and a lone surrogate (JSON may carry one; SQLite and e-mail cannot) becomes U+FFFD."""
    if not isinstance(value, str):
        return ""
    text = _BIDI.sub("", value)
    text = "".join(_UNSAFE.get(unicodedata.category(ch), ch) for ch in text)
    return " ".join(text.split())


def raw_json(value: Any) -> str:
    """``value`` (a parsed API answer) as JSON text for evidence, non-ASCII kept readable.

    A lone surrogate (JSON may carry ``"\\ud800"``; UTF-8, so SQLite and e-mail, cannot) stays
    escaped; a value too deeply nested to write again gives "" (no raw answer kept)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return ""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def too_long(source: str, what: str, value: str, limit: int) -> bool:
    """Whether an identifier is longer than ``limit``; if so, says so in the log (its length,
    never the text). An over-long identifier is refused, never cut: a cut one names someone else."""
    if len(value) <= limit:
        return False
    log.warning("%s: skipping an account whose %s is %d characters long (at most %d)", source, what, len(value), limit)
    return True


def count_option(config: SourceConfig, key: str, default: int) -> int:
    """A whole-number option of the entry (0 or more), ``default`` when it is not set."""
    value = config.options.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"source {config.name!r}: {key} must be a whole number, 0 or more")
    return value


def read_token(config: SourceConfig) -> str | None:
    """The token named by the ``token_env`` option, read once; None (with a warning) when unset."""
    variable = config.options.get("token_env")
    if variable is None:
        return None
    if not isinstance(variable, str) or not variable.strip():
        raise ConfigError(f"source {config.name!r}: token_env must name an environment variable")
    token = os.environ.get(variable.strip(), "").strip()
    if not token:
        log.warning("%s: environment variable %s is empty or unset; working without a token", config.name, variable)
        return None
    return token


def web_url(value: Any) -> str | None:
    """An http(s) URL taken as is, or None: scraped URLs with spaces, control characters or a user part are
    refused, and so are URLs longer than ``MAX_URL`` (dropped whole, never cut)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return None
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        return None
    try:
        parts = urlsplit(value)
        hostname, _port, user = parts.hostname, parts.port, parts.username
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and hostname and user is None else None
