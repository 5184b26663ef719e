"""What the HTTP client hands back: a finished response, an avatar download, and what a status means."""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from watcher.errors import ParseError, SourceBlocked, SourceError
from watcher.text import clean_line


@dataclass
class Response:
    """A finished response: status, final URL, headers and the (capped) body."""

    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.content.decode(_charset(self.headers.get("Content-Type", "")), errors="replace")

    def json(self) -> Any:
        host = urlsplit(self.url).netloc
        if self.content_type == "text/html" or self.content.lstrip()[:1] == b"<":
            raise SourceBlocked(f"{host}: got an HTML page where JSON was expected (a block or login page?)")
        try:
            return _loads(self.content)
        except ValueError:
            raise ParseError(f"{host}: answer is not valid JSON ({self.content_type or 'no type'})") from None

    def error_text(self) -> str:
        """The platform's own error message, cleaned for a log line."""
        try:
            body = _loads(self.content)
        except ValueError:
            return f"HTTP {self.status}"
        if isinstance(body, dict):
            return clean_line(str(body.get("message") or body.get("error") or f"HTTP {self.status}"))[:200]
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class ImageFetch:
    """An avatar download: ``data`` is None when the server said it has not changed (304)."""

    data: bytes | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else None


def check_status(response: Response, ok: tuple[int, ...] = (200,)) -> None:
    """Raise the error that fits a status outside ``ok``: every one of them means "unknown"."""
    if response.status in ok:
        return
    host = urlsplit(response.url).netloc
    if response.status in (401, 403):
        raise SourceBlocked(f"{host}: access refused (HTTP {response.status}: {response.error_text()})")
    raise SourceError(f"{host}: unexpected HTTP {response.status}: {response.error_text()}")


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            try:
                return codecs.lookup(value.strip().strip('"')).name
            except LookupError:
                break
    return "utf-8"


def _loads(data: bytes) -> Any:
    """``json.loads``, with nesting too deep for the parser reported as invalid JSON."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
