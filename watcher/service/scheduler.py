"""The APScheduler run loop of ``watcher run``: recover what a killed process left running,
schedule the plan, serve until asked to stop (and serve the web front beside it when
``[web] listen`` is set: a waitress server in threads of its own, closed at the stop).

SIGTERM (or Ctrl-C) starts no new job and asks the running ones to stop at their next check; a job
still running ``[schedule] stop_grace`` seconds later (stuck on a host that never answers) is
abandoned and the process exits: what it did is kept, the rest is redone at the next start.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlite_utils import Database

from storage import jobs as jobs_store
from storage import open_database
from watcher.config import Config
from watcher.service.job_targets import RunningJobs, run_job
from watcher.service.lock import ServiceLock, lock_path
from watcher.service.plan import plan_jobs

if TYPE_CHECKING:
    from watcher.web.serve import WebServer

log = logging.getLogger("watcher.service")  # one name for the service's log lines, as before the split


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
        self.web: WebServer | None = None  # the web front, when [web] listen is set

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; returns once the running jobs have stopped, or exits the
        process when they have not within ``[schedule] stop_grace``."""
        lock = ServiceLock(lock_path(self.config))
        lock.acquire()
        try:
            self.db = open_database(self.config.database)
            if self.config.web.listen:
                from watcher.web.serve import make_server

                self.web = make_server(self.config)  # a port in use stops the start here, in one line
            self._recover(self.db)
            self._schedule(self.db)
            self._serve()
        finally:
            if self.web is not None:
                self.web.close()
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
            if self.web is not None:
                self.web.start()
            if not self.stopping.is_set():
                self.scheduler.start()  # returns once the stopper has shut the scheduler down
        finally:
            self._served.set()
            self._ask_to_stop()  # also when start() failed: the stopper must not wait for ever
            if self.web is not None:
                self.web.close()  # no new requests while the jobs stop
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
