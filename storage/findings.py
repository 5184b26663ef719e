"""Findings: one per kind + person + profile, with the evidence that produced them, and their lifecycle.

    new ──alert──▶ alerted ──review──▶ confirmed | dismissed
     │                │                    │
     └────────────────┴── profile gone twice in a row ──▶ resolved ──profile back──▶ alerted | new

A re-check asks the platform for each open finding's profile directly (``Source.fetch``);
absence from search results proves nothing. Two "gone" answers in a row resolve a finding;
an unknown answer (rate limit, outage) changes nothing; a "found" answer resets the count and
reopens a resolved finding. Resolved findings are re-checked for ``RESOLVED_RECHECK_DAYS``.
Dismissed findings are not re-checked: they speak again only when a scan meets their profile
and its evidence gained a signal (``QUIET``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from storage import audit
from storage.db import given, utcnow, write_transaction
from watcher.models import Evidence, Finding

STATUSES = ("new", "alerted", "confirmed", "dismissed", "resolved")
OPEN = ("new", "alerted", "confirmed")
MISSES_TO_RESOLVE = 2  # "gone" answers in a row
RESOLVED_RECHECK_DAYS = 90  # a taken-down profile can come back; look for it this long

_SELECT = """
    SELECT f.id, f.kind, p.email AS person_email, p.name AS person_name, pr.source, pr.handle, pr.display_name,
           pr.profile_url, pr.description, pr.avatar_url, pr.avatar_sha256, f.score, f.rule, f.status, f.evidence,
           f.first_seen, f.last_seen, f.alerted_signals, f.resolved_at, f.reviewed_at, f.review_note,
           f.missing_count, f.last_checked_at, f.answer, f.answered_at
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
    evidence: Evidence,
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
        "evidence": json.dumps(evidence.as_json(), ensure_ascii=False),
        "last_seen": now,
    }
    rows = list(db.query("SELECT id, status, alerted_signals, alerted_at FROM findings WHERE finding_key = ?", [key]))
    if rows:
        row = rows[0]
        if row["status"] in QUIET and row["alerted_signals"] is not None:
            gained = set(evidence.signals) - set(json.loads(row["alerted_signals"]))
            if gained:
                values |= {"status": "new", "alerted_at": None, "outbox_id": None}
                if row["alerted_at"] is None:  # dismissed before anyone was told: news, not an update
                    values["alerted_signals"] = None
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


def list_findings(
    db: Database,
    *,
    person_id: int | None = None,
    unalerted_only: bool = False,
    kind: str | None = None,
    status: str | None = None,
    source: str | None = None,
    person_email: str | None = None,
    since: str | None = None,
    scan_id: int | None = None,
) -> list[Finding]:
    """Findings, oldest first; every argument given narrows the list (``since``: an ISO time,
    first seen at or after it; ``scan_id``: made by that scan)."""
    where, params = given(
        (
            ("f.person_id = ?", person_id),
            ("f.kind = ?", kind),
            ("f.status = ?", status),
            ("pr.source = ?", source),
            ("p.email = ?", person_email.strip().lower() if person_email else None),
            ("julianday(f.first_seen) >= julianday(?)", since),
            ("f.scan_run_id = ?", scan_id),
        )
    )
    if unalerted_only:
        where.append("f.alerted_at IS NULL AND f.status IN ('new', 'confirmed') AND f.kind = 'impersonation'")
    return findings_where(db, " AND ".join(where) or "1", params)


def findings_where(db: Database, where: str, params: Sequence[Any], order: str = "f.id") -> list[Finding]:
    """Findings matching a SQL condition over ``findings f``, ``profiles pr`` and ``people p``, in ``order``."""
    return [_finding(row) for row in db.query(f"{_SELECT} WHERE {where} ORDER BY {order}", list(params))]


def people_to_alert(db: Database) -> list[int]:
    """Opted-in people with findings they have not been told about."""
    rows = db.query(
        """SELECT DISTINCT f.person_id FROM findings f JOIN people p ON p.id = f.person_id
           WHERE p.opt_in = 1 AND f.alerted_at IS NULL AND f.status IN ('new', 'confirmed') AND f.kind = 'impersonation'
           ORDER BY f.person_id"""
    )
    return [row["person_id"] for row in rows]


def _finding(row: dict[str, Any]) -> Finding:
    """The one mapping of a finding's row (with its profile and person) to its record."""
    try:
        stored = json.loads(row["evidence"] or "{}")
    except ValueError:
        stored = {}
    return Finding(
        id=row["id"],
        kind=row["kind"],
        person_email=row["person_email"],
        person_name=row["person_name"],
        source=row["source"],
        handle=row["handle"],
        display_name=row["display_name"],
        profile_url=row["profile_url"],
        description=row["description"] or "",
        avatar_url=row["avatar_url"],
        avatar_sha256=row["avatar_sha256"],
        score=row["score"],
        rule=row["rule"] or "",
        status=row["status"],
        evidence=Evidence.from_json(stored),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        alerted_signals=tuple(json.loads(row["alerted_signals"])) if row["alerted_signals"] else None,
        resolved_at=row["resolved_at"],
        reviewed_at=row["reviewed_at"],
        review_note=row["review_note"],
        missing_count=row["missing_count"],
        last_checked_at=row["last_checked_at"],
        answer=row["answer"],
        answered_at=row["answered_at"],
    )


def get_finding(db: Database, finding_id: int) -> Finding | None:
    found = findings_where(db, "f.id = ?", [finding_id])
    return found[0] if found else None


