"""Cleaning of scraped text: what every layer that shows or stores a platform's words uses; and the
few phrasings every output shares.

Scraped text is hostile: control and bidi characters, lone surrogates, endless lines. Everything
a source reads passes through ``clean_line`` or ``clean_text`` before it becomes a record; a
terminal, log or error message shows text through ``printable``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

MAX_LINE = 300
MAX_URL = 2000  # longer URLs are dropped, never cut: a cut URL is another URL
MAX_TEXT = 3000
# Bidi embeddings, overrides, isolates and marks: they can make text read backwards.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What control characters (C0, DEL, C1) and lone surrogates become in scraped text.
_UNSAFE = {"Cc": " ", "Cs": "\ufffd"}
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def clean_field(value: str) -> str:
    """A roster cell cleaned as scraped text is (``clean_line``: one line, no control or bidi
    characters, bounded), and without zero-width or other invisible format characters."""
    if not value.isascii():
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return clean_line(value)


# --- Phrasings every output shares (the digest, `watcher status`) -------------------------------


def meaning(window: timedelta) -> str:
    """What "searched" means, said wherever the figure is shown."""
    return (
        "searched = the platform answered a search for the person's full name, or their likeliest username on"
        f" handle-only sources, in the last {window.days} days; failed or rate-limited searches do not count"
    )


def age_text(delta: timedelta) -> str:
    """A duration as the digest and status say it: "under 1 hour", "5 hours", "12 days"."""
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours < 1:
        return "under 1 hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"
