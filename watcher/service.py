"""``watcher run``: the long-running service, and ``watcher status``. APScheduler 3 wiring only; the
work itself is in pipeline, digest and retention.

Jobs, named as in the ``job_runs`` table:

    scan:<source>   every ``[schedule] scan_every`` (or the source's own ``scan_every``), with jitter
    deliver         every ``[schedule] deliver_every``: the outbox
    digest          weekly, ``[digest] weekday`` at ``time`` in the district's time zone: last week
    purge           daily: retention

State lives in our database, not in a job store: each job records when it started and finished,
how it ended, and when it runs next. At start the service marks what a killed process left
running as abandoned, and runs at once what is overdue: a scan whose last complete run is older
than its interval, a weekly digest whose time has passed unsent (its outbox key makes it once).
A kill at any moment loses nothing: findings are recorded one profile per transaction (and are
unique), alerts are queued as findings are recorded, in the transaction that marks them alerted,
and delivery hands a message over again under the same delivery key after a crash.

SIGTERM (or Ctrl-C) starts no new job and asks the running ones to stop at their next check; a job
still running ``[schedule] stop_grace`` seconds later (stuck on a host that never answers) is
abandoned and the process exits: what it did is kept, the rest is redone at the next start.

One process per database: ``watcher run`` holds an exclusive ``flock`` on ``<database>.lock``
(which holds its pid); the system releases it whatever way the process ends. The lock file is
owner-only, never opened through a symlink, and refused when another user owns it.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from sources.base import printable
from storage import jobs as jobs_store
from storage import open_database, reports
from watcher.config import WEEKDAYS, Config, SourceConfig
from watcher.coverage import coverage_json, staff_coverage
from watcher.digest import resolve_week, send_digest
from watcher.errors import AlreadyRunning, ConfigError, WatcherError
from watcher.files import open_private, private_dir
from watcher.pipeline import deliver_outbox, queue_alerts, run_scan
from watcher.retention import purge

log = logging.getLogger(__name__)

DELIVER = "deliver"
DIGEST = "digest"
PURGE = "purge"
SCAN = "scan:"
PURGE_EVERY = 24 * 3600.0
CATCH_UP_DELAY = 1.0  # seconds from start to overdue work; scans are spaced by as much again
LOCK_TRIES = 5  # `watcher status` peeks at the lock for an instant: do not mistake it for a service
COMPLETED = frozenset({"ok", "partial", "degraded", "failed"})  # a scan that ran to its end, whatever it found

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


# ---------------------------------------------------------------------------------------- jobs


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
    """Last complete week's digest, once per week and address (see watcher/digest.py)."""
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


# ------------------------------------------------------------------------------------ schedule


@dataclass(frozen=True)
class JobPlan:
    """A job as the scheduler gets it, with its first run: ``overdue`` ones run at start."""

    job: str
    work: Work
    trigger: BaseTrigger
    first_run: datetime
    overdue: bool
    grace: float  # seconds a run may start late (machine asleep, jobs queued) before it is skipped
    why: str = ""


def scan_interval(config: Config, source: SourceConfig) -> float:
    return source.scan_every or config.schedule.scan_every


