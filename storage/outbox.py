"""The durable outbox: a message is stored in the same transaction that marks its findings alerted.

Delivery claims a message (status ``sending``) before handing it over and marks
it ``sent`` after. A crash in between leaves it ``sending``; the next delivery
hands it over again with the same Message-ID and the same delivery key, which
the Maildir transport turns into the same file (see notifications/maildir.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow, write_transaction

MAX_ATTEMPTS = 8


class AlreadyAlerted(Exception):
    """Another process alerted some of these findings first; nothing was queued."""


def enqueue_alert(db: Database, message: EmailMessage, finding_ids: list[int]) -> int | None:
    """Queue an alert and mark its findings alerted, atomically.

    Returns the outbox id, or None when another process alerted any of the findings
    in the meantime (then nothing is queued: the other message covers them).
    """
    now = utcnow()
    try:
        with write_transaction(db):
            outbox_id = (
                db["outbox"]
                .insert(
                    {
                        "message_id": message["Message-ID"],
                        "kind": "alert",
                        "recipient": message["To"],
                        "subject": message["Subject"],
                        "message": message.as_bytes(),
                        "status": "pending",
                        "created_at": now,
                    }
                )
                .last_pk
            )
            marked = db.execute(
                "UPDATE findings SET status = 'alerted', alerted_at = ?, outbox_id = ? "
                f"WHERE alerted_at IS NULL AND id IN ({_marks(finding_ids)})",
                [now, outbox_id, *finding_ids],
            ).rowcount
            if marked != len(finding_ids):
                raise AlreadyAlerted
    except AlreadyAlerted:
        return None
    return outbox_id


def due_messages(db: Database) -> list[dict[str, Any]]:
    """Pending messages whose backoff has passed, and ones a crash left mid-delivery."""
    return list(
        db.query(
            """SELECT id, message_id, recipient, message, attempts FROM outbox
               WHERE status = 'sending'
                  OR (status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
               ORDER BY id""",
            [utcnow()],
        )
    )


def claim(db: Database, outbox_id: int) -> None:
    db.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?", [outbox_id])


def mark_sent(db: Database, outbox_id: int) -> None:
    db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", [utcnow(), outbox_id])


def mark_failed(db: Database, outbox_id: int, error: str, *, permanent: bool, attempts: int) -> str:
    """Record a failed hand-over; returns the new status (``pending`` or ``dead``)."""
    status = "dead" if permanent or attempts >= MAX_ATTEMPTS else "pending"
    retry_at = datetime.now(UTC) + timedelta(minutes=2 ** min(attempts, 10))
    db.execute(
        "UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
        [status, error[:500], retry_at.isoformat(timespec="seconds"), outbox_id],
    )
    return status


def outbox_counts(db: Database) -> dict[str, int]:
    return {row["status"]: row["n"] for row in db.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")}


def _marks(values: list[int]) -> str:
    return ", ".join("?" for _ in values) or "NULL"
