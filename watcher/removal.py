"""Removing a person: what "everything kept about them" means, and how it is redacted.

The most legally sensitive code we have, kept in one place: the storage layer only runs the
table-by-table steps (``storage/erasure.py``) in the one transaction this module opens.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlite_utils import Database

from storage import erasure
from storage.db import utcnow, write_transaction
from storage.people import person_by_email
from watcher.matching.names import strip_accents
from watcher.models import Person
from watcher.query_plan import handle_candidates, name_variants

REMOVED = "[removed]"
# What removal drops from a finding's match evidence: the name of theirs that matched.
PERSONAL_EVIDENCE = ("matched_name",)
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
        person = person_by_email(db, email)
        if person is None:
            return None
        terms = _terms(person)
        counts = {"findings_anonymised": _anonymise_findings(db, person.id, terms)}
        counts |= _drop_messages(db, person, terms)
        queries = [*name_variants(person), *handle_candidates(person)]
        counts["searches"] = erasure.delete_query_state(db, queries)
        erasure.rewrite_text(db, "scan_runs", ("problems",), lambda text: _redact(text, terms))
        counts["audit_redacted"] = erasure.rewrite_text(db, "audit", ("actor", "detail"), lambda t: _redact(t, terms))
        counts |= erasure.delete_person(db, person.id)
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
    """Stored match evidence (of any version: kept as stored) without the name of theirs that matched,
    their names redacted from its reasons."""
    matched = evidence.get("matched_name")
    extra = [matched] if isinstance(matched, str) and len(matched) >= 2 else []
    out = {k: v for k, v in evidence.items() if k not in PERSONAL_EVIDENCE}
    if isinstance(out.get("reasons"), list):
        out["reasons"] = [_redact(str(r), [*extra, *terms]) for r in out["reasons"]]
    out["person_removed"] = True
    return out


def _anonymise_findings(db: Database, person_id: int, terms: list[str]) -> int:
    findings = erasure.findings_of(db, person_id)
    for f in findings:
        note = _redact(f["review_note"], terms) if f["review_note"] else f["review_note"]
        erasure.anonymise_finding(db, f, _scrub_match(f["evidence"], terms), note)
        if f["evidence"].get("own_account"):
            # Logo misuse on their own account is about them, not an impostor: it goes, with its
            # snapshots, and the profile row of their account when nothing else refers to it.
            erasure.delete_finding(db, f["id"], f["profile_id"])
        else:
            erasure.rewrite_snapshot_matches(db, f["id"], lambda match: _scrub_match(match, terms))
    return len(findings)


def _drop_messages(db: Database, person: Person, terms: list[str]) -> dict[str, int]:
    """Their alerts go, with the audit rows about them; digests that name them are withdrawn or emptied."""
    theirs = erasure.messages_to(db, person.id, person.email)
    withdrawn = emptied = 0
    for digest in erasure.digests_besides(db, theirs):
        if not _mentions(digest["message"], terms):
            continue
        if digest["status"] == "sent":
            erasure.replace_message(db, digest["id"], _emptied(digest["message"]))
            emptied += 1
        else:
            theirs.append(digest["id"])
            withdrawn += 1
    audit = erasure.delete_messages(db, theirs)
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
