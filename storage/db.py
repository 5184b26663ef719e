"""Opening the database: owner-only, WAL, a busy timeout, foreign keys, and migrations applied."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.migrations import MIGRATIONS
from watcher.errors import ConfigError
from watcher.files import open_private, private_dir, tighten_private

BUSY_TIMEOUT_MS = 10_000
SIDE_FILES = ("-wal", "-shm", "-journal")


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    path = Path(path)
    try:
        conn = sqlite3.connect(str(_private_file(path)), timeout=BUSY_TIMEOUT_MS / 1000)
    except OSError as exc:
        raise ConfigError(f"cannot open database {path}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot open database {path}: {exc}") from None
    db = Database(conn, execute_plugins=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ConfigError(f"cannot use database {path}: {exc}") from None
    return db


def _private_file(path: Path) -> Path:
    """The database file, created 0600 before SQLite opens it: SQLite gives its -wal and -shm files
    the database's own mode. Its folder is created 0700, or must be one no other user can write to;
    that folder may be a symlink (checked where it points), the database file itself may not.
    Existing files are only checked and chmod-ed, never opened: this process may hold connections
    to them, and closing another descriptor of the file would drop SQLite's locks.
    Returns the path to open, the folder's symlink resolved."""
    file = private_dir(path.parent.resolve()) / path.name
    if not tighten_private(file):
        try:
            os.close(open_private(file, os.O_RDWR | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            tighten_private(file)  # made meanwhile by another process
    for side in SIDE_FILES:
        tighten_private(file.with_name(file.name + side))  # none yet: SQLite makes them like the database
    return file


def _migrate(db: Database) -> None:
    """Apply pending migrations. Two processes opening a database of an older version at once (the
    service and a command) may both apply one; the second to record it fails on the record's unique
    key, which is fine when nothing is pending any more."""
    try:
        MIGRATIONS.apply(db)
    except sqlite3.IntegrityError:
        if db.conn.in_transaction:
            db.conn.rollback()
        if list(MIGRATIONS.pending(db)):
            raise


def utcnow() -> str:
    """The current time as stored everywhere: ISO 8601, UTC, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes cannot wait for another writer:
    SQLite fails it at once with "database is locked". Taking the lock first lets the
    busy timeout do its work. Nested use falls back to a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def given(conditions: Iterable[tuple[str, Any]]) -> tuple[list[str], list[Any]]:
    """Of ``(clause, value)`` pairs, the clauses whose value is given (not None), and those values:
    the filters a caller set, as SQL conditions with their parameters (to join with AND)."""
    chosen = [(clause, value) for clause, value in conditions if value is not None]
    return [clause for clause, _ in chosen], [value for _, value in chosen]
