"""Enrolled staff: people, their own accounts and the hashes of their photos."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from storage.hashes import pack_views, unpack_views, view_table
from storage.settings import setting
from watcher.models import Enrolment, ImageHashes, Person, ViewTable


def save_enrolments(db: Database, enrolments: list[Enrolment], *, by_person: bool = False) -> tuple[int, int]:
    """Insert or update people by e-mail, all or nothing. Returns (added, updated).

    Fields an enrolment leaves as None keep their stored value. Photos replace the
    stored hashes only when the enrolment brings photos: a photo is discarded after
    hashing, so a later roster without the photo column must not erase what we have.
    An account claimed by someone else moves to this person (the newer roster wins).

    What a person chose themselves on the web front (alerts, own accounts, photos, language) is
    theirs: a roster or ``people add`` (``by_person=False``) does not change it for someone who
    enrolled themselves, and enrols someone who left on the web front again without any of it.
    """
    added = updated = 0
    now = utcnow()
    with write_transaction(db):
        gone = set() if by_person else departed(db, [e.email for e in enrolments])
        for e in enrolments:
            row = _person_row(db, e.email)
            if not by_person and (row["consented_at"] if row else e.email in gone):
                e = replace(e, opt_in=None, accounts=None, photos=(), prints=(), language=None)
            values: dict[str, object] = {"name": e.name, "updated_at": now}
            if e.aliases is not None:
                values["aliases"] = json.dumps(list(e.aliases), ensure_ascii=False)
            if e.school is not None:
                values["school"] = e.school or None
            if e.opt_in is not None:
                values["opt_in"] = int(e.opt_in)
            if e.language is not None:
                values["language"] = e.language
            if row is None:
                values = {"aliases": "[]", "opt_in": 0, **values}
                values |= {"email": e.email, "uid": new_uid(), "created_at": now, "opt_in_changed_at": now}
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
                db.execute("DELETE FROM reference_views WHERE person_id = ?", [person_id])
                db.execute("DELETE FROM reference_prints WHERE person_id = ?", [person_id])
                for number, record in enumerate(e.prints, start=1):
                    db["reference_prints"].insert(
                        {"person_id": person_id, "photo": number, "print": record, "created_at": now}
                    )
                for number, views in enumerate(e.photos, start=1):
                    names, packed = pack_views(tuple(views))
                    row = {"person_id": person_id, "photo": number, "views": names, "hashes": packed, "created_at": now}
                    db["reference_views"].insert(row)
    return added, updated


def list_people(db: Database, *, references: bool = True) -> list[Person]:
    """Everyone enrolled; ``references=False`` leaves out their photos' views (``reference_table``
    loads those for the matcher, as arrays)."""
    return _people(db, None, references=references)


def people_by_id(db: Database, ids: Sequence[int]) -> dict[int, Person]:
    """The people with these ids who are still enrolled (without their photos' views): at district
    scale, a few people are read without reading everyone."""
    found: dict[int, Person] = {}
    for start in range(0, len(ids), ID_BATCH):
        found |= {p.id: p for p in _people(db, ids[start : start + ID_BATCH], references=False)}
    return found


def person(db: Database, person_id: int | None) -> Person | None:
    """One person still enrolled (without their photos' views), or None."""
    return None if person_id is None else people_by_id(db, [person_id]).get(person_id)


ID_BATCH = 500  # ids per query, well within SQLite's limit on bound parameters


def _people(db: Database, ids: Sequence[int] | None, *, references: bool) -> list[Person]:
    """Everyone, or the people with these ids (at district scale, not everyone to find a few)."""
    marks = ", ".join("?" * len(ids)) if ids is not None else ""
    only, only_id, args = (
        (f"WHERE person_id IN ({marks})", f"WHERE id IN ({marks})", list(ids)) if ids is not None else ("", "", [])
    )
    accounts: dict[int, set[str]] = defaultdict(set)
    for row in db.query(f"SELECT person_id, source, handle FROM accounts {only}", args):
        accounts[row["person_id"]].add(f"{row['source']}:{row['handle']}")
    views: dict[int, list[tuple[str, ImageHashes]]] = defaultdict(list)
    if references:
        query = f"SELECT person_id, photo, views, hashes FROM reference_views {only} ORDER BY person_id, photo"
        for row in db.query(query, args):
            prefix = f"photo{row['photo']}:"
            views[row["person_id"]] += [(prefix + n, h) for n, h in unpack_views(row["views"], row["hashes"])]
    rows = db.query(f"SELECT * FROM people {only_id} ORDER BY name, email", args)
    return [
        Person(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            aliases=tuple(json.loads(row["aliases"])),
            school=row["school"],
            opt_in=bool(row["opt_in"]),
            accounts=frozenset(accounts[row["id"]]),
            references=tuple(views[row["id"]]),
            language=row["language"],
            consented_at=row["consented_at"],
        )
        for row in rows
    ]


def reference_table(db: Database) -> ViewTable:
    """Every enrolled photo's views, as columns (see ``ViewTable``), named as ``list_people`` names them."""
    rows = db.execute("SELECT person_id, photo, views, hashes FROM reference_views ORDER BY person_id, photo")
    return view_table((person_id, f"photo{photo}:", names, packed) for person_id, photo, names, packed in rows)


def photo_prints(db: Database, person_id: int) -> list[bytes]:
    """What verification needs of one person's enrolled photos (derived records, never the photos)."""
    rows = db.query("SELECT print FROM reference_prints WHERE person_id = ? ORDER BY photo", [person_id])
    return [row["print"] for row in rows]


def photo_counts(db: Database) -> dict[int, int]:
    """How many photos each person enrolled (hashes only; the photos are gone)."""
    rows = db.query("SELECT person_id, COUNT(*) AS n FROM reference_views GROUP BY person_id")
    return {row["person_id"]: row["n"] for row in rows}


def photo_count(db: Database, person_id: int) -> int:
    """How many photos one person enrolled."""
    return db.execute("SELECT COUNT(*) FROM reference_views WHERE person_id = ?", [person_id]).fetchone()[0]


def account_owner(db: Database, account: str) -> int | None:
    """Who lists ``source:handle`` as their own account, if anyone."""
    source, _, handle = account.partition(":")
    row = db.execute("SELECT person_id FROM accounts WHERE source = ? AND handle = ?", [source, handle]).fetchone()
    return row[0] if row else None


def enrolled_ids(db: Database, ids: set[int]) -> set[int]:
    """Which of these people are still enrolled."""
    if not ids:
        return set()
    rows = db.execute(f"SELECT id FROM people WHERE id IN ({', '.join('?' for _ in ids)})", list(ids))
    return {row[0] for row in rows}


UID_BYTES = 16  # 128 random bits: no two people, present or removed, ever share one


def new_uid() -> str:
    """A person's public identifier for signed links: random and URL-safe, unlike the row id it
    says nothing about enrolment order, and it is never given to anyone else."""
    return secrets.token_urlsafe(UID_BYTES)


def person_uid(db: Database, person_id: int) -> str | None:
    row = db.execute("SELECT uid FROM people WHERE id = ?", [person_id]).fetchone()
    return row[0] if row else None


def person_by_uid(db: Database, uid: str) -> int | None:
    """The id of the person enrolled now with this uid; None once they are removed."""
    row = db.execute("SELECT id FROM people WHERE uid = ?", [uid]).fetchone()
    return row[0] if row else None


def person_by_email(db: Database, email: str) -> Person | None:
    """The person enrolled with this address (without photo views), or None."""
    row = _person_row(db, email)
    return _people(db, [row["id"]], references=False)[0] if row else None


def _person_row(db: Database, email: str) -> dict | None:
    rows = list(db.query("SELECT id, opt_in, consented_at FROM people WHERE email = ?", [email]))
    return rows[0] if rows else None


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


# --- what a person changes on the web front ------------------------------------------------------


def set_opt_in(db: Database, person_id: int, opt_in: bool) -> bool:
    """Alerts on or off; True when that changed anything."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE people SET opt_in = ?, opt_in_changed_at = ?, updated_at = ? WHERE id = ? AND opt_in != ?",
            [int(opt_in), utcnow(), utcnow(), person_id, int(opt_in)],
        )
        return cursor.rowcount > 0


def set_language(db: Database, person_id: int, language: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE people SET language = ?, updated_at = ? WHERE id = ?", [language, utcnow(), person_id])


def set_consent(db: Database, person_id: int) -> None:
    """The person enrolled themselves on the web front (and read what they consent to): now. Had
    they left before, the mark of it goes."""
    with write_transaction(db):
        db.execute("UPDATE people SET consented_at = ?, updated_at = ? WHERE id = ?", [utcnow(), utcnow(), person_id])
        row = db.execute("SELECT email FROM people WHERE id = ?", [person_id]).fetchone()
        if row:
            db.execute("DELETE FROM departed WHERE digest = ?", [_digest(_departure_key(db), row[0])])


def remember_departure(db: Database, email: str) -> None:
    """Someone left on the web front: keep a digest of their address, nothing else, so that the next
    roster import (which still lists them) does not opt them in or give them accounts again."""
    with write_transaction(db):
        digest = _digest(_departure_key(db), email)
        db.execute("INSERT OR REPLACE INTO departed (digest, at) VALUES (?, ?)", [digest, utcnow()])


def departed(db: Database, emails: Iterable[str]) -> set[str]:
    """Which of these addresses left on the web front. The marks are few: they are read once, and
    addresses are hashed (the key read once) only when there are any."""
    marks = {row[0] for row in db.execute("SELECT digest FROM departed")}
    if not marks:
        return set()
    key = _departure_key(db)
    return {email for email in emails if _digest(key, email) in marks}


def self_managed(db: Database, emails: Sequence[str]) -> tuple[list[str], list[str]]:
    """Of these addresses: who left on the web front, and who enrolled themselves there (a roster
    import does not bring back the first, nor change what the second chose)."""
    gone = departed(db, emails)
    left = [email for email in emails if email in gone]
    themselves = []
    for start in range(0, len(emails), ID_BATCH):
        batch = list(emails[start : start + ID_BATCH])
        rows = db.execute(
            f"SELECT email FROM people WHERE consented_at IS NOT NULL AND email IN ({_marks(tuple(batch))})", batch
        )
        themselves += [row[0] for row in rows]
    return left, themselves


def _departure_key(db: Database) -> bytes:
    return bytes.fromhex(setting(db, _DEPARTED_KEY, lambda: secrets.token_hex(32)))


def _digest(key: bytes, email: str) -> str:
    """A keyed digest (the key is the installation's, in ``settings``): the address cannot be read
    back from it, nor found by trying a list of addresses without the key."""
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


_DEPARTED_KEY = "departed_key"


def add_account(db: Database, person_id: int, account: str) -> bool:
    """Add one ``source:handle`` to the person's own accounts; True when it was added. An account
    another person lists stays theirs (False): moving it between people is the office's to decide."""
    with write_transaction(db):
        if account_owner(db, account) is not None:
            return False
        source, _, handle = account.partition(":")
        db["accounts"].insert({"person_id": person_id, "source": source, "handle": handle})
        return True
