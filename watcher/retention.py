"""Retention: what is kept how long (``[retention]``), purged daily by ``watcher run``.

- Observations: a profile that never became a finding, last seen more than
  ``observations_days`` ago, is deleted with its cached avatar (URL, validators, hashes); so
  are cached image hashes that are that old and no kept profile shows any more.
- Evidence: snapshots of a resolved or dismissed finding are deleted ``evidence_days`` after it
  was resolved or reviewed (or last seen, when neither is known). The finding itself stays.

Open findings and their evidence are never purged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.db import write_transaction
from watcher.config import Config

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


def purge(config: Config, db: Database, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what the retention settings no longer allow; returns counts by kind of record.

    With ``dry_run`` the deletions are made and rolled back: the counts say exactly what would go.
    """
    now = datetime.now(UTC)
    observed = {"cutoff": _iso(now - timedelta(days=config.retention.observations_days))}
    evidence = {"cutoff": _iso(now - timedelta(days=config.retention.evidence_days))}
    with write_transaction(db):
        db.execute("SAVEPOINT purge")
        counts = {
            "evidence": db.execute("DELETE " + _OLD_EVIDENCE, evidence).rowcount,
            "observations": db.execute("DELETE " + _OLD_OBSERVATIONS, observed).rowcount,
            "image_hashes": db.execute("DELETE " + _OLD_IMAGE_HASHES, observed).rowcount,
        }
        if dry_run:
            db.execute("ROLLBACK TO purge")
        db.execute("RELEASE purge")
    return counts


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
