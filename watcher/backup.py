"""``watcher backup`` and ``watcher restore``: a consistent copy of the database, and putting one back.

A backup is SQLite's online backup in one step: it reads one snapshot (the last commit, including
what is still in the -wal file) while ``watcher run`` goes on writing. Copying the file instead
could catch a write half done and misses what the -wal file holds. The copy is one self-contained
file (rollback journal, not WAL), 0600, written under a temporary name in the same folder and
checked before it gets its name: a file at the name given is a complete backup.

A restore refuses while ``watcher run`` serves the database, and holds its lock meanwhile. It
checks the backup (``integrity_check``; an Identity Watch database of this version or older),
keeps the current database as ``<db>.before-restore-<time>``, and renames the checked copy over the
database. Before that the current database leaves WAL mode, which folds its -wal into it and
removes it: a -wal left beside the restored file would be replayed into it by SQLite.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage import open_database
from storage.db import BUSY_TIMEOUT_MS, SIDE_FILES
from storage.migrations import MIGRATIONS
from watcher.config import Config
from watcher.errors import ConfigError, InputError
from watcher.files import open_private, private_dir
from watcher.service import ServiceLock, lock_path, service_pid

NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # open_private adds O_NOFOLLOW and makes it 0600


@dataclass(frozen=True)
class Summary:
    """What a backup or a restored database holds."""

    path: Path
    size: int
    people: int
    findings: int
    kept: Path | None = None  # restore: where the database it replaced is kept

    def describe(self) -> str:
        return f"{self.size / 1e6:.1f} MB, {self.people} people, {self.findings} findings"


def backup_database(database: Path, dest: Path, *, force: bool = False) -> Summary:
    """Copy ``database`` to ``dest`` while it may be in use; refuses an existing ``dest`` unless ``force``."""
    database = Path(database)
    if not database.is_file():
        raise ConfigError(f"no database at {database}")
    dest = Path(dest)
    folder = _folder(dest)
    final = folder / dest.name
    if os.path.lexists(final) and not force:
        raise InputError(f"{dest} already exists: give a new name, or --force to replace it")
    temp = _new_file(folder / f".{dest.name}.partial-{secrets.token_hex(4)}")
    try:
        _copy(database, temp)
        summary = _inspect(temp, final)
        _give_name(temp, final, replace=force)
    finally:
        _remove(temp)
    _sync_folder(folder)
    return summary


def restore_database(config: Config, backup: Path, *, now: datetime | None = None) -> Summary:
    """Put ``backup`` in place of the configured database, keeping the current one beside it."""
    backup = Path(backup)
    if not backup.is_file():
        raise InputError(f"no backup file at {backup}")
    database = Path(config.database)
    pid = service_pid(config)
    if pid is not None:
        raise InputError(
            f"watcher run is serving {database}{f' (pid {pid})' if pid else ''}: stop it first, then restore"
        )
    lock = ServiceLock(lock_path(config))
    lock.acquire()  # no `watcher run` may start mid-restore
    try:
        folder = private_dir(database.parent.resolve())
        target = folder / database.name
        temp = _new_file(folder / f".{database.name}.restore-{secrets.token_hex(4)}")
        try:
            _copy(backup, temp)
            _inspect(temp, target, source=backup)
            kept = _swap(target, temp, now or datetime.now(UTC))
        finally:
            _remove(temp)
        _sync_folder(folder)
    finally:
        lock.release()
    db = open_database(target)  # an older backup's schema is brought up to date here
    try:
        people, findings = _counts(db.conn)
    finally:
        db.close()
    return Summary(target, target.stat().st_size, people, findings, kept)


# ----------------------------------------------------------------------------------- copying


def _folder(dest: Path) -> Path:
    try:
        return private_dir(dest.absolute().parent.resolve())
    except OSError as exc:
        raise InputError(f"cannot write a backup in {dest.parent}: {exc.strerror or exc}") from None


def _new_file(path: Path) -> Path:
    """An empty file only we can read, made before SQLite writes into it (its journal copies the mode)."""
    os.close(open_private(path, NEW_FILE))
    return path


def _copy(source: Path, dest: Path) -> None:
    """One snapshot of ``source`` into ``dest`` (an empty file), as a self-contained rollback-journal file."""
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise InputError(f"cannot read {source}: {exc}") from None
    dst = sqlite3.connect(str(dest))
    try:
        src.backup(dst)  # pages=-1: all in one step, one read transaction; writers go on meanwhile (WAL)
        dst.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise InputError(f"cannot copy {source}: {exc}") from None
    finally:
        dst.close()
        src.close()


def _inspect(path: Path, named: Path, *, source: Path | None = None) -> Summary:
    """Check the copy at ``path`` (to be known as ``named``; read from ``source``) and count what it holds."""
    source = source or named
    conn = sqlite3.connect(str(path))
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            said = "; ".join(" ".join(str(problem).split()) for problem in problems)  # one line
            raise InputError(f"{source} is damaged (integrity check: {said[:300]})")
        _check_identity(conn, source)
        people, findings = _counts(conn)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source} is not a usable database: {exc}") from None
    finally:
        conn.close()
    return Summary(named, path.stat().st_size, people, findings)


def _check_identity(conn: sqlite3.Connection, source: Path) -> None:
    """An Identity Watch database, by its migrations, made by this version or an older one."""
    table = MIGRATIONS.migrations_table
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
        raise InputError(f"{source} is not an Identity Watch database (it has no {table} table)")
    applied = {row[0] for row in conn.execute(f"SELECT name FROM {table} WHERE migration_set = ?", [MIGRATIONS.name])}
    if not applied:
        raise InputError(f"{source} is not an Identity Watch database (no {MIGRATIONS.name} migrations)")
    known = {migration.name for migration in MIGRATIONS.pending(Database(memory=True))}
    newer = sorted(applied - known)
    if newer:
        raise InputError(f"{source} was made by a newer version of Identity Watch ({newer[-1]}): upgrade first")


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    people = conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]
    findings = conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
    return people, findings


def _give_name(temp: Path, final: Path, *, replace: bool) -> None:
    try:
        if replace:
            os.replace(temp, final)
            return
        try:
            os.link(temp, final)  # fails if the name was taken meanwhile: never overwrites
        except FileExistsError:
            raise InputError(f"{final} already exists: give a new name, or --force to replace it") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(final):
                raise InputError(f"{final} already exists: give a new name, or --force to replace it") from None
            os.replace(temp, final)
    except OSError as exc:
        raise InputError(f"cannot write {final}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------------- restoring


def _swap(target: Path, restored: Path, now: datetime) -> Path | None:
    """Keep the current database, then rename ``restored`` over it; returns where it is kept."""
    if not target.exists():
        _remove_side_files(target)
        os.replace(restored, target)
        return None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = _new_file(_free_name(target.with_name(f"{target.name}.before-restore-{stamp}")))
    old = sqlite3.connect(str(target), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        try:
            _leave_wal(old, target)
            old.execute("BEGIN")
            old.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # a read lock: nobody commits until the swap
            _keep(old, kept)
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise
            old.close()  # before reading its files: closing any descriptor of them drops SQLite's locks
            _keep_bytes(target, kept)  # the current database is damaged: keep its files as they are
        _remove_side_files(target)
        os.replace(restored, target)
    except BaseException:
        _remove(kept)
        raise
    finally:
        old.close()  # in rollback-journal mode closing removes nothing beside the restored file
    return kept


def _leave_wal(conn: sqlite3.Connection, target: Path) -> None:
    """Fold the -wal into the database and stop using one; only possible when nobody else has it open."""
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if not _busy(exc):
            raise
        mode = "wal"
    if mode != "delete":
        raise InputError(f"{target} is in use by another watcher command: let it finish, then restore again")


def _busy(exc: sqlite3.DatabaseError) -> bool:
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")


def _keep(conn: sqlite3.Connection, kept: Path) -> None:
    dst = sqlite3.connect(str(kept))
    try:
        conn.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()


def _keep_bytes(target: Path, kept: Path) -> None:
    """Byte copies of a database SQLite cannot read, and of its -wal when there is one."""
    for suffix in ("", "-wal"):
        source = target.with_name(target.name + suffix)
        if not source.exists():
            continue
        copy = kept.with_name(kept.name + suffix)
        fd = open_private(copy, os.O_WRONLY | os.O_CREAT | (0 if copy == kept else os.O_EXCL))
        with os.fdopen(fd, "wb") as out, open(source, "rb") as data:
            while chunk := data.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _remove_side_files(target: Path) -> None:
    for side in SIDE_FILES:
        target.with_name(target.name + side).unlink(missing_ok=True)


def _remove(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
