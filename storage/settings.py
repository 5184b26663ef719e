"""Installation settings kept in the database (the ``settings`` table: key → text)."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from storage.db import write_transaction


def setting(db: Database, key: str, create: Callable[[], str]) -> str:
    """The setting's value, stored as ``create()`` the first time it is asked for (read without
    taking the write lock when it exists; a race is settled by whoever writes first)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is not None:
        return row[0]
    with write_transaction(db):
        row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        if row is not None:
            return row[0]
        value = create()
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [key, value])
    return value
