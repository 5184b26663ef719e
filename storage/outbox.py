"""The durable outbox: a message is stored in the same transaction that marks its findings alerted.

Delivery claims a message (status ``sending``) before handing it over and marks
it ``sent`` after. A crash in between leaves it ``sending``; the next delivery
hands it over again with the same Message-ID and the same delivery key, which
the Maildir transport turns into the same file (see notifications/maildir.py) and
an SMTP server receives again under the same Message-ID (at least once).
A ``dedupe_key`` (a week's digest to one address) can be queued only once, ever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from watcher.errors import AlreadyAlerted

MAX_ATTEMPTS = 8


def enqueue_message(
    db: Database,
    message: EmailMessage,
    *,
    kind: str,
    dedupe_key: str | None = None,
    person_id: int | None = None,
) -> int | None:
    """Queue one message for delivery; returns its outbox id.

    With a ``dedupe_key`` (e.g. ``digest:2026-W48:comms@district.example``) the message is
    queued at most once, ever: None when that key is already in the outbox.
    """
    with write_transaction(db):
        return _insert(db, message, kind=kind, dedupe_key=dedupe_key, person_id=person_id)


def enqueue_alert(
    db: Database,
    message: EmailMessage,
    findings: Mapping[int, list[str]],
    *,
    person_id: int | None = None,
    cap: tuple[str, int] | None = None,
) -> int | None:
    """Queue an alert and mark its findings alerted, atomically.

    ``findings`` maps each finding's id to the signals it is alerted on (see
    storage/findings.py: a later new signal is a material change). ``cap``: (since, most) alerts
    the person may have had since then, counted under the write lock, so two processes queueing at
    once cannot pass it. Returns the outbox id, or None when another process alerted any of the
    findings in the meantime, or the cap is reached (then nothing is queued).
    """
    if not findings:
        return None  # an alert about nothing: never sent
    now = utcnow()
    try:
        with write_transaction(db):
            if cap is not None and person_id is not None and alerts_since(db, person_id, cap[0]) >= cap[1]:
                raise AlreadyAlerted
            outbox_id = _insert(db, message, kind="alert", dedupe_key=None, person_id=person_id)
            for finding_id, signals in findings.items():
                # A finding dismissed meanwhile is not alerted; a confirmed one stays confirmed.
                marked = db.execute(
                    "UPDATE findings SET status = CASE status WHEN 'new' THEN 'alerted' ELSE status END, "
                    "alerted_at = ?, outbox_id = ?, alerted_signals = ? "
                    "WHERE id = ? AND alerted_at IS NULL AND status IN ('new', 'confirmed')",
                    [now, outbox_id, json.dumps(sorted(signals)), finding_id],
                ).rowcount
                if marked != 1:
                    raise AlreadyAlerted
    except AlreadyAlerted:
        return None
    return outbox_id


def _insert(
    db: Database, message: EmailMessage, *, kind: str, dedupe_key: str | None, person_id: int | None
) -> int | None:
    if dedupe_key is not None and db.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone():
        return None
    return (
        db["outbox"]
        .insert(
            {
                "message_id": message["Message-ID"],
                "kind": kind,
                "recipient": str(message["To"]),
                "subject": str(message["Subject"]),
                "message": message.as_bytes(),
                "status": "pending",
                "created_at": utcnow(),
                "dedupe_key": dedupe_key,
                "person_id": person_id,
            }
        )
        .last_pk
    )


def alerts_since(db: Database, person_id: int, since: str) -> int:
    """Alert messages queued for a person since ``since`` (an ISO time): for the daily cap."""
    row = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND person_id = ? AND created_at >= ?", [person_id, since]
    ).fetchone()
    return int(row[0])


def messages_to_person(db: Database, email: str) -> list[dict[str, Any]]:
    """The id and Message-ID of every message queued for or sent to the person enrolled with ``email``,
    digests aside (they go to the office): what their removal must also delete outside the database."""
    return list(
        db.query(
            "SELECT o.id, o.message_id FROM outbox o JOIN people p ON o.person_id = p.id OR o.recipient = p.email "
            "WHERE p.email = ? AND o.kind != 'digest' ORDER BY o.id",
            [email],
        )
    )


# A claim (status ``sending``) holds for this long: another process leaves the message alone
# meanwhile; after it, the claimer is taken to have died mid-delivery and the message is due.
CLAIM_LEASE = timedelta(minutes=10)
# While a message is ``sending``, ``next_attempt_at`` holds the end of its claim's lease.
_DUE = """(status = 'pending' AND (? OR next_attempt_at IS NULL OR next_attempt_at <= ?))
          OR (status = 'sending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"""


def due_messages(db: Database, *, force: bool = False, ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Pending messages whose backoff has passed (with ``force``, every pending one), and ones
    whose delivery was claimed by a process that did not finish it within the lease; with ``ids``,
    only those (the web front sends its sign-in e-mail at once, not the alerts waiting behind it)."""
    now = utcnow()
    only = f" AND id IN ({', '.join('?' for _ in ids)})" if ids is not None else ""
    return list(
        db.query(
            f"SELECT id, message_id, recipient, message, attempts FROM outbox WHERE ({_DUE}){only} ORDER BY id",
            [force, now, now, *(ids or [])],
        )
    )


def claim(db: Database, outbox_id: int, *, force: bool = False) -> bool:
    """Mark a message as being handed over, for ``CLAIM_LEASE``; False if it is not due any more
    (another process sent it, or holds its claim)."""
    now = utcnow()
    lease = (datetime.now(UTC) + CLAIM_LEASE).isoformat(timespec="seconds")
    return (
        db.execute(
            f"UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ? "
            f"WHERE id = ? AND ({_DUE})",
            [lease, outbox_id, force, now, now],
        ).rowcount
        == 1
    )


def mark_sent(db: Database, outbox_id: int) -> None:
    db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, next_attempt_at = NULL "
        "WHERE id = ? AND status = 'sending'",
        [utcnow(), outbox_id],
    )


def mark_failed(db: Database, outbox_id: int, error: str, *, permanent: bool, attempts: int) -> str:
    """Record a failed hand-over; returns the message's status now (``pending`` or ``dead``, or
    what another process made it meanwhile)."""
    status = "dead" if permanent or attempts >= MAX_ATTEMPTS else "pending"
    retry_at = datetime.now(UTC) + timedelta(minutes=2 ** min(attempts, 10))
    db.execute(
        "UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'sending'",
        [status, error[:500], retry_at.isoformat(timespec="seconds"), outbox_id],
    )
    row = db.execute("SELECT status FROM outbox WHERE id = ?", [outbox_id]).fetchone()
    return row[0] if row else status


def outbox_counts(db: Database) -> dict[str, int]:
    return {row["status"]: row["n"] for row in db.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")}


LISTED = "id, kind, recipient, subject, status, attempts, last_error, created_at, sent_at, next_attempt_at"
STATUSES = ("pending", "sending", "sent", "dead")


def list_messages(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    """The outbox without the message bodies, oldest first; ``status`` filters."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    return list(db.query(f"SELECT {LISTED} FROM outbox {where} ORDER BY id", params))


def release(db: Database, outbox_id: int, error: str) -> None:
    """Undo a claim: the message was never handed over because the transport was unavailable.

    Its attempt is not counted and it is due again at once: an outage or a wrong password is
    not the message's fault, and must not bring it nearer to ``dead``.
    """
    db.execute(
        "UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), last_error = ?, "
        "next_attempt_at = NULL WHERE id = ? AND status = 'sending'",
        [error[:500], outbox_id],
    )


def retry(db: Database, ids: list[int] | None = None) -> list[int]:
    """Put dead messages (those ``ids``, or all) back in the queue with their attempts reset.

    Returns the ids brought back; ``last_error`` is kept as a record of why they died.
    """
    where, params = "status = 'dead'", []
    if ids is not None:
        where += f" AND id IN ({', '.join('?' for _ in ids) or 'NULL'})"
        params = list(ids)
    with write_transaction(db):
        revived = [row[0] for row in db.execute(f"SELECT id FROM outbox WHERE {where} ORDER BY id", params)]
        db.execute(f"UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL WHERE {where}", params)
    return revived
