"""The service's jobs: plain functions the scheduler calls by reference (it is never passed in).

``run_job`` is the scheduler's target: it runs one ``Work`` (``scan_source``, ``deliver``,
``weekly_digest``, ``retention_purge``) on its own connection and records it in ``job_runs``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from storage import jobs as jobs_store
from storage import open_database
from watcher.config import Config
from watcher.errors import WatcherError
from watcher.pipeline import deliver_outbox, queue_alerts, run_scan
from watcher.retention import purge
from watcher.weekly_digest import resolve_week, send_digest

log = logging.getLogger("watcher.service")  # one name for the service's log lines, as before the split

DELIVER = "deliver"
DIGEST = "digest"
PURGE = "purge"
SCAN = "scan:"

Stop = Callable[[], bool]


@dataclass
class JobResult:
    """How a job ended: a status for ``job_runs`` and one line for the log."""

    status: str
    summary: str
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    quiet: bool = False  # nothing happened: log at DEBUG (the outbox is polled every minute)


Work = Callable[[Config, Database, Stop], JobResult]


class RunningJobs:
    """The jobs running now: a stop waits for them, and names those it gives up on."""

    def __init__(self) -> None:
        self._jobs: set[str] = set()
        self._changed = threading.Condition()

    @contextmanager
    def track(self, job: str) -> Iterator[None]:
        with self._changed:
            self._jobs.add(job)
        try:
            yield
        finally:
            with self._changed:
                self._jobs.discard(job)
                self._changed.notify_all()

    def wait_until_idle(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds for every job to end; returns those still running."""
        with self._changed:
            self._changed.wait_for(lambda: not self._jobs, max(timeout, 0.0))
            return sorted(self._jobs)


def run_job(config: Config, job: str, work: Work, stop: Stop, *, running: RunningJobs | None = None) -> None:
    """Run one job on its own database connection (SQLite connections stay in their thread) and
    record it in ``job_runs``. A job that fails is recorded and logged; the service goes on."""
    with running.track(job) if running else nullcontext():
        if stop():  # checked once tracked: a stop that comes between cannot miss this job
            return
        _run_job(config, job, work, stop)


def _run_job(config: Config, job: str, work: Work, stop: Stop) -> None:
    started = time.monotonic()
    db = open_database(config.database)
    try:
        jobs_store.job_started(db, job)
        log.log(logging.DEBUG if job == DELIVER else logging.INFO, "%s: started", job, extra={"job": job})
        try:
            result = work(config, db, stop)
        except Exception as exc:  # recorded as the job's error, never as an answer
            expected = isinstance(exc, WatcherError)
            message = str(exc) if expected else f"{type(exc).__name__}: {exc}"
            jobs_store.job_finished(db, job, "error", message)
            log.error("%s: failed: %s", job, message, exc_info=not expected, extra={"job": job, "status": "error"})
            return
        jobs_store.job_finished(db, job, result.status, result.error)
        seconds = round(time.monotonic() - started, 1)
        log.log(
            logging.DEBUG if result.quiet else logging.INFO,
            "%s (%.1f s)",
            result.summary,
            seconds,
            extra={"job": job, "status": result.status, "duration_s": seconds, **result.counts},
        )
    finally:
        db.close()


def scan_source(config: Config, db: Database, stop: Stop, *, source: str) -> JobResult:
    """One source's scan, as its own job: a source stuck for hours holds back no other source's
    alerts. Alerts are queued as findings are recorded, and delivered at the end (unless asked to stop)."""
    report = run_scan(config, db, only_source=source, stop=stop, deliver=False)
    sent = 0
    if not report.interrupted:
        sent = deliver_outbox(config, db).sent  # claims keep two delivery runs off one message
    stats = report.stats.get(source)
    unknown = sum(stats.unknown.values()) if stats else 0
    counts = {
        "queries": report.queries,
        "profiles": report.profiles_seen,
        "findings_new": report.findings_new,
        "unknown": unknown,
        "alerts_queued": report.alerts_queued,
        "emails_sent": sent,
    }
    summary = (
        f"scan {source}: {report.queries} queries, {report.profiles_seen} profiles, "
        f"{report.findings_new} new findings, {report.alerts_queued} alerts queued, status {report.status}"
    )
    if stats and stats.gave_up:
        summary += f" (source stopped: {stats.gave_up})"
    return JobResult(report.status, summary, counts, error=stats.gave_up if stats else None)


def deliver(config: Config, db: Database, stop: Stop) -> JobResult:
    """Queue alerts for findings recorded and not alerted yet (a scan still running, or stopped, has
    recorded them), then hand the outbox to the transport."""
    queued = queue_alerts(config, db)
    report = deliver_outbox(config, db)
    counts = {"queued": queued, "sent": report.sent, "retrying": report.retrying, "dead": report.dead}
    summary = f"deliver: {queued} alerts queued, {report.sent} sent, {report.retrying} to retry, {report.dead} dead"
    if report.stopped:
        return JobResult("failed", f"{summary}, delivery stopped: {report.stopped}", counts, error=report.stopped)
    return JobResult("ok", summary, counts, quiet=not (queued or report.sent or report.retrying or report.dead))


def weekly_digest(config: Config, db: Database, stop: Stop) -> JobResult:
    """Last complete week's digest, once per week and address (see watcher/weekly_digest.py)."""
    if not config.digest.to:
        return JobResult("skipped", "digest: skipped, no recipients ([digest] to is empty)")
    week = resolve_week(config, None)
    outcome = send_digest(config, db, week)
    counts = {"week": week, "sent": len(outcome.sent), "already_sent": len(outcome.already_sent)}
    parts = [f"sent to {', '.join(outcome.sent)}"] if outcome.sent else []
    if outcome.already_sent:
        parts.append(f"already sent to {', '.join(outcome.already_sent)}")
    if outcome.undelivered:
        parts.append(f"not delivered yet to {', '.join(outcome.undelivered)} (it stays queued)")
        error = "; ".join(f"{address}: {why}" for address, why in outcome.undelivered.items())
        return JobResult("partial", f"digest {week}: {'; '.join(parts)}", counts, error=error)
    return JobResult("ok", f"digest {week}: {'; '.join(parts)}", counts)


def retention_purge(config: Config, db: Database, stop: Stop) -> JobResult:
    deleted = purge(config, db)
    what = ", ".join(f"{count} {kind}" for kind, count in sorted(deleted.items()) if count)
    return JobResult("ok", f"purge: deleted {what}" if what else "purge: nothing to delete", dict(deleted))
