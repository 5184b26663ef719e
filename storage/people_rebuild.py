"""Migration 0009: the people table rebuilt with AUTOINCREMENT ids and a public ``uid`` per person.

Frozen like every shipped migration (storage/migrations.py registers it); never edit it.
"""

from __future__ import annotations

import secrets
import sqlite3

from sqlite_utils import Database

_PEOPLE_COLUMNS = "email, name, aliases, school, opt_in, opt_in_changed_at, created_at, updated_at"


def person_uids(db: Database) -> None:
    """A public identifier per person for signed links (``uid``: 128 random bits, URL-safe), and
    row ids never given again (AUTOINCREMENT): SQLite gave a removed person's id to the next one
    enrolled, and a link naming that id acted on them. Existing people get a uid; ids, rows and the
    tables that refer to people are kept as they are.

    AUTOINCREMENT needs a new table. As SQLite's documentation says to: foreign keys off for the
    swap (dropping the old table would otherwise cascade to every person's accounts and photos), one
    transaction, the references checked before the commit. Not transactional for the migration
    runner, since the pragma does nothing inside a transaction; done again it does nothing."""
    (schema,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'people'").fetchone()
    if "AUTOINCREMENT" in schema.upper():
        return
    (enforced,) = db.execute("PRAGMA foreign_keys").fetchone()
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        if db.conn.in_transaction or db.execute("PRAGMA foreign_keys").fetchone()[0]:
            raise sqlite3.OperationalError("cannot turn foreign keys off to rebuild the people table")
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            (schema,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'people'").fetchone()
            if "AUTOINCREMENT" not in schema.upper():  # another process may have rebuilt it while we waited
                _rebuild_people(db)
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")


def _rebuild_people(db: Database) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(people)")}
    if columns != {"id", *_PEOPLE_COLUMNS.split(", ")}:
        raise sqlite3.OperationalError(f"the people table has unexpected columns: {', '.join(sorted(columns))}")
    broken_before = set(db.execute("PRAGMA foreign_key_check").fetchall())
    db.execute(
        """
        CREATE TABLE people_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            school TEXT,
            opt_in INTEGER NOT NULL DEFAULT 0,
            opt_in_changed_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    ids = [row[0] for row in db.execute("SELECT id FROM people")]
    # The uid's form is frozen here, as a migration must be: 16 random bytes, URL-safe base64.
    db.conn.executemany(
        f"INSERT INTO people_new (id, uid, {_PEOPLE_COLUMNS}) SELECT id, ?, {_PEOPLE_COLUMNS} FROM people WHERE id = ?",
        [(secrets.token_urlsafe(16), person_id) for person_id in ids],
    )
    db.execute("DROP TABLE people")
    db.execute("ALTER TABLE people_new RENAME TO people")
    broken = set(db.execute("PRAGMA foreign_key_check").fetchall()) - broken_before
    if broken:
        raise sqlite3.IntegrityError(f"rebuilding people left {len(broken)} references broken; nothing was changed")
