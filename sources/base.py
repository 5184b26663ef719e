"""The ``Source`` protocol every adapter follows (its ``Profile`` records live in watcher.models).

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

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from watcher.config import SourceConfig
from watcher.errors import ConfigError
from watcher.models import Profile, ReportGuide
from watcher.text import web_url

log = logging.getLogger(__name__)

MAX_LINKS = 20  # websites and verified links kept per profile

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


# --- What the application knows of a platform besides its searches ------------------------------

Origin = tuple[str, str, int]  # scheme, host (lower case), port
_DEFAULT_PORTS = {"https": 443, "http": 80}
# What to do on a platform whose adapter says nothing of it.
GENERIC_REPORT = ReportGuide(
    "Open the profile and use the platform's own report option for impersonation.",
    "the link to the profile; most platforms accept an impersonation report only from the person impersonated, "
    "and many ask for a photo ID.",
    steps_es="Abra el perfil y use la opción de denuncia de la propia plataforma para la suplantación de identidad.",
    needs_es="el enlace al perfil; la mayoría de las plataformas solo aceptan una denuncia de suplantación de la "
    "persona suplantada, y muchas piden un documento de identidad con foto.",
)


def _no_origins(config: SourceConfig, handle: str) -> frozenset[Origin]:
    return frozenset()


def _no_local_domain(config: SourceConfig) -> str | None:
    return None


@dataclass(frozen=True)
class Platform:
    """A platform's facts, kept in its adapter (the ``platform`` of its class) and read by type
    without building it (sources/registry.py ``platform``):

    - ``report``: how a person reports an account there, and what the platform will ask for, in English
      and Spanish (``ReportGuide.in_language``; a button's label is quoted as the platform's English
      interface writes it, its meaning given in Spanish beside it);
    - ``profile_origins(config, handle)``: the origins the entry's platform shows profiles on, for an
      account with this handle: an e-mail links a scraped profile address only there;
    - ``local_domain(config)``: the domain of the entry's own accounts (a Mastodon server's), for
      roster handles written without one; None where handles have no domain.

    An adapter class without a ``platform``, and an unknown type, get these defaults: the generic
    advice, no page linked, no domain.
    """

    report: ReportGuide = GENERIC_REPORT
    profile_origins: Callable[[SourceConfig, str], frozenset[Origin]] = _no_origins
    local_domain: Callable[[SourceConfig], str | None] = _no_local_domain


def origins(*urls: str) -> frozenset[Origin]:
    return frozenset(o for o in map(origin, urls) if o is not None)


def origin(url: str) -> Origin | None:
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
