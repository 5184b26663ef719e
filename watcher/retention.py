"""Retention: what is kept how long (``[retention]``), purged daily by ``watcher run``.

- Observations: a profile that never became a finding, last seen more than
  ``observations_days`` ago, is deleted with its cached avatar (URL, validators, hashes); so
  are cached image hashes that are that old and no kept profile shows any more.
- Evidence: snapshots of a resolved or dismissed finding are deleted ``evidence_days`` after it
  was resolved or reviewed (or last seen, when neither is known). The finding itself stays.

Open findings and their evidence are never purged.

- The web front's counters: throttle events older than a day (its longest window) and spent
  sign-in links past their expiry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.purge import purge_before
from watcher.config import Config

WEB_COUNTERS = timedelta(days=1)  # the longest throttle window (sign-up e-mails per address per day)


def purge(config: Config, db: Database, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what the retention settings no longer allow; returns counts by kind of record.

    With ``dry_run`` the deletions are made and rolled back: the counts say exactly what would go.
    """
    now = datetime.now(UTC)
    return purge_before(
        db,
        observations=_iso(now - timedelta(days=config.retention.observations_days)),
        evidence=_iso(now - timedelta(days=config.retention.evidence_days)),
        web=_iso(now - WEB_COUNTERS),
        dry_run=dry_run,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
