"""What an employee's answer to an alert does (the pages of watcher/web/answers.py call these).

"This account is mine, or not a problem": the answer is kept on the finding, the account joins the
person's own accounts (matching never reports someone's own account as impersonating them) and an
open finding is dismissed, so no alert speaks of it again. "Someone is pretending to be me": the
answer is kept and a new or alerted finding is confirmed, for the communications office. "Stop these
alerts": alerts paused. Each change in one transaction, with its audit rows; the actor is the
person's e-mail address (removal redacts it).
"""

from __future__ import annotations

from sqlite_utils import Database

from storage import audit
from storage import findings as findings_store
from storage import people as people_store
from storage import review as review_store
from storage.db import write_transaction
from watcher.models import Finding, Person

MINE_NOTE = "the employee says: this account is mine / not a problem"
IMPOSTOR_NOTE = "the employee says: this is someone pretending to be me"
ANSWERABLE_KIND = "impersonation"  # the findings alerts tell people about
CONFIRMABLE = ("new", "alerted")
HOW = ("one-click", "page")  # how alerts were paused: RFC 8058 from the mail client, or our page


def own_finding(db: Database, person_id: int, finding_id: int | None) -> Finding | None:
    """The finding, when it is an impersonation of this person (still); else None."""
    if finding_id is None:
        return None
    found = findings_store.findings_where(
        db, "f.id = ? AND f.person_id = ? AND f.kind = ?", [finding_id, person_id, ANSWERABLE_KIND]
    )
    return found[0] if found else None


def account_of(finding: Finding) -> str:
    """The finding's profile as ``source:handle``, spelled as own accounts are (see ``Profile.account``)."""
    return f"{finding.source}:{finding.handle.lower()}"


def answer_mine(db: Database, person: Person, finding: Finding) -> bool:
    """The answer "this account is mine, or not a problem". True when it dismissed a new or alerted finding.
    A finding the office confirmed keeps its status and the account is not made theirs: the answer is
    recorded for the office to see (a forwarded alert's link must not undo the office's decision)."""
    account = account_of(finding)
    with write_transaction(db):
        review_store.record_answer(db, finding.id, "mine", actor=person.email)
        if _status(db, finding.id) == "confirmed":
            return False
        if people_store.add_account(db, person.id, account):
            audit.record(
                db,
                actor=person.email,
                action="accounts_changed",
                finding_id=finding.id,
                detail={"added": account, "how": "alert answer"},
            )
        if _status(db, finding.id) in CONFIRMABLE:
            review_store.review(db, finding.id, "dismiss", actor=person.email, note=MINE_NOTE)
            return True
    return False


def answer_impostor(db: Database, person: Person, finding: Finding) -> bool:
    """The answer "yes, this is someone pretending to be me". True when it confirmed a new or alerted finding
    (a finding the office already decided on keeps its status; the office sees the answer)."""
    with write_transaction(db):
        review_store.record_answer(db, finding.id, "impostor", actor=person.email)
        if _status(db, finding.id) in CONFIRMABLE:
            review_store.review(db, finding.id, "confirm", actor=person.email, note=IMPOSTOR_NOTE)
            return True
    return False


def pause_alerts(db: Database, person: Person, how: str) -> bool:
    """Stop this person's alerts (RFC 8058 one-click, or the page's button); True when they were on."""
    if how not in HOW:
        raise ValueError(f"unknown way to pause alerts {how!r}")
    with write_transaction(db):
        changed = people_store.set_opt_in(db, person.id, False)
        audit.record(db, actor=person.email, action="alerts_paused", detail={"how": how, "changed": changed})
    return changed


def _status(db: Database, finding_id: int) -> str | None:
    """The finding's status now, read inside the caller's transaction (the page's record may be stale)."""
    found = findings_store.get_finding(db, finding_id)
    return found.status if found else None
