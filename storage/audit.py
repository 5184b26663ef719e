"""The audit trail: every review, every automatic lifecycle change, every e-mail sent.

Rows are only ever added. ``actor`` is who acted: a reviewer's name, or ``"watcher"`` for
what the service did by itself (a finding resolved or reopened by a re-check, a message sent).
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage.db import given, utcnow

SERVICE = "watcher"  # the actor of everything the service does by itself


def record(
    db: Database,
    *,
    actor: str,
    action: str,
    finding_id: int | None = None,
    outbox_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Add one audit row; returns its id. Call it inside the transaction of the change it records."""
    return (
        db["audit"]
        .insert(
            {
                "at": utcnow(),
                "actor": actor,
                "action": action,
                "finding_id": finding_id,
                "outbox_id": outbox_id,
                "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            }
        )
        .last_pk
    )


def email_sent(db: Database, outbox_id: int) -> int:
    """Record that an outbox message was handed over: its kind and recipient, from the outbox."""
    row = db.execute("SELECT kind, recipient FROM outbox WHERE id = ?", [outbox_id]).fetchone()
    detail = {"kind": row[0], "recipient": row[1]} if row else {}
    return record(db, actor=SERVICE, action="email_sent", outbox_id=outbox_id, detail=detail)


def list_audit(
    db: Database, *, finding_id: int | None = None, outbox_id: int | None = None, action: str | None = None
) -> list[dict[str, Any]]:
    """Audit rows, oldest first, with ``detail`` decoded; the arguments filter."""
    where, params = given((("finding_id = ?", finding_id), ("outbox_id = ?", outbox_id), ("action = ?", action)))
    sql = "SELECT id, at, actor, action, finding_id, outbox_id, detail FROM audit"
    sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [row | {"detail": json.loads(row["detail"])} for row in db.query(sql, params)]
