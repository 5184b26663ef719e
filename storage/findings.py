"""Findings: one per kind + person + profile, with the evidence that produced them."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow
from watcher.models import Finding

_SELECT = """
    SELECT f.id, f.kind, p.email AS person_email, pr.source, pr.handle, pr.display_name,
           pr.profile_url, f.score, f.status, f.evidence, f.first_seen, f.last_seen, f.alerted_signals
    FROM findings f
    JOIN profiles pr ON pr.id = f.profile_id
    LEFT JOIN people p ON p.id = f.person_id
"""


def finding_key(kind: str, person_id: int | None, profile_id: int) -> str:
    return f"{kind}:{person_id if person_id is not None else '-'}:{profile_id}"


# A finding the person was told about (or that was dismissed) speaks again only when it gains a
# signal it did not have then: the photo starts matching, the bio starts claiming the job.
QUIET = ("alerted", "dismissed")


def record_finding(
    db: Database,
    *,
    kind: str,
    person_id: int | None,
    profile_id: int,
    scan_id: int,
    score: float,
    rule: str,
    evidence: dict[str, Any],
) -> tuple[int, bool]:
    """Insert a finding, or refresh the existing one. Returns (id, created).

    An alerted or dismissed finding whose evidence gained a signal (see ``QUIET``) becomes
    ``new`` again, so the next alert covers it, marked as an update.
    """
    now = utcnow()
    key = finding_key(kind, person_id, profile_id)
    values: dict[str, Any] = {
        "score": round(score, 4),
        "rule": rule,
        "evidence": json.dumps(evidence, ensure_ascii=False),
        "last_seen": now,
    }
    rows = list(db.query("SELECT id, status, alerted_signals FROM findings WHERE finding_key = ?", [key]))
    if rows:
        row = rows[0]
        if row["status"] in QUIET and row["alerted_signals"] is not None:
            gained = set(evidence.get("signals", ())) - set(json.loads(row["alerted_signals"]))
            if gained:
                values |= {"status": "new", "alerted_at": None, "outbox_id": None}
        db["findings"].update(row["id"], values)
        return row["id"], False
    values |= {
        "finding_key": key,
        "kind": kind,
        "person_id": person_id,
        "profile_id": profile_id,
        "scan_run_id": scan_id,
        "status": "new",
        "first_seen": now,
    }
    return db["findings"].insert(values).last_pk, True


def list_findings(db: Database, *, person_id: int | None = None, unalerted_only: bool = False) -> list[Finding]:
    where, params = [], []
    if person_id is not None:
        where.append("f.person_id = ?")
        params.append(person_id)
    if unalerted_only:
        where.append("f.alerted_at IS NULL AND f.status = 'new' AND f.kind = 'impersonation'")
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id"
    return [_finding(row) for row in db.query(sql, params)]


def people_to_alert(db: Database) -> list[int]:
    """Opted-in people with findings they have not been told about."""
    rows = db.query(
        """SELECT DISTINCT f.person_id FROM findings f JOIN people p ON p.id = f.person_id
           WHERE p.opt_in = 1 AND f.alerted_at IS NULL AND f.status = 'new' AND f.kind = 'impersonation'
           ORDER BY f.person_id"""
    )
    return [row["person_id"] for row in rows]


def _finding(row: dict[str, Any]) -> Finding:
    return Finding(
        id=row["id"],
        kind=row["kind"],
        person_email=row["person_email"],
        source=row["source"],
        handle=row["handle"],
        display_name=row["display_name"],
        profile_url=row["profile_url"],
        score=row["score"],
        status=row["status"],
        evidence=json.loads(row["evidence"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        alerted_signals=tuple(json.loads(row["alerted_signals"])) if row["alerted_signals"] else None,
    )