def plan_jobs(config: Config, db: Database, now: datetime) -> list[JobPlan]:
    """Every job with its trigger and first run, from what ``job_runs`` and ``scan_runs`` say was done."""
    tz = ZoneInfo(config.timezone)
    now = now.astimezone(tz)
    soon = now + timedelta(seconds=CATCH_UP_DELAY)
    runs = jobs_store.job_runs(db)
    every = config.schedule.deliver_every
    plans = [JobPlan(DELIVER, deliver, _every(every, 0, tz), soon, True, every)]

    week = reports.last_complete_week(tz, now)
    due_at = digest_time(config, week, tz)
    cron = _digest_trigger(config, tz)
    if config.digest.to and now >= due_at and not digest_queued(config, db, week):
        why = f"the digest of {week} was due {due_at.isoformat(timespec='minutes')} and is not sent"
        plans.append(JobPlan(DIGEST, weekly_digest, cron, soon, True, 24 * 3600.0, why))
    else:
        plans.append(JobPlan(DIGEST, weekly_digest, cron, cron.get_next_fire_time(None, now), False, 24 * 3600.0))

    for index, source in enumerate(config.sources):
        job = SCAN + source.name
        every = scan_interval(config, source)
        trigger = _every(every, config.schedule.jitter, tz)
        work = functools.partial(scan_source, source=source.name)
        last = _latest(_completed(runs.get(job)), _parse(jobs_store.last_completed_scan(db, source.name)))
        if last is None or last + timedelta(seconds=every) <= now:
            why = f"no complete scan since {last.isoformat(timespec='seconds')}" if last else "never scanned"
            first = soon + timedelta(seconds=CATCH_UP_DELAY * index)
            plans.append(JobPlan(job, work, trigger, first, True, every, why))
        else:
            plans.append(JobPlan(job, work, trigger, (last + timedelta(seconds=every)).astimezone(tz), False, every))

    last_purge = _completed(runs.get(PURGE), statuses=frozenset({"ok"}))
    if last_purge is None or last_purge + timedelta(seconds=PURGE_EVERY) <= now:
        plans.append(JobPlan(PURGE, retention_purge, _every(PURGE_EVERY, 0, tz), soon, True, PURGE_EVERY))
    else:
        first = (last_purge + timedelta(seconds=PURGE_EVERY)).astimezone(tz)
        plans.append(JobPlan(PURGE, retention_purge, _every(PURGE_EVERY, 0, tz), first, False, PURGE_EVERY))
    return plans


def _every(seconds: float, jitter: float, tz: ZoneInfo) -> IntervalTrigger:
    return IntervalTrigger(seconds=seconds, jitter=jitter * seconds or None, timezone=tz)


def _digest_trigger(config: Config, tz: ZoneInfo) -> CronTrigger:
    hour, minute = (int(part) for part in config.digest.time.split(":"))
    return CronTrigger(day_of_week=config.digest.weekday, hour=hour, minute=minute, timezone=tz)


def digest_time(config: Config, week: str, tz: ZoneInfo) -> datetime:
    """When the digest of ``week`` is due: the configured weekday and time of the week after it."""
    _, end = reports.week_bounds(week, tz)
    hour, minute = (int(part) for part in config.digest.time.split(":"))
    day = end.date() + timedelta(days=WEEKDAYS.index(config.digest.weekday))
    return datetime.combine(day, clock(hour, minute), tzinfo=tz)


def digest_queued(config: Config, db: Database, week: str) -> bool:
    keys = [f"digest:{week}:{parseaddr(address)[1].lower()}" for address in config.digest.to]
    return len(reports.message_states(db, keys)) == len(keys)


def _completed(row: dict[str, Any] | None, statuses: frozenset[str] = COMPLETED) -> datetime | None:
    return _parse(row["last_finished_at"]) if row and row["last_status"] in statuses else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


# ------------------------------------------------------------------------------------- service


def lock_path(config: Config) -> Path:
    return config.database.with_name(config.database.name + ".lock")