# --- re-checks ----------------------------------------------------------------


@dataclass(frozen=True)
class RecheckTarget:
    """A profile some finding depends on: asked for directly at each scan."""

    profile_id: int
    platform_id: str
    handle: str


# Findings whose profile is re-checked: open ones, and ones resolved recently (``?``: since when).
_RECHECKED = f"""(f.status IN ({", ".join(f"'{s}'" for s in OPEN)})
    OR (f.status = 'resolved' AND julianday(f.resolved_at) >= julianday(?)))"""


def recheck_targets(db: Database, source: str, *, now: datetime | None = None) -> list[RecheckTarget]:
    """The profiles on ``source`` to re-check, least recently checked first (so a source whose
    budget runs out gets through all of them over a few scans)."""
    rows = db.query(
        f"""SELECT pr.id, pr.platform_id, pr.handle, MIN(COALESCE(f.last_checked_at, '')) AS checked
            FROM findings f JOIN profiles pr ON pr.id = f.profile_id
            WHERE pr.source = ? AND {_RECHECKED}
            GROUP BY pr.id ORDER BY checked, pr.id""",
        [source, _resolved_since(now)],
    )
    return [RecheckTarget(row["id"], row["platform_id"], row["handle"]) for row in rows]


def profile_present(db: Database, profile_id: int, *, now: datetime | None = None) -> list[int]:
    """The platform showed the profile: its findings' miss count restarts, and resolved ones
    reopen (to where they were). Returns the ids of the findings reopened."""
    reopened = []
    with write_transaction(db):
        for row in _rechecked(db, profile_id, now):
            values: dict[str, Any] = {"missing_count": 0, "last_checked_at": utcnow()}
            if row["status"] == "resolved":
                status = _reopened_status(db, row["id"], row["alerted_at"])
                values |= {"status": status, "resolved_at": None}
                audit.record(
                    db,
                    actor=audit.SERVICE,
                    action="reopened",
                    finding_id=row["id"],
                    detail={"from": "resolved", "to": status, "why": "the profile is back"},
                )
                reopened.append(row["id"])
            db["findings"].update(row["id"], values)
    return reopened


def profile_unknown(db: Database, profile_id: int) -> None:
    """The platform gave no answer about the profile: nothing changes but the time it was asked,
    so that a profile that never answers goes to the back of the queue, not to its front."""
    db.execute(
        "UPDATE findings SET last_checked_at = ? WHERE profile_id = ? AND status != 'dismissed'", [utcnow(), profile_id]
    )


def profile_missing(
    db: Database, profile_id: int, *, now: datetime | None = None, moderated: tuple[str, ...] = ()
) -> list[int]:
    """The platform said the profile is gone: one more miss for each of its findings; the second
    in a row resolves an open one. Returns the ids of the findings resolved.

    ``moderated``: the profile is still there, but the platform's moderators marked it (an
    impersonation label, limited): they acted on it, which counts like a takedown."""
    resolved = []
    with write_transaction(db):
        for row in _rechecked(db, profile_id, now):
            misses = row["missing_count"] + 1
            values: dict[str, Any] = {"missing_count": misses, "last_checked_at": utcnow()}
            if row["status"] != "resolved" and misses >= MISSES_TO_RESOLVE:
                values |= {"status": "resolved", "resolved_at": utcnow()}
                audit.record(
                    db,
                    actor=audit.SERVICE,
                    action="resolved",
                    finding_id=row["id"],
                    detail={
                        "from": row["status"],
                        "to": "resolved",
                        "why": f"the platform's moderators marked the profile ({', '.join(moderated)})"
                        f" {misses} times in a row"
                        if moderated
                        else f"the profile was gone {misses} times in a row",
                    },
                )
                resolved.append(row["id"])
            db["findings"].update(row["id"], values)
    return resolved


def _rechecked(db: Database, profile_id: int, now: datetime | None) -> list[dict[str, Any]]:
    return list(
        db.query(
            f"""SELECT f.id, f.status, f.alerted_at, f.missing_count FROM findings f
                WHERE f.profile_id = ? AND {_RECHECKED}""",
            [profile_id, _resolved_since(now)],
        )
    )


def _resolved_since(now: datetime | None) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=RESOLVED_RECHECK_DAYS)).isoformat(timespec="seconds")


def _reopened_status(db: Database, finding_id: int, alerted_at: str | None) -> str:
    """Where a finding goes back to: confirmed if it was, else alerted if its person was told, else new."""
    row = db.execute(
        "SELECT detail FROM audit WHERE finding_id = ? AND action = 'resolved' ORDER BY id DESC LIMIT 1", [finding_id]
    ).fetchone()
    if row and json.loads(row[0]).get("from") == "confirmed":
        return "confirmed"
    return "alerted" if alerted_at else "new"


def about_someone_else(db: Database, account: str, person_id: int) -> bool:
    """Whether the account ``source:handle`` has an impersonation finding about another person: it
    cannot become this person's own account (own accounts are never flagged)."""
    source, _, handle = account.partition(":")
    row = db.execute(
        """SELECT 1 FROM findings f JOIN profiles pr ON pr.id = f.profile_id
           WHERE pr.source = ? AND lower(pr.handle) = ? AND f.kind = 'impersonation'
           AND f.person_id IS NOT NULL AND f.person_id != ? LIMIT 1""",
        [source, handle, person_id],
    ).fetchone()
    return row is not None
