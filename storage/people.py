"""Enrolled staff: people, their own accounts and the hashes of their photos."""

from __future__ import annotations

import json
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from storage.hashes import pack_views, unpack_views, view_table
from watcher.matching.name_parts import strip_accents
from watcher.models import Enrolment, ImageHashes, Person, ViewTable
from watcher.query_plan import handle_candidates, name_variants


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


# What removal drops from a finding's match evidence: the name of theirs that matched.
PERSONAL_EVIDENCE = ("matched_name",)
REMOVED = "[removed]"
MIN_TERM = 5  # shorter spellings (a bare first name) would hit other people's text


def remove_person(db: Database, email: str) -> dict[str, int] | None:
    """Delete a person and everything kept about them, in one transaction; None if unknown.

    Deleted: the person, their own accounts, photo hashes, the e-mails queued or sent to them
    and their audit rows, and the state of the searches made for their name. Their findings
    stay, for the district's record of the profile, anonymised: no link to the person, no
    ``matched_name``, their name and e-mail replaced by "[removed]" in the reasons of the
    finding and of its evidence snapshots (snapshots of logo misuse on their own account are
    deleted: they show the person, not an impostor). A digest that mentions them is withdrawn
    if not yet sent (the next one is written without them) or kept without its text if it was.
    What the impostor's profile itself shows (its fields, the page as fetched) is kept as is.
    """
    with write_transaction(db):
        row = _person_row(db, email)
        if row is None:
            return None
        (person,) = _people(db, [row["id"]], references=False)
        terms = _terms(person)
        counts = {"findings_anonymised": _anonymise_findings(db, person.id, terms)}
        counts |= _drop_messages(db, person, terms)
        counts["searches"] = _drop_searches(db, person, terms)
        counts["audit_redacted"] = _redact_rows(db, "audit", ("actor", "detail"), terms)
        counts["photos"] = db.execute("DELETE FROM reference_views WHERE person_id = ?", [person.id]).rowcount
        db.execute("DELETE FROM reference_prints WHERE person_id = ?", [person.id])
        counts["handles"] = db.execute("DELETE FROM accounts WHERE person_id = ?", [person.id]).rowcount
        db.execute("DELETE FROM people WHERE id = ?", [person.id])
    return counts


def _terms(person: Person) -> list[str]:
    """Every spelling of the person we may have written down, longest first."""
    names = [person.name, *person.aliases, *name_variants(person), person.email]
    names += [strip_accents(n) for n in names]
    # Whole names and the address only: a bare first name or "ana" would hit other people's text.
    return sorted({n for n in names if len(n) >= MIN_TERM}, key=len, reverse=True)


def _pattern(terms: list[str]) -> re.Pattern[str]:
    """The terms as whole words: "Ana Ruiz" is removed from "Ana Ruiz, teacher", not from "Mariana Ruizo"."""
    return re.compile("(?<!\\w)(?:" + "|".join(re.escape(t) for t in terms) + ")(?!\\w)", re.IGNORECASE)


def _redact(text: str, terms: list[str]) -> str:
    if not text or not terms:
        return text
    return _pattern(terms).sub(REMOVED, text)


def _scrub_match(evidence: dict, terms: list[str]) -> dict:
    matched = evidence.get("matched_name")
    extra = [matched] if isinstance(matched, str) and len(matched) >= 2 else []
    out = {k: v for k, v in evidence.items() if k not in PERSONAL_EVIDENCE}
    if isinstance(out.get("reasons"), list):
        out["reasons"] = [_redact(str(r), [*extra, *terms]) for r in out["reasons"]]
    out["person_removed"] = True
    return out


