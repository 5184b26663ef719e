"""``watcher status --check``: is the service doing its job? One line per problem, for a monitor
(Nagios or Icinga, a container's HEALTHCHECK, a systemd timer that mails on failure).

The exit code follows the monitoring-plugin convention:

    0 OK        nothing needs anyone
    1 WARNING   someone should look soon: a source degraded (its search looks blind) or stopped in
                its last scan; no complete scan of a source for more than twice its interval plus an
                hour; a dead message nobody has retried or acknowledged; last week's digest not
                queued 6 hours after it was due; a job other than a scan crashed in its last run
    2 CRITICAL  the service is failing at its job: a source's last scan failed, or messages due for
                more than an hour are still undelivered (alerts are not going out)
    3 UNKNOWN   the check itself could not read the configuration or the database

The facts are read once (``gather``: ``service_status`` and a few outbox and audit reads); what is
a problem is decided by pure functions of those facts and ``now`` (``assess``), so the thresholds
are tested without a clock. A failed source is judged by its own last scan: a scan by ``watcher
run`` covers one source, and one by hand that fails for every source counts too.

A dead message stays a warning until an administrator retries it (``watcher outbox retry``) or
acknowledges it (``watcher outbox ack``); both go into the audit trail, and a message that dies
again after a retry needs a new acknowledgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from storage import audit
from storage import jobs as jobs_store
from storage import outbox as outbox_store
from storage.db import write_transaction
from watcher.config import Config
from watcher.service.job_targets import SCAN
from watcher.service.plan import COMPLETED, digest_queued, digest_time, scan_interval
from watcher.service.status import service_status
from watcher.text import printable
from watcher.weeks import last_complete_week

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
LABELS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
OUTBOX_STUCK_AFTER = timedelta(hours=1)  # a message due this long and not delivered: delivery is stuck
DIGEST_LATE_AFTER = timedelta(hours=6)  # last week's digest not queued this long after its time: missed
SCAN_LATE_FACTOR = 2  # intervals without a complete scan (plus SCAN_LATE_SLACK) before a warning
SCAN_LATE_SLACK = timedelta(hours=1)
FAILED = frozenset({"failed", "error"})
ACKNOWLEDGED = "outbox_dead_acknowledged"  # audit actions
RETRIED = "outbox_retried"
SHOWN_IDS = 5


@dataclass(frozen=True, order=True)
class Problem:
    severity: int
    text: str

    def line(self) -> str:
        return f"{LABELS[self.severity]}: {printable(self.text)}"


# ---------------------------------------------------------------------------------- reading


def gather(config: Config, db: Database, now: datetime) -> dict[str, Any]:
    """Everything ``assess`` needs, read once; JSON-ready (times are ISO strings)."""
    status = service_status(config, db, now=now)
    jobs = {job["job"]: job for job in status["jobs"]}
    health = {source["source"]: source for source in status["sources"]}
    sources = []
    for source in config.sources:
        job = jobs.get(SCAN + source.name) or {}
        finished_by_job = job.get("last_finished_at") if job.get("last_status") in COMPLETED else None
        completed = [t for t in (finished_by_job, jobs_store.last_completed_scan(db, source.name)) if t]
        sources.append(
            {
                **health[source.name],
                "scan_every": scan_interval(config, source),
                "last_completed_at": max(completed, key=datetime.fromisoformat) if completed else None,
                "job": {key: job.get(key) for key in ("last_finished_at", "last_status", "last_error")},
            }
        )
    retried = {row["outbox_id"]: row["at"] for row in audit.list_audit(db, action=RETRIED)}  # oldest first
    waiting = outbox_store.list_messages(db, "pending") + outbox_store.list_messages(db, "sending")
    acknowledged = _acknowledged(db)
    return {
        "sources": sources,
        "jobs": [job for name, job in jobs.items() if not name.startswith(SCAN)],
        "waiting": [m | {"retried_at": retried.get(m["id"])} for m in waiting],
        "dead": [m | {"acknowledged": m["id"] in acknowledged} for m in outbox_store.list_messages(db, "dead")],
        "digest": _digest(config, db, now),
    }


def _digest(config: Config, db: Database, now: datetime) -> dict[str, Any] | None:
    if not config.digest.to:
        return None
    tz = ZoneInfo(config.timezone)
    week = last_complete_week(tz, now)
    due = digest_time(config, week, tz)
    return {"week": week, "due_at": due.isoformat(timespec="minutes"), "queued": digest_queued(config, db, week)}


def _acknowledged(db: Database) -> set[int]:
    """Dead messages whose latest retry or acknowledgement is an acknowledgement."""
    latest: dict[int, tuple[int, str]] = {}
    for action in (ACKNOWLEDGED, RETRIED):
        for row in audit.list_audit(db, action=action):
            latest[row["outbox_id"]] = max(latest.get(row["outbox_id"], (0, "")), (row["id"], action))
    return {outbox_id for outbox_id, (_, action) in latest.items() if action == ACKNOWLEDGED}


# -------------------------------------------------------------------------------- deciding


def assess(facts: dict[str, Any], now: datetime) -> list[Problem]:
    """Every problem, most severe first."""
    found = [problem for source in facts["sources"] for problem in source_problems(source, now)]
    found += job_problems(facts["jobs"])
    found += outbox_problems(facts["waiting"], facts["dead"], now)
    found += digest_problems(facts["digest"], now)
    return sorted(found, key=lambda p: -p.severity)


def source_problems(source: dict[str, Any], now: datetime) -> list[Problem]:
    name, job = source["source"], source["job"]
    job_is_last = bool(job["last_finished_at"]) and (
        not source["last_scan_at"] or _time(job["last_finished_at"]) >= _time(source["last_scan_at"])
    )
    why = f": {job['last_error']}" if job_is_last and job["last_error"] else ""
    found = []
    if source["last_scan_status"] in FAILED or (job_is_last and job["last_status"] in FAILED):
        found.append(Problem(CRITICAL, f"source {name}: its last scan failed{why}"))
    elif source["last_degraded"]:
        found.append(Problem(WARNING, f"source {name}: degraded in its last scan: {source['last_degraded']}"))
    elif why:
        found.append(Problem(WARNING, f"source {name}: stopped during its last scan{why}"))
    late = SCAN_LATE_FACTOR * timedelta(seconds=source["scan_every"]) + SCAN_LATE_SLACK
    last = source["last_completed_at"]
    if last is None:
        found.append(Problem(WARNING, f"source {name}: no scan has run to its end yet"))
    elif now - _time(last) > late:
        found.append(
            Problem(
                WARNING,
                f"source {name}: no complete scan for {_hours(now - _time(last))} "
                f"(it scans every {_hours(timedelta(seconds=source['scan_every']))}; last {last})",
            )
        )
    return found


def job_problems(jobs: list[dict[str, Any]]) -> list[Problem]:
    return [
        Problem(WARNING, f"job {job['job']}: crashed in its last run: {job['last_error'] or 'no reason recorded'}")
        for job in jobs
        if job["last_status"] == "error"
    ]


def outbox_problems(waiting: list[dict[str, Any]], dead: list[dict[str, Any]], now: datetime) -> list[Problem]:
    found = []
    stuck = sorted((due, m["id"], m) for m in waiting if now - (due := due_since(m)) > OUTBOX_STUCK_AFTER)
    if stuck:
        due, _, oldest = stuck[0]
        error = f"; last error: {oldest['last_error'][:200]}" if oldest["last_error"] else ""
        found.append(
            Problem(
                CRITICAL,
                f"outbox: {_count(len(stuck), 'message')} due for more than {_hours(OUTBOX_STUCK_AFTER)} "
                f"and not delivered (oldest: #{oldest['id']}, {oldest['kind']}, due since "
                f"{due.isoformat(timespec='minutes')}{error})",
            )
        )
    unacknowledged = [m["id"] for m in dead if not m["acknowledged"]]
    if unacknowledged:
        more = ", …" if len(unacknowledged) > SHOWN_IDS else ""
        ids = ", ".join(f"#{i}" for i in unacknowledged[:SHOWN_IDS]) + more
        found.append(
            Problem(
                WARNING,
                f"outbox: {_count(len(unacknowledged), 'dead message')} not acknowledged ({ids}): "
                "`watcher outbox retry` sends again, `watcher outbox ack` accepts the loss",
            )
        )
    return found


def due_since(message: dict[str, Any]) -> datetime:
    """When a waiting message became due: when it was queued or put back in the queue by hand, or its
    next try after a failure, or the end of the lease of a delivery that died."""
    moments = (message["created_at"], message.get("retried_at"), message["next_attempt_at"])
    return max(_time(moment) for moment in moments if moment)


def digest_problems(digest: dict[str, Any] | None, now: datetime) -> list[Problem]:
    if digest is None or digest["queued"]:
        return []
    due = _time(digest["due_at"])
    if now - due <= DIGEST_LATE_AFTER:
        return []
    return [
        Problem(
            WARNING,
            f"digest: the digest of {digest['week']} was due {digest['due_at']} and is not queued "
            "(`watcher digest --send` sends it)",
        )
    ]


def verdict(problems: list[Problem], facts: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code and the lines to print: the problems, or one OK line."""
    if problems:
        return max(p.severity for p in problems), [p.line() for p in problems]
    digest = facts["digest"]
    said = f"; digest {digest['week']} {'queued' if digest['queued'] else 'not due yet'}" if digest else ""
    return OK, [
        f"OK: {_count(len(facts['sources']), 'source')} scanning; outbox: {len(facts['waiting'])} waiting, "
        f"none overdue{said}"
    ]


# ------------------------------------------------------------------------- quieting a warning


def acknowledge_dead(db: Database, ids: list[int] | None, actor: str) -> list[int]:
    """Accept that these dead messages (None: all) will not be delivered; returns the ids acknowledged."""
    dead = {m["id"] for m in outbox_store.list_messages(db, "dead")}
    chosen = sorted(dead if ids is None else dead & set(ids))
    with write_transaction(db):
        for outbox_id in chosen:
            audit.record(db, actor=actor, action=ACKNOWLEDGED, outbox_id=outbox_id)
    return chosen


def retry_dead(db: Database, ids: list[int] | None, actor: str) -> list[int]:
    """``outbox_store.retry``, audited: a message that dies again is a new warning."""
    with write_transaction(db):
        revived = outbox_store.retry(db, ids)
        for outbox_id in revived:
            audit.record(db, actor=actor, action=RETRIED, outbox_id=outbox_id)
    return revived


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{span.total_seconds() / 60:.0f} min"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
