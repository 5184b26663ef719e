"""The service's own state and health: ``job_runs`` (one row per scheduled job), recovery after a
killed process, and what ``watcher status`` reports from scan runs, the outbox and findings.

State lives here rather than in a pickled job store, so that it survives upgrades, can be read
by ``watcher status`` while ``watcher run`` writes it (WAL), and is what the service catches up
from when it starts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from storage.reports import OPEN_STATUSES

RUNNING = "running"
ABANDONED = "abandoned"  # left running by a process that was killed
COLUMNS = ("job", "last_started_at", "last_finished_at", "last_status", "last_error", "next_run_at")


def job_started(db: Database, job: str) -> None:
    _upsert(db, job, last_started_at=utcnow(), last_status=RUNNING, last_error=None)


def job_finished(db: Database, job: str, status: str, error: str | None = None) -> None:
    _upsert(db, job, last_finished_at=utcnow(), last_status=status, last_error=error[:500] if error else None)


def set_next_run(db: Database, job: str, next_run_at: datetime | None) -> None:
    """What the scheduler plans (``None``: nothing planned)."""
    when = next_run_at.astimezone(UTC).isoformat(timespec="seconds") if next_run_at else None
    _upsert(db, job, next_run_at=when)


def job_runs(db: Database) -> dict[str, dict[str, Any]]:
    return {row["job"]: row for row in db.query(f"SELECT {', '.join(COLUMNS)} FROM job_runs ORDER BY job")}


def abandon_unfinished(db: Database) -> tuple[list[str], list[int]]:
    """Mark jobs and scan runs a killed process left ``running`` as ``abandoned``.

    Called when the service starts, holding its lock: no job of ours is running then. A scan
    started by hand (``watcher scan``) at that very moment is marked too, and corrects its own
    status when it finishes.
    """
    with write_transaction(db):
        jobs = [r[0] for r in db.execute("SELECT job FROM job_runs WHERE last_status = ?", [RUNNING])]
        scans = [r[0] for r in db.execute("SELECT id FROM scan_runs WHERE status = ?", [RUNNING])]
        db.execute(
            "UPDATE job_runs SET last_status = ?, last_error = 'the process stopped during this run' "
            "WHERE last_status = ?",
            [ABANDONED, RUNNING],
        )
        db.execute("UPDATE scan_runs SET status = ?, finished_at = ? WHERE status = ?", [ABANDONED, utcnow(), RUNNING])
    return jobs, scans


def last_completed_scan(db: Database, source: str) -> str | None:
    """When the last scan covering ``source`` ran to its end (whatever it found), or None."""
    row = db.execute(
        """SELECT MAX(scan_runs.finished_at) FROM scan_runs, json_each(scan_runs.sources)
           WHERE json_each.value = ? AND status IN ('ok', 'partial', 'degraded', 'failed')""",
        [source],
    ).fetchone()
    return row[0] if row else None


def source_health(db: Database, source: str, days: int = 7) -> dict[str, Any]:
    """A source's last scans, and how its queries went unanswered over the last ``days`` days."""
    since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    last = db.execute(
        """SELECT scan_runs.started_at, scan_runs.finished_at, scan_runs.status
           FROM scan_runs, json_each(scan_runs.sources) WHERE json_each.value = ?
           ORDER BY scan_runs.id DESC LIMIT 1""",
        [source],
    ).fetchone()
    unknown: dict[str, int] = {}
    scans = queries = stopped = degraded = 0
    rows = db.execute(
        """SELECT scan_runs.source_stats FROM scan_runs, json_each(scan_runs.sources)
           WHERE json_each.value = ? AND julianday(scan_runs.started_at) >= julianday(?)""",
        [source, since],
    )
    for (stats_json,) in rows:
        stats = json.loads(stats_json or "{}").get(source)
        scans += 1
        if not stats:
            continue
        queries += stats.get("queries", 0)
        stopped += bool(stats.get("gave_up"))
        degraded += bool(stats.get("degraded"))
        for reason, count in stats.get("unknown", {}).items():
            unknown[reason] = unknown.get(reason, 0) + count
    ok = db.execute(  # ran to its end, and this source's search was not blind in it
        """SELECT MAX(scan_runs.finished_at) FROM scan_runs, json_each(scan_runs.sources)
           WHERE json_each.value = ? AND status IN ('ok', 'partial', 'degraded')
           AND json_extract(scan_runs.source_stats, '$.' || json_quote(?) || '.degraded') IS NULL""",
        [source, source],
    ).fetchone()[0]
    return {
        "source": source,
        "last_scan_at": (last[1] or last[0]) if last else None,
        "last_scan_status": last[2] if last else None,
        "last_successful_scan_at": ok,
        f"scans_{days}d": scans,
        f"queries_{days}d": queries,
        f"unknown_{days}d": dict(sorted(unknown.items())),
        f"stopped_{days}d": stopped,
        f"degraded_{days}d": degraded,
        "last_degraded": _last_degraded(db, source),
    }


def _last_degraded(db: Database, source: str) -> str | None:
    """Why the source's search looked blind in its latest scan that got that far; None when it did not."""
    row = db.execute(
        """SELECT json_extract(scan_runs.source_stats, '$.' || json_quote(?) || '.degraded')
           FROM scan_runs, json_each(scan_runs.sources) WHERE json_each.value = ?
           AND json_type(scan_runs.source_stats, '$.' || json_quote(?)) IS NOT NULL
           ORDER BY scan_runs.id DESC LIMIT 1""",
        [source, source, source],
    ).fetchone()
    return row[0] if row else None


def outbox_backlog(db: Database) -> dict[str, Any]:
    counts = {row[0]: row[1] for row in db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY 1")}
    oldest = db.execute("SELECT MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
    return {"counts": counts, "oldest_pending_at": oldest}


def open_findings(db: Database) -> dict[str, dict[str, int]]:
    """Open findings counted by kind, then by status."""
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    found: dict[str, dict[str, int]] = {}
    for kind, status, count in db.execute(
        f"SELECT kind, status, COUNT(*) FROM findings WHERE status IN ({marks}) GROUP BY kind, status ORDER BY 1, 2",
        list(OPEN_STATUSES),
    ):
        found.setdefault(kind, {})[status] = count
    return found


def _upsert(db: Database, job: str, **values: Any) -> None:
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{name} = excluded.{name}" for name in values)
    with write_transaction(db):
        db.execute(
            f"INSERT INTO job_runs (job, {names}) VALUES (?, {marks}) ON CONFLICT (job) DO UPDATE SET {updates}",
            [job, *values.values()],
        )
