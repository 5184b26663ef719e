"""Enrolled staff: people, their own accounts and the hashes of their photos."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from storage.hashes import from_columns, hash_columns
from watcher.models import Enrolment, ImageHashes, Person


def save_enrolments(db: Database, enrolments: list[Enrolment]) -> tuple[int, int]:
    """Insert or update people by e-mail, all or nothing. Returns (added, updated).

    Fields an enrolment leaves as None keep their stored value. Photos replace the
    stored hashes only when the enrolment brings photos: a photo is discarded after
    hashing, so a later roster without the photo column must not erase what we have.
    An account claimed by someone else moves to this person (the newer roster wins).
    """
    added = updated = 0
    now = utcnow()
    with write_transaction(db):
        for e in enrolments:
            row = _person_row(db, e.email)
            values: dict[str, object] = {"name": e.name, "updated_at": now}
            if e.aliases is not None:
                values["aliases"] = json.dumps(list(e.aliases), ensure_ascii=False)
            if e.school is not None:
                values["school"] = e.school or None
            if e.opt_in is not None:
                values["opt_in"] = int(e.opt_in)
            if row is None:
                values = {"aliases": "[]", "opt_in": 0, **values}
                values |= {"email": e.email, "created_at": now, "opt_in_changed_at": now}
                person_id = db["people"].insert(values).last_pk
                added += 1
            else:
                person_id = row["id"]
                if e.opt_in is not None and bool(row["opt_in"]) != e.opt_in:
                    values["opt_in_changed_at"] = now
                db["people"].update(person_id, values)
                updated += 1
            if e.accounts is not None:
                db.execute("DELETE FROM accounts WHERE person_id = ?", [person_id])
                db.execute(
                    f"DELETE FROM accounts WHERE source || ':' || handle IN ({_marks(e.accounts)})", list(e.accounts)
                )
                for account in e.accounts:
                    source, _, handle = account.partition(":")
                    db["accounts"].insert({"person_id": person_id, "source": source, "handle": handle})
            if e.photos:
                db.execute("DELETE FROM reference_hashes WHERE person_id = ?", [person_id])
                for number, views in enumerate(e.photos, start=1):
                    for view, hashes in views:
                        db["reference_hashes"].insert(
                            {
                                "person_id": person_id,
                                "photo": number,
                                "view": view,
                                **hash_columns(hashes),
                                "created_at": now,
                            }
                        )
    return added, updated


def list_people(db: Database) -> list[Person]:
    accounts: dict[int, set[str]] = defaultdict(set)
    for row in db.query("SELECT person_id, source, handle FROM accounts"):
        accounts[row["person_id"]].add(f"{row['source']}:{row['handle']}")
    references: dict[int, list[tuple[str, ImageHashes]]] = defaultdict(list)
    for row in db.query("SELECT person_id, photo, view, phash, dhash, chash FROM reference_hashes ORDER BY id"):
        references[row["person_id"]].append((f"photo{row['photo']}:{row['view']}", from_columns(row)))
    return [
        Person(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            aliases=tuple(json.loads(row["aliases"])),
            school=row["school"],
            opt_in=bool(row["opt_in"]),
            accounts=frozenset(accounts[row["id"]]),
            references=tuple(references[row["id"]]),
        )
        for row in db.query("SELECT * FROM people ORDER BY name, email")
    ]


def photo_counts(db: Database) -> dict[int, int]:
    """How many photos each person enrolled (hashes only; the photos are gone)."""
    rows = db.query("SELECT person_id, COUNT(DISTINCT photo) AS n FROM reference_hashes GROUP BY person_id")
    return {row["person_id"]: row["n"] for row in rows}


def remove_person(db: Database, email: str) -> bool:
    """Delete a person with their accounts, photo hashes and alert e-mails. False if unknown.

    Their findings stay, without the person, for the district's record of the profile.
    """
    with write_transaction(db):
        row = _person_row(db, email)
        if row is None:
            return False
        db.execute("UPDATE findings SET outbox_id = NULL WHERE person_id = ?", [row["id"]])
        db.execute("DELETE FROM outbox WHERE recipient = ?", [email])
        db.execute("DELETE FROM people WHERE id = ?", [row["id"]])
    return True


def _person_row(db: Database, email: str) -> dict | None:
    rows = list(db.query("SELECT id, opt_in FROM people WHERE email = ?", [email]))
    return rows[0] if rows else None


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values) or "NULL"
