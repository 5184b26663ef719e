"""Owner-only files and folders, never written through a planted symlink.

The database holds staff names, e-mails and the link-signing secret; the Maildir and evidence pages
name staff and impostors. So every file we write is 0600 and every folder we create 0700, whatever
the umask, and we write only into a folder no other local user can write to: whoever can write to a
folder can plant a symlink in it, and a root-run command would then write through that link.

A refusal (a symlink, a folder another user owns or may write to) raises ``ConfigError``. A plain
failure of the operating system (no permission, no space, a file where a folder should be) stays an
``OSError``, for the caller to word as its own ("cannot write to maildir ...").
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import secrets
import stat
from pathlib import Path

from watcher.errors import ConfigError

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path, *, ours_only: bool = False) -> Path:
    """The folder ``path``, created 0700 with any missing parents if needed, once it is safe to write in.

    Refused: a symlink, a folder owned by another user (root excepted: it can do anything anyway),
    a folder that group or others may write to. An existing folder of ours is used as it is, or,
    with ``ours_only`` (a folder that only this service uses, like its Maildir), made 0700 with a
    log line when others may read it: an older version made it under the umask.
    """
    path = Path(path)
    missing = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:
            _check_folder(folder)  # made meanwhile, perhaps by someone else
            continue
        _set_mode(folder, PRIVATE_DIR)
    _check_folder(path)
    if ours_only and not missing:
        info = os.lstat(path)
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            _set_mode(path, PRIVATE_DIR)
            log.warning("folder %s was open to other users (mode %04o): now 0700", path, stat.S_IMODE(info.st_mode))
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, 0600, in a folder checked as ``private_dir`` checks it.

    The bytes go to a new temporary file in the same folder (created exclusively, never through a
    link), are synced, then renamed over ``path``. A ``path`` that is a symlink is refused, not followed.
    """
    path = private_dir(Path(path).parent.resolve()) / Path(path).name  # a linked folder is checked where it points
    _regular_file(path, "write through it", "replace it")
    temp = path.with_name(f".watcher-{secrets.token_hex(8)}.tmp")
    write_new(temp, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist: never a file or link someone put there), 0600, write
    ``data`` and sync it; nothing is left behind when that fails."""
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def open_private(path: Path, flags: int) -> int:
    """``os.open`` that never follows a symlink at ``path`` and opens only a regular file.

    A file it creates is 0600 whatever the umask; an existing one of ours that others may read
    is tightened to 0600, with a log line. Returns the descriptor.
    """
    path = Path(path)
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC
    fd, created = _open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file: refusing to use it")
        if not flags & os.O_NONBLOCK:  # asked for only so that opening a FIFO cannot hang
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        if created:
            os.fchmod(fd, PRIVATE_FILE)
        elif info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.fchmod(fd, PRIVATE_FILE)
            log.warning("%s was open to other users (mode %04o): now 0600", path, stat.S_IMODE(info.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


def tighten_private(path: Path) -> bool:
    """Make an existing regular file of ours 0600 without opening it; False when there is no file.

    For files another part of this process may hold open (a database under SQLite): on Linux, closing
    any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included, so
    ``open_private`` must not be used there. A symlink or anything but a regular file is refused.
    """
    info = _regular_file(path, "open it", "use it")
    if info is None:
        return False
    if info.st_mode & 0o077 and info.st_uid == os.geteuid():
        os.chmod(path, PRIVATE_FILE)
        log.warning("%s was open to other users (mode %04o): now 0600", path, stat.S_IMODE(info.st_mode))
    return True


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _open(path: Path, flags: int) -> tuple[int, bool]:
    """Open; with O_CREAT, also tell whether this call created the file (then it gets 0600)."""
    try:
        if not flags & os.O_CREAT or flags & os.O_EXCL:
            return os.open(path, flags | os.O_NONBLOCK, PRIVATE_FILE), bool(flags & os.O_CREAT)
        for _ in range(3):  # the file may come or go between the two tries
            try:
                return os.open(path, flags | os.O_EXCL | os.O_NONBLOCK, PRIVATE_FILE), True
            except FileExistsError:
                pass
            try:
                return os.open(path, (flags & ~os.O_CREAT) | os.O_NONBLOCK, PRIVATE_FILE), False
            except FileNotFoundError:
                pass
        raise FileExistsError(errno.EEXIST, "the file keeps appearing and disappearing", str(path))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{path} is a symbolic link: refusing to open it") from None
        raise


def _check_folder(path: Path) -> None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f"folder {path} is a symbolic link: refusing to write there; name the real folder")
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if info.st_uid not in (os.geteuid(), 0):
        raise ConfigError(
            f"folder {path} belongs to another user (uid {info.st_uid}): refusing to write there; "
            "run watcher as that user or give the folder to this one"
        )
    shared = info.st_mode & (0o002 | stat.S_ISGID | stat.S_ISVTX)  # /tmp, /var/mail and the like
    if info.st_mode & 0o020 and not shared and info.st_uid == os.geteuid():
        # Ours and writable by our group only: what earlier versions made under a umask of 002
        # (Debian's and Ubuntu's default). Taken back rather than refused, so an upgrade still starts.
        _set_mode(path, stat.S_IMODE(info.st_mode) & ~0o022)
        log.warning("folder %s was writable by its group (mode %04o): no longer", path, stat.S_IMODE(info.st_mode))
        return
    if info.st_mode & 0o022:
        raise ConfigError(
            f"folder {path} may be written by other users (mode {stat.S_IMODE(info.st_mode):04o}): "
            "refusing to write there; choose a folder only this user can write to"
        )


def _regular_file(path: Path, through_link: str, other: str) -> os.stat_result | None:
    """The file's own status (never a link's target's), None when there is none; a symlink or
    anything but a regular file is refused, saying what we would not do to it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f"{path} is a symbolic link: refusing to {through_link}")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path} is not a regular file: refusing to {other}")
    return info


def _set_mode(folder: Path, mode: int) -> None:
    """chmod the folder we just made, through a descriptor: never through a link put in its place."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except PermissionError:  # a umask that left us no read bit: the folder is still ours
        os.chmod(folder, mode)
        return
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
