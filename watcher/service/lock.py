"""One process per database: ``watcher run`` holds an exclusive ``flock`` on ``<database>.lock``
(which holds its pid); the system releases it whatever way the process ends. The lock file is
owner-only, never opened through a symlink, and refused when another user owns it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from watcher.config import Config
from watcher.errors import AlreadyRunning, ConfigError
from watcher.files import open_private, private_dir

LOCK_TRIES = 5  # `watcher status` peeks at the lock for an instant: do not mistake it for a service


def lock_path(config: Config) -> Path:
    return config.database.with_name(config.database.name + ".lock")


class ServiceLock:
    """An exclusive ``flock`` on the lock file beside the database, holding our pid.

    The file is created 0600 whatever the umask and never opened through a symlink: a link planted
    at its name would have a root-run service truncate the file it points to. A lock file another
    user owns is refused: they could hold the lock for ever, or have planted the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = open_private(private_dir(self.path.parent.resolve()) / self.path.name, os.O_RDWR | os.O_CREAT)
        try:
            owner = os.fstat(fd).st_uid
            if owner != os.geteuid():
                raise ConfigError(
                    f"lock file {self.path} belongs to another user (uid {owner}): refusing to use it; "
                    "remove it, or run watcher as its owner"
                )
            self._lock(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _lock(self, fd: int) -> None:
        for attempt in range(LOCK_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if attempt + 1 == LOCK_TRIES:
                    pid = _read_pid(fd)
                    holder = f" (pid {pid})" if pid else ""
                    raise AlreadyRunning(
                        f"watcher run is already running for {self.path.with_suffix('')}{holder}; "
                        "only one may run per database"
                    ) from None
                time.sleep(0.1)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def service_pid(config: Config) -> int | None:
    """The pid of the ``watcher run`` serving this database, or None when none is running."""
    try:
        fd = open_private(lock_path(config), os.O_RDONLY)  # a symlink or a FIFO planted there is refused
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
