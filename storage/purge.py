"""Deleting what retention no longer allows; the cut-offs are the caller's (``watcher/retention.py``)."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import write_transaction

CLOSED = ("resolved", "dismissed")

_OLD_OBSERVATIONS = """
    FROM profiles WHERE last_seen < :cutoff
    AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.profile_id = profiles.id)
"""
# "banner:<sha>" and "windows:<sha>" are cached beside an avatar's own "<sha>".
_OLD_IMAGE_HASHES = """
    FROM image_hashes WHERE created_at < :cutoff
    AND NOT EXISTS (
        SELECT 1 FROM profiles p
        WHERE p.avatar_sha256 IS NOT NULL
        AND p.avatar_sha256 = CASE WHEN instr(image_hashes.sha256, ':') > 0
            THEN substr(image_hashes.sha256, instr(image_hashes.sha256, ':') + 1) ELSE image_hashes.sha256 END
    )
"""
_OLD_EVIDENCE = f"""
    FROM evidence WHERE finding_id IN (
        SELECT id FROM findings
        WHERE status IN ({", ".join(f"'{s}'" for s in CLOSED)})
        AND COALESCE(resolved_at, reviewed_at, last_seen) < :cutoff
    )
"""


def purge_before(
    db: Database, *, observations: str, evidence: str, web: str | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Delete observations and cached image hashes older than ``observations``, the snapshots of
    findings closed before ``evidence``, and the web front's throttle counters from before ``web``
    and its spent sign-in links expired by then (ISO times); returns counts by kind of record.

    With ``dry_run`` the deletions are made and rolled back: the counts say exactly what would go.
    """
    observed = {"cutoff": observations}
    with write_transaction(db):
        db.execute("SAVEPOINT purge")
        counts = {
            "evidence": db.execute("DELETE " + _OLD_EVIDENCE, {"cutoff": evidence}).rowcount,
            "observations": db.execute("DELETE " + _OLD_OBSERVATIONS, observed).rowcount,
            "image_hashes": db.execute("DELETE " + _OLD_IMAGE_HASHES, observed).rowcount,
        }
        if web is not None:
            counts["web_counters"] = db.execute("DELETE FROM throttle WHERE at < ?", [web]).rowcount
            counts["web_counters"] += db.execute("DELETE FROM used_links WHERE expires < ?", [web]).rowcount
            # Sessions last 8 hours at most (watcher/web/guard.py): a day-old one is over.
            counts["web_counters"] += db.execute("DELETE FROM web_sessions WHERE started_at < ?", [web]).rowcount
        if dry_run:
            db.execute("ROLLBACK TO purge")
        db.execute("RELEASE purge")
    return counts