class ServiceLock:
    """An exclusive ``flock`` on the lock file beside the database, holding our pid.

    The file is created 0600 whatever the umask and never opened through a symlink: a link planted
    at its name would have a root-run service truncate the file it points to. A lock file another
    user owns is refused: they could hold the lock for ever, or have planted the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = open_private(private_dir(self.path.parent.resolve()) / self.path.name, os.O_RDWR | os.O_CREAT)
        try:
            owner = os.fstat(fd).st_uid
            if owner != os.geteuid():
                raise ConfigError(
                    f"lock file {self.path} belongs to another user (uid {owner}): refusing to use it; "
                    "remove it, or run watcher as its owner"
                )
            self._lock(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _lock(self, fd: int) -> None:
        for attempt in range(LOCK_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if attempt + 1 == LOCK_TRIES:
                    pid = _read_pid(fd)
                    holder = f" (pid {pid})" if pid else ""
                    raise AlreadyRunning(
                        f"watcher run is already running for {self.path.with_suffix('')}{holder}; "
                        "only one may run per database"
                    ) from None
                time.sleep(0.1)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def service_pid(config: Config) -> int | None:
    """The pid of the ``watcher run`` serving this database, or None when none is running."""
    try:
        fd = open_private(lock_path(config), os.O_RDONLY)  # a symlink or a FIFO planted there is refused
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


class Service:
    """The scheduler, its stop switch, and the bookkeeping the main thread does."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.stopping = threading.Event()  # SIGTERM/SIGINT: jobs see it through `stop`
        self.running = RunningJobs()
        self._stop_asked_at: float | None = None  # time.monotonic() of the first stop signal
        self._served = threading.Event()
        self.scheduler = BlockingScheduler(
            timezone=self.tz,
            executors={"default": ThreadPoolExecutor(max_workers=len(config.sources) + 3)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.db: Database | None = None  # the main thread's connection

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; returns once the running jobs have stopped, or exits the
        process when they have not within ``[schedule] stop_grace``."""
        lock = ServiceLock(lock_path(self.config))
        lock.acquire()
        try:
            self.db = open_database(self.config.database)
            self._recover(self.db)
            self._schedule(self.db)
            self._serve()
        finally:
            if self.db is not None:
                self.db.close()
            lock.release()

    def _recover(self, db: Database) -> None:
        jobs, scans = jobs_store.abandon_unfinished(db)
        if jobs or scans:
            log.warning(
                "the last run was killed mid-work: marked abandoned %s; the work is redone now",
                ", ".join([*jobs, *(f"scan run {scan}" for scan in scans)]),
                extra={"abandoned_jobs": jobs, "abandoned_scans": scans},
            )

    def _schedule(self, db: Database) -> None:
        for plan in plan_jobs(self.config, db, datetime.now(self.tz)):
            self.scheduler.add_job(
                run_job,
                trigger=plan.trigger,
                args=[self.config, plan.job, plan.work, self.stopping.is_set],
                kwargs={"running": self.running},
                id=plan.job,
                name=plan.job,
                next_run_time=plan.first_run,
                misfire_grace_time=max(int(plan.grace), 60),
                coalesce=True,
                max_instances=1,
            )
            jobs_store.set_next_run(db, plan.job, plan.first_run)
            if plan.overdue and plan.why:
                log.info("%s: runs now: %s", plan.job, plan.why, extra={"job": plan.job})
        self.scheduler.add_listener(self._record_next_run, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)

    def _serve(self) -> None:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        stopper = threading.Thread(target=self._shutdown_when_asked, name="watcher-stop", daemon=True)
        stopper.start()
        log.info(
            "watcher run: serving %s (pid %d, %d jobs, time zone %s)",
            self.config.database,
            os.getpid(),
            len(self.scheduler.get_jobs()),
            self.config.timezone,
        )
        try:
            if not self.stopping.is_set():
                self.scheduler.start()  # returns once the stopper has shut the scheduler down
        finally:
            self._served.set()
            self._ask_to_stop()  # also when start() failed: the stopper must not wait for ever
        grace = self.config.schedule.stop_grace
        stopper.join(grace)
        assert self._stop_asked_at is not None
        stuck = self.running.wait_until_idle(grace - (time.monotonic() - self._stop_asked_at))
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if stuck:
            self._abandon(stuck, grace)
        log.info("watcher run: stopped")

    def _abandon(self, jobs: list[str], grace: float) -> None:
        """Exit now, leaving jobs that did not stop within the grace: their ``job_runs`` rows stay
        ``running``, which the next start marks abandoned before it redoes their work. Exiting here
        is as safe as a kill: each profile's findings and each alert are one transaction."""
        log.warning(
            "%s still running %.0f s after the stop signal: abandoned; exiting now (the next start marks them "
            "abandoned and resumes their work)",
            ", ".join(jobs),
            grace,
            extra={"abandoned_jobs": jobs},
        )
        logging.shutdown()
        os._exit(0)  # a normal exit would wait for the stuck threads

    def _on_signal(self, signum: int, frame: object) -> None:
        self._ask_to_stop()

    def _ask_to_stop(self) -> None:
        if self._stop_asked_at is None:
            self._stop_asked_at = time.monotonic()
        if not self.stopping.is_set():  # a second signal during set() would wait on set()'s own lock
            self.stopping.set()

    def _shutdown_when_asked(self) -> None:
        self.stopping.wait()
        log.info(
            "stopping: no new jobs; a running job stops at its next check, or is abandoned after %.0f s",
            self.config.schedule.stop_grace,
        )
        while True:
            try:
                # Never wait=True: that waits for the running jobs holding the scheduler's locks,
                # which its main loop needs to return; _serve waits for the jobs instead, with a bound.
                self.scheduler.shutdown(wait=False)
                return
            except SchedulerNotRunningError:
                if self._served.is_set():
                    return
                time.sleep(0.05)  # signalled while the scheduler was starting

    def _record_next_run(self, event: JobEvent) -> None:
        """Submissions are dispatched on the main thread, after the job's next run is set."""
        job = self.scheduler.get_job(event.job_id)
        assert self.db is not None
        try:
            jobs_store.set_next_run(self.db, event.job_id, job.next_run_time if job else None)
        except sqlite3.Error as exc:  # a busy database: status shows an older plan, nothing is lost
            log.warning("could not record the next run of %s: %s", event.job_id, exc)


def run_service(config: Config) -> None:
    """``watcher run``: block serving the schedule until SIGTERM or SIGINT."""
    Service(config).run()


# -------------------------------------------------------------------------------------- status


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


def status_lines(status: dict[str, Any]) -> list[str]:
    service = status["service"]
    if service["running"]:
        lines = [f"service: running (pid {service['pid'] or '?'})"]
    else:
        lines = ["service: not running (next runs are computed from the intervals)"]
    lines.append("jobs:")
    for job in status["jobs"]:
        last = (
            f"last {job['last_status']} at {job['last_finished_at'] or job['last_started_at']}"
            if job["last_status"]
            else "never run"
        )
        nxt = job["next_run_at"] or ("at start" if job["next_run_from"] == "at start" else "-")
        lines.append(f"  {job['job']:<24} {last:<44} next {nxt}")
        if job["last_error"] and job["last_status"] not in ("ok", "running"):
            lines.append(f"    last error: {printable(job['last_error'])}")
    lines.append("sources (last 7 days):")
    for source in status["sources"]:
        unknown = ", ".join(f"{n} {reason}" for reason, n in source["unknown_7d"].items()) or "none"
        lines.append(
            f"  {source['source']}: last successful scan {source['last_successful_scan_at'] or 'never'}, "
            f"last scan {source['last_scan_status'] or '-'}; {source['scans_7d']} scans, "
            f"{source['queries_7d']} queries, unknown: {unknown}, stopped {source['stopped_7d']} times"
        )
        if source["last_degraded"]:
            lines.append(
                f"    DEGRADED in the last scan: {printable(source['last_degraded'])}"
                f" ({source['degraded_7d']} scans in 7 days)"
            )
    coverage = status["coverage"]
    lines.append(f"staff searched in the last {coverage['window_days']} days (as of {coverage['as_of']}):")
    for source in coverage["sources"]:
        lines.append(f"  {source['source']}: {source['summary']}")
    if not coverage["sources"]:
        lines.append("  no sources configured")
    lines.append(f"  ({coverage['searched_means']})")
    backlog = status["outbox"]
    counts = ", ".join(f"{n} {state}" for state, n in backlog["counts"].items()) or "empty"
    oldest = f"; oldest waiting since {backlog['oldest_pending_at']}" if backlog["oldest_pending_at"] else ""
    lines.append(f"outbox: {counts}{oldest}")
    found = status["open_findings"]
    if not found:
        lines.append("open findings: none")
    for kind, by_status in found.items():
        detail = ", ".join(f"{n} {state}" for state, n in by_status.items())
        lines.append(f"open findings: {sum(by_status.values())} {kind} ({detail})")
    return lines
