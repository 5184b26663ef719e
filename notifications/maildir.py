"""Maildir delivery that is idempotent: the same outbox message always becomes the same file.

A message is written to ``tmp/`` and renamed into ``new/`` under a name derived
from its outbox key, so delivering it twice (after a crash between hand-over and
bookkeeping) replaces the file instead of adding a copy. A message the reader
already moved to ``cur/`` is recognised and not delivered again.
"""

from __future__ import annotations

import os
from pathlib import Path

from watcher.errors import DeliveryError


class MaildirTransport:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def ensure(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def deliver(self, message: bytes, key: str, *, sender: str, recipient: str) -> Path:
        """Write ``message`` under the stable ``key``; returns the file's path. The envelope is not needed:
        the reader of the Maildir is the recipient."""
        # No host name in it: a restart on another host must still find the same file.
        name = f"{key}.identity-watch"
        try:
            self.ensure()
            target = self.path / "new" / name
            if any((self.path / "cur").glob(f"{name}:*")) or (self.path / "cur" / name).exists():
                return target
            temp = self.path / "tmp" / name
            with open(temp, "wb") as fh:
                fh.write(message)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
            return target
        except OSError as exc:
            raise DeliveryError(f"cannot write to maildir {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        """Nothing stays open between messages."""
