"""Logging setup: human lines by default, JSON lines (``--log-json``) for log collectors.

A JSON line is one object: ``time`` (UTC ISO 8601), ``level``, ``logger``, ``message``, then any
``extra=`` fields the call passed (``job``, ``status``, counts), and ``exception`` when there is one.

What a log line carries comes from strangers as often as not (HTTP headers, a platform's error
text, a scraped name, an exception message), so neither format lets it forge a line or act on a
terminal: every control character (CR, LF, ESC, NEL, CSI…), line and paragraph separator, bidi
control and lone surrogate is written as an escape. Only a traceback's own line breaks stay.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

HUMAN_FORMAT = "%(levelname)s %(name)s: %(message)s"
SERVICE_FORMAT = "%(asctime)s " + HUMAN_FORMAT
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# C0 controls, DEL, C1 controls (NEL, CSI…), the line and paragraph separators, bidi embeddings,
# overrides, isolates and marks, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw of those (it escapes C0 controls itself).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def escape_controls(text: str) -> str:
    """``text`` with every character that could forge, hide or rewrite a log line written as an
    escape: ``\\n``, ``\\x1b``, ``\\x85``, ``\\u2028``, ``\\u202e``."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


class HumanFormatter(logging.Formatter):
    """One line per record, plus a traceback's own lines: control characters anywhere in the
    message, its arguments or an exception's text are written as escapes (``\\n``, ``\\x1b``)."""

    def format(self, record: logging.LogRecord) -> str:
        # Not logging.Formatter.format: it would reuse a traceback text another formatter cached on the record.
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        parts = [escape_controls(self.formatMessage(record))]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(self.formatException(record.exc_info))
        elif record.exc_text:  # a record from elsewhere (a queue, a socket): its traceback as one line
            parts.append(escape_controls(record.exc_text))
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return "\n".join(parts)

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging's name
        return "\n".join(traceback_lines(ei[1])) if ei[1] is not None else ""


def traceback_lines(exc: BaseException) -> list[str]:
    """A traceback as Python prints it, chained exceptions first, each line free of control characters.

    The frames (file names and source lines) are ours; the exception texts and notes are not,
    so a line break inside them is escaped rather than starting a line."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    header = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, header))
        if current.__cause__ is not None:
            current, header = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, header = current.__context__, _CONTEXT
        else:
            current = None
    lines: list[str] = []
    for link, link_header in reversed(chain):
        lines += _one_exception(link)
        if link_header:
            lines += ["", link_header, ""]
    return lines


def _one_exception(exc: BaseException) -> list[str]:
    lines: list[str] = []
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):")
        frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip("\n")
        lines += [escape_controls(line) for line in frames.split("\n")]
    lines.append(escape_controls(_exception_text(exc)))
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list | tuple):
        lines += [escape_controls(str(note)) for note in notes]
    for number, inner in enumerate(getattr(exc, "exceptions", None) or (), 1):  # an exception group's members
        if isinstance(inner, BaseException):
            lines.append(f"  sub-exception {number}: {escape_controls(_exception_text(inner))}")
    return lines


def _exception_text(exc: BaseException) -> str:
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = f"{kind.__module__}.{name}"
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ fails still gets its line
        text = "<exception str() failed>"
    return f"{name}: {text}" if text else name


class JsonFormatter(logging.Formatter):
    """One JSON object per line. ``json.dumps(ensure_ascii=False)`` escapes C0 controls but leaves
    C1 controls (NEL, CSI), U+2028/U+2029 and bidi controls raw: those are escaped here too."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json_line(entry)


def json_line(entry: dict[str, Any]) -> str:
    """``entry`` as one line of JSON, readable (non-ASCII kept) yet with no character a terminal
    or log viewer acts on. Those can only stand inside strings, where ``\\uXXXX`` means the same."""
    text = json.dumps(entry, ensure_ascii=False, default=str)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def setup_logging(*, verbose: bool = False, json_lines: bool = False, timestamps: bool = False) -> None:
    """Log to stderr: INFO and up with ``verbose``, else WARNING and up.

    Like ``logging.basicConfig`` (which it calls), it leaves a root logger that already has
    handlers alone (an embedding application, or pytest).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else HumanFormatter(SERVICE_FORMAT if timestamps else HUMAN_FORMAT)
    )
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def log_at_least(logger_name: str, level: int) -> None:
    """Let one logger's records through at ``level`` whatever the root level (the service's job lines)."""
    logger = logging.getLogger(logger_name)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
