"""Maildir delivery that is idempotent: the same outbox message always becomes the same file.

A message is written to ``tmp/`` and renamed into ``new/`` under a name derived
from its outbox key, so delivering it twice (after a crash between hand-over and
bookkeeping) replaces the file instead of adding a copy. A message the reader
already moved to ``cur/`` is recognised and not delivered again.

The Maildir holds alerts naming staff and impostors: its folders are 0700 and each message 0600,
created exclusively under a fresh name in ``tmp/`` (never through a link planted there). A Maildir
another user owns or may write to is refused as a whole (see watcher/files.py).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from watcher.errors import ConfigError, DeliveryError, TransportUnavailable
from watcher.files import private_dir, write_new

SUBFOLDERS = ("tmp", "new", "cur")
SUFFIX = ".identity-watch"
# What a reader appends to a file's name when it moves it to cur/: ":2,S" (or "!2,S", ";2,S"
# where ":" is not allowed), and Dovecot's ",S=size" first.
INFO_MARKS = (":", "!", ";", ",")


class MaildirTransport:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def ensure(self) -> None:
        """Create the Maildir owner-only, or check that no other user can write to the one there is.

        Raises ``TransportUnavailable`` for an unsafe one, ``OSError`` when it cannot be made.
        """
        try:
            for folder in (self.path, *(self.path / sub for sub in SUBFOLDERS)):
                private_dir(folder, ours_only=True)
        except ConfigError as exc:
            raise TransportUnavailable(f"maildir {self.path} refused: {exc}") from None

    def deliver(self, message: bytes, key: str, *, sender: str, recipient: str) -> Path:
        """Write ``message`` under the stable ``key``; returns the file's path. The envelope is not needed:
        the reader of the Maildir is the recipient."""
        name = file_name(key)
        temp = None
        try:
            self.ensure()
            target = self.path / "new" / name
            if any(_is_copy(entry, name) for entry in os.listdir(self.path / "cur")):
                return target
            # A fresh name each time: nothing planted, and no file left by a crash, is ever opened.
            temp = self.path / "tmp" / f"{name}.{secrets.token_hex(8)}"
            write_new(temp, message)
            os.replace(temp, target)
            return target
        except (OSError, ConfigError) as exc:
            if temp is not None:
                temp.unlink(missing_ok=True)
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise DeliveryError(f"cannot write to maildir {self.path}: {reason}") from None

    def close(self) -> None:
        """Nothing stays open between messages."""


def file_name(key: str) -> str:
    """The file a delivery key becomes. No host name in it: a restart on another host must find the same file."""
    return f"{key}{SUFFIX}"


def check_maildir(path: Path) -> bool:
    """Whether a Maildir is there to look in: False when there is none; ``TransportUnavailable`` when
    there is one another user owns or may write to."""
    if not os.path.lexists(path):
        return False
    MaildirTransport(path).ensure()
    return True


def remove_alert_files(path: Path, keys: Iterable[str]) -> int:
    """Delete the files these delivery keys became, wherever they are now (unread in ``new/``, read in
    ``cur/``, half-written in ``tmp/``); returns how many were deleted."""
    if not check_maildir(path):
        return 0
    names = {file_name(key) for key in keys}
    removed = 0
    for sub in SUBFOLDERS:
        folder = Path(path) / sub
        for entry in os.listdir(folder):
            name = entry[: entry.find(SUFFIX) + len(SUFFIX)] if SUFFIX in entry else None
            if name in names and _is_copy(entry, name):
                try:
                    os.unlink(folder / entry)  # unlink never follows a link: it removes the link
                except FileNotFoundError:
                    continue  # the reader moved or deleted it meanwhile
                removed += 1
    return removed


def _is_copy(entry: str, name: str) -> bool:
    """Whether a file in the Maildir is the message ``name``: itself, as read by a reader, or our temp file."""
    if entry == name:
        return True
    return entry.startswith(name) and entry[len(name)] in (*INFO_MARKS, ".")