def _anonymise_findings(db: Database, person_id: int, terms: list[str]) -> int:
    rows = list(
        db.query("SELECT id, kind, profile_id, evidence, review_note FROM findings WHERE person_id = ?", [person_id])
    )
    for f in rows:
        db["findings"].update(
            f["id"],
            {
                "person_id": None,
                # A key of its own: a person later given the same id must not inherit this finding.
                "finding_key": f"{f['kind']}:removed{f['id']}:{f['profile_id']}",
                "evidence": json.dumps(_scrub_match(json.loads(f["evidence"] or "{}"), terms), ensure_ascii=False),
                "review_note": _redact(f["review_note"], terms) if f["review_note"] else f["review_note"],
            },
        )
        if json.loads(f["evidence"] or "{}").get("own_account"):
            # Logo misuse on their own account is about them, not an impostor: it goes, with its
            # snapshots, and the profile row of their account when nothing else refers to it.
            db.execute("DELETE FROM evidence WHERE finding_id = ?", [f["id"]])
            db.execute("DELETE FROM audit WHERE finding_id = ?", [f["id"]])
            db.execute("DELETE FROM findings WHERE id = ?", [f["id"]])
            db.execute(
                "DELETE FROM profiles WHERE id = ? AND NOT EXISTS (SELECT 1 FROM findings WHERE profile_id = ?)",
                [f["profile_id"], f["profile_id"]],
            )
            continue
        for shot in list(db.query("SELECT id, match FROM evidence WHERE finding_id = ?", [f["id"]])):
            scrubbed = _scrub_match(json.loads(shot["match"] or "{}"), terms)
            db.execute(
                "UPDATE evidence SET match = ? WHERE id = ?", [json.dumps(scrubbed, ensure_ascii=False), shot["id"]]
            )
    return len(rows)


def _drop_messages(db: Database, person: Person, terms: list[str]) -> dict[str, int]:
    """Their alerts go, with the audit rows about them; digests that name them are withdrawn or emptied."""
    theirs = [
        r["id"]
        for r in db.query("SELECT id FROM outbox WHERE person_id = ? OR recipient = ?", [person.id, person.email])
    ]
    withdrawn = emptied = 0
    for r in db.query(
        "SELECT id, status, message FROM outbox WHERE kind = 'digest' AND id NOT IN (SELECT value FROM json_each(?))",
        [json.dumps(theirs)],
    ):
        if not _mentions(r["message"], terms):
            continue
        if r["status"] == "sent":
            db.execute("UPDATE outbox SET message = ? WHERE id = ?", [_emptied(r["message"]), r["id"]])
            emptied += 1
        else:
            theirs.append(r["id"])
            withdrawn += 1
    ids = json.dumps(theirs)
    db.execute("UPDATE findings SET outbox_id = NULL WHERE outbox_id IN (SELECT value FROM json_each(?))", [ids])
    audit = db.execute("DELETE FROM audit WHERE outbox_id IN (SELECT value FROM json_each(?))", [ids]).rowcount
    db.execute("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))", [ids])
    return {
        "messages": len(theirs) - withdrawn,
        "digests_withdrawn": withdrawn,
        "digests_emptied": emptied,
        "audit": audit,
    }


def _mentions(message: bytes, terms: list[str]) -> bool:
    parsed = BytesParser(policy=policy.default).parsebytes(bytes(message))
    texts = [str(v) for v in parsed.values()]
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            texts.append(part.get_content())
    return bool(terms) and _pattern(terms).search("\n".join(texts)) is not None


def _emptied(message: bytes) -> bytes:
    """The sent message's envelope headers, its text replaced by a note."""
    parsed = BytesParser(policy=policy.default).parsebytes(bytes(message))
    note = EmailMessage()
    for header in ("Message-ID", "Date", "From", "To"):
        if parsed[header]:
            note[header] = parsed[header]
    note["Subject"] = "(text removed)"
    note.set_content(f"The text of this message was removed on {utcnow()}: it named a person no longer enrolled.")
    return note.as_bytes()


def _drop_searches(db: Database, person: Person, terms: list[str]) -> int:
    """The state of the queries made for them, and their names in scan reports' problems."""
    queries = json.dumps([*name_variants(person), *handle_candidates(person)])
    dropped = db.execute("DELETE FROM query_state WHERE query IN (SELECT value FROM json_each(?))", [queries]).rowcount
    _redact_rows(db, "scan_runs", ("problems",), terms)
    return dropped


def _redact_rows(db: Database, table: str, columns: tuple[str, ...], terms: list[str]) -> int:
    """Replace the terms in these text columns wherever they occur; returns the rows changed."""
    changed = 0
    for row in db.query(f"SELECT id, {', '.join(columns)} FROM {table}"):
        values = {c: _redact(row[c], terms) for c in columns if isinstance(row[c], str)}
        values = {c: v for c, v in values.items() if v != row[c]}
        if values:
            db[table].update(row["id"], values)
            changed += 1
    return changed


def _person_row(db: Database, email: str) -> dict | None:
    rows = list(db.query("SELECT id, opt_in FROM people WHERE email = ?", [email]))
    return rows[0] if rows else None


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values) or "NULL"
