"""The sites the profile_pages source probes, as data: ``sources/sites.json``.

Each entry is checked against what ``sources/sites.schema.json`` says (``validate_site``, by hand:
no schema library), when a source is built from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sources.base import IMPERSONATION, LIMITED, SPAM
from sources.page_fields import AVATAR_PLACES, parse_html
from watcher.errors import ConfigError

REQUIRED_KEYS = (
    "name",
    "base_url",
    "profile_path",
    "handle_pattern",
    "exists",
    "missing",
    "known_existing",
    "known_missing",
    "protection",
    "terms",
)
OPTIONAL_KEYS = ("notes", "avatar_from", "moderation")
SITE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Handles no site pattern may accept: they would walk the URL path instead of naming a profile.
UNSAFE_HANDLES = ("", ".", "..", "../admin", "a/b", "a\\b")
# A site's ``moderation`` verdicts, as sites.json spells them, to ``Profile.moderation``.
VERDICTS = {"spam": SPAM, "impersonation": IMPERSONATION, "limited": LIMITED}
MODERATION_KEYS = ("status", "selector", "text", "verdict")


def load_sites(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The site list by key: the bundled ``sources/sites.json``, or the file at ``path``.

    The bundled file is read through importlib.resources so an installed package finds it.
    Entries are not validated here; ``validate_site`` checks the one a source uses.
    """
    where = str(path) if path is not None else "bundled sites.json"
    try:
        if path is None:
            text = resources.files("sources").joinpath("sites.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"sites file not found: {where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read sites file {where}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid JSON: {exc}") from None
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, dict):
        raise ConfigError(f"{where}: must be an object with a 'sites' object")
    for key in sites:
        if not SITE_KEY.match(key):
            raise ConfigError(f"{where}: site key {key!r} may use only lower-case letters, digits, '-' and '_'")
    return sites


def validate_site(entry: Any) -> list[str]:
    """Everything wrong with one site entry (empty when it is usable); mirrors sites.schema.json."""
    if not isinstance(entry, dict):
        return ["a site entry must be an object"]
    problems = [f"'{key}' is required" for key in REQUIRED_KEYS if key not in entry]
    problems += [f"unknown key '{key}'" for key in entry if key not in REQUIRED_KEYS + OPTIONAL_KEYS]
    for key in ("name", "terms"):
        if key in entry and not has_text(entry[key]):
            problems.append(f"'{key}' must be a non-empty string")
    if "notes" in entry and not isinstance(entry["notes"], str):
        problems.append("'notes' must be a string")
    if "base_url" in entry:
        problems += _base_url_problems(entry["base_url"])
    if "profile_path" in entry:
        path = entry["profile_path"]
        if not isinstance(path, str) or not path.startswith("/") or path.count("{handle}") != 1:
            problems.append("'profile_path' must start with '/' and contain '{handle}' once")
        elif "{" in path.replace("{handle}", "") or "}" in path.replace("{handle}", ""):
            problems.append("'profile_path' may contain no braces but '{handle}'")
    pattern = _pattern(entry.get("handle_pattern"), problems) if "handle_pattern" in entry else None
    problems += _rule_problems(entry, "exists", needs_text=True)
    problems += _rule_problems(entry, "missing", needs_text=False)
    exists, missing = entry.get("exists"), entry.get("missing")
    if (
        isinstance(exists, dict)
        and isinstance(missing, dict)
        and exists.get("status") == missing.get("status")
        and not missing.get("contains")
    ):
        problems.append("'missing' needs 'contains' when its status is the same as 'exists'")
    for key in ("known_existing", "known_missing"):
        if key not in entry:
            continue
        handles = entry[key]
        if not isinstance(handles, list) or not handles or not all(has_text(h) for h in handles):
            problems.append(f"'{key}' must be a non-empty list of handles")
        elif pattern is not None:
            problems += [
                f"'{key}' handle {h!r} does not match 'handle_pattern'" for h in handles if not pattern.fullmatch(h)
            ]
    if "protection" in entry:
        protection = entry["protection"]
        if not isinstance(protection, list) or not all(has_text(p) for p in protection):
            problems.append("'protection' must be a list of strings (empty when the site has none)")
    if "avatar_from" in entry:
        problems += _avatar_from_problems(entry["avatar_from"])
    if "moderation" in entry:
        problems += _moderation_problems(entry["moderation"], entry.get("missing"))
    return problems


def has_text(value: Any) -> bool:
    """A string with something in it besides spaces."""
    return isinstance(value, str) and bool(value.strip())


def _base_url_problems(value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["'base_url' must be a string"]
    try:
        parts = urlsplit(value)
    except ValueError:
        return ["'base_url' is not a valid URL"]
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return ["'base_url' must be an http(s) URL with a host and no query or fragment"]
    return []


def _pattern(value: Any, problems: list[str]) -> re.Pattern[str] | None:
    if not has_text(value):
        problems.append("'handle_pattern' must be a non-empty regular expression")
        return None
    try:
        pattern = re.compile(value)
    except re.error as exc:
        problems.append(f"'handle_pattern' is not a valid regular expression: {exc}")
        return None
    unsafe = [h for h in UNSAFE_HANDLES if pattern.fullmatch(h)]
    if unsafe:
        problems.append(f"'handle_pattern' accepts unsafe handles: {', '.join(repr(h) for h in unsafe)}")
    return pattern


def _rule_problems(entry: Mapping[str, Any], key: str, *, needs_text: bool) -> list[str]:
    if key not in entry:
        return []
    rule = entry[key]
    if not isinstance(rule, dict):
        wanted = "'status' and 'contains'" if needs_text else "'status'"
        return [f"'{key}' must be an object with {wanted}"]
    problems = [f"'{key}' has unknown key '{k}'" for k in rule if k not in ("status", "contains")]
    if not _is_status(rule.get("status")):
        problems.append(f"'{key}.status' must be an HTTP status (100-599)")
    if ("contains" in rule or needs_text) and not (isinstance(rule.get("contains"), str) and rule["contains"]):
        problems.append(f"'{key}.contains' must be a non-empty string")
    return problems


def _is_status(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def _avatar_from_problems(places: Any) -> list[str]:
    if not isinstance(places, list):
        return ["'avatar_from' must be a list of places (empty when the site shows no profile photos)"]
    problems = []
    for place in places:
        if isinstance(place, str):
            if place not in AVATAR_PLACES:
                known = ", ".join(AVATAR_PLACES)
                problems.append(f"'avatar_from' has unknown place {place!r} (known: {known}, or an element)")
        elif isinstance(place, dict):
            problems += [
                f"'avatar_from' element has unknown key '{k}'" for k in place if k not in ("selector", "attribute")
            ]
            problems += _selector_problems("avatar_from.selector", place.get("selector"))
            if not has_text(place.get("attribute")):
                problems.append("'avatar_from.attribute' must name an attribute (e.g. 'src')")
        else:
            problems.append("'avatar_from' entries must be a place name or an object with 'selector' and 'attribute'")
    return problems


def _moderation_problems(rules: Any, missing: Any) -> list[str]:
    if not isinstance(rules, list) or not rules:
        return ["'moderation' must be a non-empty list of rules"]
    problems = []
    for rule in rules:
        if not isinstance(rule, dict):
            problems.append("'moderation' rules must be objects with 'status', 'selector', 'text' and 'verdict'")
            continue
        problems += [f"'moderation' rule has unknown key '{k}'" for k in rule if k not in MODERATION_KEYS]
        problems += [f"'moderation' rule needs '{k}'" for k in MODERATION_KEYS if k not in rule]
        if "status" in rule and not _is_status(rule["status"]):
            problems.append("'moderation.status' must be an HTTP status (100-599)")
        if "selector" in rule:
            problems += _selector_problems("moderation.selector", rule["selector"])
        if "text" in rule and not has_text(rule["text"]):
            problems.append("'moderation.text' must be a non-empty string")
        if "verdict" in rule and rule["verdict"] not in VERDICTS:
            problems.append(f"'moderation.verdict' must be one of: {', '.join(VERDICTS)}")
        if isinstance(missing, dict) and rule.get("status") == missing.get("status") and not missing.get("contains"):
            problems.append("a 'moderation' rule with the 'missing' status needs 'missing.contains'")
    return problems


def _selector_problems(key: str, value: Any) -> list[str]:
    if not has_text(value):
        return [f"'{key}' must be a non-empty CSS selector"]
    try:
        parse_html("").css.compile(value)
    except Exception as exc:  # soupsieve's SelectorSyntaxError and kin; bs4 does not re-export them
        return [f"'{key}' is not a CSS selector BeautifulSoup understands: {str(exc).splitlines()[0]}"]
    return []
