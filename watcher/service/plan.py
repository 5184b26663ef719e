"""Each job with its trigger and first run, from what ``job_runs`` and ``scan_runs`` say was done:
what is overdue runs at start. Read by the scheduler, and by ``watcher status`` for the next runs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from storage import jobs as jobs_store
from storage import reports
from watcher import weeks
from watcher.config import WEEKDAYS, Config, SourceConfig
from watcher.service.job_targets import (
    DELIVER,
    DIGEST,
    PURGE,
    SCAN,
    Work,
    deliver,
    retention_purge,
    scan_source,
    weekly_digest,
)

PURGE_EVERY = 24 * 3600.0
CATCH_UP_DELAY = 1.0  # seconds from start to overdue work; scans are spaced by as much again
COMPLETED = frozenset({"ok", "partial", "degraded", "failed"})  # a scan that ran to its end, whatever it found


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

    week = weeks.last_complete_week(tz, now)
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
    _, end = weeks.week_bounds(week, tz)
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
