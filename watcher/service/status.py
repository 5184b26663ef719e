"""``watcher status``: each job's last and next run, the sources' health, the outbox backlog and
the open findings (``watcher/display.py`` writes them as lines)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from storage import jobs as jobs_store
from watcher.config import Config
from watcher.coverage import coverage_json, staff_coverage
from watcher.service.lock import lock_path, service_pid
from watcher.service.plan import plan_jobs


def service_status(config: Config, db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """What ``watcher status`` shows; reads only, so it works beside a running service."""
    pid = service_pid(config)
    now = (now or datetime.now(UTC)).astimezone(ZoneInfo(config.timezone))
    runs = jobs_store.job_runs(db)
    jobs = []
    for plan in plan_jobs(config, db, now):
        row = runs.get(plan.job) or {}
        if pid is not None:
            next_run, planned_by = row.get("next_run_at"), "scheduler"
        elif plan.overdue:
            next_run, planned_by = None, "at start"
        else:
            next_run, planned_by = plan.first_run.astimezone(UTC).isoformat(timespec="seconds"), "computed"
        jobs.append(
            {
                "job": plan.job,
                "last_started_at": row.get("last_started_at"),
                "last_finished_at": row.get("last_finished_at"),
                "last_status": row.get("last_status"),
                "last_error": row.get("last_error"),
                "next_run_at": next_run,
                "next_run_from": planned_by,
            }
        )
    return {
        "service": {"running": pid is not None, "pid": pid or None, "lock_file": str(lock_path(config))},
        "jobs": jobs,
        "sources": [jobs_store.source_health(db, source.name) for source in config.sources],
        "coverage": coverage_json(staff_coverage(config.sources, db, now=now), now=now),
        "outbox": jobs_store.outbox_backlog(db),
        "open_findings": jobs_store.open_findings(db),
    }
