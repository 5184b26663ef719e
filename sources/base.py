"""The ``Source`` protocol and the ``Profile`` record every adapter yields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_LINE = 300
MAX_TEXT = 3000
# Bidi embeddings, overrides, isolates and marks: they can make text read backwards.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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

    @property
    def account(self) -> str:
        """``source:handle`` as rosters and the config spell own and official accounts."""
        return f"{self.source}:{self.handle.lower()}"


class Source(Protocol):
    """A searchable public source. Raises ``SourceError`` when it cannot tell."""

    name: str

    def search(self, query: str) -> Iterator[Profile]: ...


def clean_line(value: Any) -> str:
    """Scraped text for one line: a string, no control or bidi characters, bounded length."""
    if not isinstance(value, str):
        return ""
    text = _BIDI.sub("", value)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())[:MAX_LINE]


def clean_text(value: Any) -> str:
    """Scraped text that may span lines (a bio): like ``clean_line`` but keeps line breaks."""
    if not isinstance(value, str):
        return ""
    lines = (clean_line(line) for line in value.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT]
