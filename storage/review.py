"""What people decide about findings: the communications office's review (confirm, dismiss, reopen,
and the two kinds of dismissal, "official account" and "namesake"), and the employee's own answer
from their alert. Each with its audit row, in the change's transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage import audit, people
from storage.db import utcnow, write_transaction
from watcher.errors import InputError
from watcher.models import Evidence

# --- the employee's answer ------------------------------------------------------


ANSWERS = ("mine", "impostor")  # "this account is mine / not a problem"; "someone pretending to be me"


def record_answer(db: Database, finding_id: int, answer: str, *, actor: str) -> None:
    """Keep the employee's answer on a finding (the latest one counts), with an audit row."""
    if answer not in ANSWERS:
        raise InputError(f"unknown answer {answer!r}")
    with write_transaction(db):
        db.execute("UPDATE findings SET answer = ?, answered_at = ? WHERE id = ?", [answer, utcnow(), finding_id])
        audit.record(db, actor=actor, action="answered", finding_id=finding_id, detail={"answer": answer})


# --- review -------------------------------------------------------------------

# action → (the statuses it may start from, what it is called in the audit trail)
REVIEW_ACTIONS = {
    "confirm": (("new", "alerted"), "confirmed"),
    "dismiss": (("new", "alerted", "confirmed"), "dismissed"),
    "reopen": (("dismissed", "resolved", "confirmed"), "reopened"),
    "official": (("new", "alerted", "confirmed"), "dismissed"),
    "namesake": (("new", "alerted", "confirmed"), "dismissed"),
}
# The two kinds of dismissal: why, in the audit trail. "official": the account is the district's or the
# person's own (it joins their accounts, so it is never flagged again); "namesake": someone else's, same name.
DISMISSED_BECAUSE = {"official": "official account", "namesake": "namesake"}
_VERBS = {"official": "mark as an official account", "namesake": "mark as a namesake"}


def review(db: Database, finding_id: int, action: str, *, actor: str, note: str | None = None) -> tuple[str, str]:
    """Confirm, dismiss or reopen a finding, with an audit row. Returns (old status, new status).

    Dismissing (also as "official" or "namesake") remembers the finding's signals, so that it stays
    quiet until its evidence gains one (see ``QUIET``). "official" also adds the profile to its
    person's own accounts, in the same transaction. Reopening puts it back where it was before:
    alerted if its person was told, else new (and then the next alert covers it).
    """
    if action not in REVIEW_ACTIONS:
        raise InputError(f"unknown review action {action!r} ({', '.join(REVIEW_ACTIONS)})")
    allowed, done = REVIEW_ACTIONS[action]
    with write_transaction(db):
        row = db.execute(
            """SELECT f.status, f.alerted_at, f.evidence, f.person_id, pr.source, pr.handle
               FROM findings f JOIN profiles pr ON pr.id = f.profile_id WHERE f.id = ?""",
            [finding_id],
        ).fetchone()
        if row is None:
            raise InputError(f"no finding with id {finding_id}")
        old, alerted_at, evidence, person_id, source, handle = row
        if old not in allowed:
            if old == done:
                raise InputError(f"finding {finding_id} is already {old}")
            starts = " or ".join(allowed)
            raise InputError(
                f"cannot {_VERBS.get(action, action)} finding {finding_id}: it is {old} (only {starts} findings can be)"
            )
        now = utcnow()
        values: dict[str, Any] = {"reviewed_at": now, "review_note": note}
        if action == "confirm":
            new = "confirmed"
        elif done == "dismissed":
            new = "dismissed"
            values["alerted_signals"] = json.dumps(sorted(Evidence.from_json(json.loads(evidence)).signals))
        else:
            new = "alerted" if alerted_at else "new"
            values |= {"resolved_at": None, "missing_count": 0}
            if not alerted_at:
                values["alerted_signals"] = None  # never told: the next alert covers it as news
        values["status"] = new
        db["findings"].update(finding_id, values)
        detail: dict[str, Any] = {"from": old, "to": new}
        if action in DISMISSED_BECAUSE:
            detail["reason"] = DISMISSED_BECAUSE[action]
        if action == "official" and person_id is not None:
            account = f"{source}:{handle}".lower()
            people.add_account(db, person_id, account)
            detail["account"] = account
        if note:
            detail["note"] = note
        audit.record(db, actor=actor, action=done, finding_id=finding_id, detail=detail)
    return old, new
