"""One TOML table read as a config dataclass (see watcher/config.py).

The dataclass is the table's schema: its fields (or their ``toml`` metadata name) are the keys,
their defaults the values of unset keys, so every other key in the file is reported, never silently
dropped. Values are type-checked with one-line errors naming the key.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any

from watcher.errors import ConfigError

log = logging.getLogger("watcher.config")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# How fill() reads a field, by its annotation (a string: the config module uses PEP 563 annotations).
_READ_AS = {"str": "string", "str | None": "string", "bool": "boolean", "int": "integer", "float": "number"}
_READ_AS |= {"Path": "path", "tuple[str, ...]": "strings"}


class TomlTable:
    """A TOML table with the dataclass ``cls`` as its schema; ``prefix`` names it in messages."""

    def __init__(self, data: Mapping[str, Any], cls: type, prefix: str, where: str, base: Path) -> None:
        self.data, self.cls = data, cls
        self.prefix = prefix  # "email.smtp." for the key "timeout" of [email.smtp]
        self.where = where  # the file, or "config"
        self.base = base  # relative paths start here
        named = ((f.metadata.get("toml", f.name), f) for f in fields(cls))
        self.keys: dict[str, Field[Any]] = {key: f for key, f in named if key is not None}

    def warn_unknown(self) -> None:
        for key in sorted(set(self.data) - set(self.keys)):
            log.warning("%s: unknown setting '%s%s' ignored%s", self.where, self.prefix, key, self.did_you_mean(key))

    def did_you_mean(self, key: str) -> str:
        """`` (did you mean 'network.timeout'?)`` for a key close to a known one, else ``""``."""
        close = difflib.get_close_matches(key, list(self.keys), n=1)
        return f" (did you mean '{self.prefix}{close[0]}'?)" if close else ""

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(f"{self.where}: {message}")

    def table(self, key: str, cls: type) -> TomlTable:
        """The sub-table ``key`` with ``cls`` as its schema; its unknown keys are reported now."""
        value = self.data.get(key, {})
        self.check(isinstance(value, dict), f"'{key}' must be a table")
        table = TomlTable(value, cls, f"{self.prefix}{key}.", self.where, self.base)
        table.warn_unknown()
        return table

    def fill(self, **given: Any) -> Any:
        """The schema dataclass: each field not ``given`` read from its key by the field's type, in field order."""
        read = {f.name: getattr(self, _READ_AS[f.type])(key) for key, f in self.keys.items() if f.name not in given}
        return self.cls(**given, **read)

    def _get(self, key: str, types: tuple[type, ...], what: str) -> Any:
        if key not in self.data:
            default = self.keys[key].default
            return None if default is MISSING else default
        value = self.data[key]
        ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
        self.check(ok, f"'{self.prefix}{key}' must be {what}")
        return value

    def duration(self, key: str) -> Any:
        """A duration such as "90s" in seconds; the field's default when the key is unset."""
        text = self.string(key)
        return parse_duration(text, f"{self.prefix}{key}", self.where) if key in self.data else text

    def string(self, key: str) -> Any:
        return self._get(key, (str,), "a string")

    def boolean(self, key: str) -> bool:
        return self._get(key, (bool,), "true or false")

    def number(self, key: str) -> Any:
        value = self._get(key, (int, float), "a number")
        self.check(value is None or value >= 0, f"'{self.prefix}{key}' must not be negative")
        return value

    def integer(self, key: str) -> int:
        return int(self.number(key))

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings; a single string is a list of one."""
        value = self.data.get(key, [])
        value = [value] if isinstance(value, str) else value
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        self.check(ok, f"'{self.prefix}{key}' must be a list of strings")
        return tuple(value)

    def path(self, key: str) -> Path:
        return self.resolve(self.string(key))

    def resolve(self, value: str | Path) -> Path:
        """A path from the file: relative ones are relative to the file's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base / p


def parse_duration(text: str, key: str = "duration", where: str = "config") -> float:
    """``90s``, ``15m``, ``6h``, ``7d`` in seconds; a clear one-line error otherwise."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where}: {key} {text!r} must be a duration such as 90s, 15m, 6h or 7d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
