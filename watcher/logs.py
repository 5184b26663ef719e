"""Logging setup: human lines by default, JSON lines (``--log-json``) for log collectors.

A JSON line is one object: ``time`` (UTC ISO 8601), ``level``, ``logger``, ``message``, then any
``extra=`` fields the call passed (``job``, ``status``, counts), and ``exception`` when there is one.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

HUMAN_FORMAT = "%(levelname)s %(name)s: %(message)s"
SERVICE_FORMAT = "%(asctime)s " + HUMAN_FORMAT
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class HumanFormatter(logging.Formatter):
    """One line per record: line breaks in a message (scraped text) are shown as ``\\n``."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

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
        return json.dumps(entry, ensure_ascii=False, default=str)


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
