"""What the web front remembers between requests: sign-in links already used, the sessions signed
in (so that signing out ends one on the server, not only in the browser), and the throttle's counters
(sign-up e-mails per address and per client, failed sign-ins). Each forgets by itself."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.db import write_transaction


def use_link(db: Database, mac: str, expires: datetime, *, now: datetime | None = None) -> bool:
    """Record a single-use link's mac: True the first time, False if it was used already.
    Macs of links expired by ``now`` are dropped on the way (those links no longer verify)."""
    moment = _iso(now or datetime.now(UTC))
    with write_transaction(db):
        db.execute("DELETE FROM used_links WHERE expires <= ?", [moment])
        cursor = db.execute("INSERT OR IGNORE INTO used_links (mac, expires) VALUES (?, ?)", [mac, _iso(expires)])
        return cursor.rowcount == 1


def open_session(db: Database, kind: str, uid: str, *, now: datetime | None = None) -> str:
    """A new session of ``kind`` ("staff", "office") for ``uid``; returns its id (kept only as a digest)."""
    session_id = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute(
            "INSERT INTO web_sessions (digest, kind, uid, started_at) VALUES (?, ?, ?, ?)",
            [_session_digest(session_id), kind, uid, _iso(now or datetime.now(UTC))],
        )
    return session_id


def session_alive(db: Database, session_id: str, kind: str, uid: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM web_sessions WHERE digest = ? AND kind = ? AND uid = ?", [_session_digest(session_id), kind, uid]
    ).fetchone()
    return row is not None


def close_session(db: Database, session_id: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM web_sessions WHERE digest = ?", [_session_digest(session_id)])


def close_sessions(db: Database, kind: str, uid: str) -> int:
    """End every session of one person or office account (a password reset, an account removed)."""
    with write_transaction(db):
        return db.execute("DELETE FROM web_sessions WHERE kind = ? AND uid = ?", [kind, uid]).rowcount


def _session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def hit(db: Database, bucket: str, *, limit: int, window: timedelta, now: datetime | None = None) -> bool:
    """Count one event in ``bucket``: True while it is within ``limit`` events per ``window``.
    A refused event is not counted (a client hammering a closed door does not keep it closed longer)."""
    moment = now or datetime.now(UTC)
    since = _iso(moment - window)
    with write_transaction(db):
        db.execute("DELETE FROM throttle WHERE bucket = ? AND at <= ?", [bucket, since])
        count = db.execute("SELECT COUNT(*) FROM throttle WHERE bucket = ?", [bucket]).fetchone()[0]
        if count >= limit:
            return False
        db.execute("INSERT INTO throttle (bucket, at) VALUES (?, ?)", [bucket, _iso(moment)])
        return True


def clear(db: Database, bucket: str) -> None:
    """Forget a bucket's events (a successful sign-in clears its failures)."""
    with write_transaction(db):
        db.execute("DELETE FROM throttle WHERE bucket = ?", [bucket])


def forget_old(db: Database, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Drop every counter older than ``older_than`` (the longest window in use)."""
    with write_transaction(db):
        since = _iso((now or datetime.now(UTC)) - older_than)
        return db.execute("DELETE FROM throttle WHERE at <= ?", [since]).rowcount


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
