"""The table-by-table steps of removing a person; what to redact is decided by the caller
(``watcher/removal.py``), which runs these steps in one write transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database


def findings_of(db: Database, person_id: int) -> list[dict[str, Any]]:
    """The person's findings: id, kind, profile_id, evidence (parsed), review_note."""
    rows = db.query("SELECT id, kind, profile_id, evidence, review_note FROM findings WHERE person_id = ?", [person_id])
    return [row | {"evidence": json.loads(row["evidence"] or "{}")} for row in rows]


def anonymise_finding(db: Database, finding: dict[str, Any], evidence: dict[str, Any], note: str | None) -> None:
    """Unlink a finding from its person, with new evidence and review note."""
    db["findings"].update(
        finding["id"],
        {
            "person_id": None,
            # A key of its own: a person later given the same id must not inherit this finding.
            "finding_key": f"{finding['kind']}:removed{finding['id']}:{finding['profile_id']}",
            "evidence": json.dumps(evidence, ensure_ascii=False),
            "review_note": note,
        },
    )


def delete_finding(db: Database, finding_id: int, profile_id: int) -> None:
    """A finding with its snapshots and audit rows, and its profile when nothing else refers to it."""
    db.execute("DELETE FROM evidence WHERE finding_id = ?", [finding_id])
    db.execute("DELETE FROM audit WHERE finding_id = ?", [finding_id])
    db.execute("DELETE FROM findings WHERE id = ?", [finding_id])
    db.execute(
        "DELETE FROM profiles WHERE id = ? AND NOT EXISTS (SELECT 1 FROM findings WHERE profile_id = ?)",
        [profile_id, profile_id],
    )


def rewrite_snapshot_matches(db: Database, finding_id: int, rewrite: Callable[[dict], dict]) -> None:
    """Replace the match evidence of each of the finding's snapshots by ``rewrite(match)``."""
    for shot in list(db.query("SELECT id, match FROM evidence WHERE finding_id = ?", [finding_id])):
        match = rewrite(json.loads(shot["match"] or "{}"))
        db.execute("UPDATE evidence SET match = ? WHERE id = ?", [json.dumps(match, ensure_ascii=False), shot["id"]])


def messages_to(db: Database, person_id: int, email: str) -> list[int]:
    """The outbox ids of every message queued or sent to the person."""
    rows = db.query("SELECT id FROM outbox WHERE person_id = ? OR recipient = ?", [person_id, email])
    return [row["id"] for row in rows]


def digests_besides(db: Database, ids: list[int]) -> list[dict[str, Any]]:
    """Digests (id, status, message) other than these outbox ids."""
    return list(
        db.query(
            """SELECT id, status, message FROM outbox
               WHERE kind = 'digest' AND id NOT IN (SELECT value FROM json_each(?))""",
            [json.dumps(ids)],
        )
    )


def replace_message(db: Database, outbox_id: int, message: bytes) -> None:
    db.execute("UPDATE outbox SET message = ? WHERE id = ?", [message, outbox_id])


def delete_messages(db: Database, ids: list[int]) -> int:
    """These outbox messages, unlinked from their findings; returns the audit rows deleted with them."""
    marks = json.dumps(ids)
    db.execute("UPDATE findings SET outbox_id = NULL WHERE outbox_id IN (SELECT value FROM json_each(?))", [marks])
    audit = db.execute("DELETE FROM audit WHERE outbox_id IN (SELECT value FROM json_each(?))", [marks]).rowcount
    db.execute("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))", [marks])
    return audit


def delete_query_state(db: Database, queries: list[str]) -> int:
    """The remembered answers to these queries (any source); returns how many went."""
    marks = json.dumps(queries)
    return db.execute("DELETE FROM query_state WHERE query IN (SELECT value FROM json_each(?))", [marks]).rowcount


def rewrite_text(db: Database, table: str, columns: tuple[str, ...], rewrite: Callable[[str], str]) -> int:
    """Apply ``rewrite`` to these text columns of every row; returns the rows it changed."""
    changed = 0
    for row in db.query(f"SELECT id, {', '.join(columns)} FROM {table}"):
        values = {c: rewrite(row[c]) for c in columns if isinstance(row[c], str)}
        values = {c: v for c, v in values.items() if v != row[c]}
        if values:
            db[table].update(row["id"], values)
            changed += 1
    return changed


def delete_person(db: Database, person_id: int) -> dict[str, int]:
    """The person's row, photo hashes and prints, and own accounts."""
    photos = db.execute("DELETE FROM reference_views WHERE person_id = ?", [person_id]).rowcount
    db.execute("DELETE FROM reference_prints WHERE person_id = ?", [person_id])
    handles = db.execute("DELETE FROM accounts WHERE person_id = ?", [person_id]).rowcount
    db.execute("DELETE FROM people WHERE id = ?", [person_id])
    return {"photos": photos, "handles": handles}
