"""Read-only reports over the database: one week for the weekly digest.

Stored times are UTC ISO strings, compared with ``julianday`` so that any ISO offset compares
correctly; the calendar (which days make a week) is ``watcher/weeks.py``'s.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from storage.findings import OPEN, findings_where
from watcher.models import Coverage, EnrolmentCounts, SourceCoverage, WeekReport

OPEN_STATUSES = OPEN  # new, alerted, confirmed: defined with the lifecycle


def week_report(db: Database, week: str, start: datetime, end: datetime) -> WeekReport:
    """Everything the weekly digest says about ``week`` (from ``start`` to ``end``, aware times in
    the district's time zone), read in one pass."""
    bounds = [_utc(start), _utc(end)]
    new = findings_where(
        db, "julianday(f.first_seen) >= julianday(?) AND julianday(f.first_seen) < julianday(?)", bounds
    )
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    # Open at the week's end: still open now, or resolved only after the week (a digest sent late).
    still_open = findings_where(
        db,
        f"""julianday(f.first_seen) < julianday(?) AND (f.status IN ({statuses})
            OR (f.status = 'resolved' AND julianday(f.resolved_at) >= julianday(?)))""",
        [bounds[1], bounds[1]],
        order="f.first_seen, f.id",
    )
    resolved = findings_where(
        db,
        """f.status = 'resolved' AND julianday(f.resolved_at) >= julianday(?)
           AND julianday(f.resolved_at) < julianday(?)""",
        bounds,
        order="f.resolved_at, f.id",
    )
    return WeekReport(
        week=week,
        start=start,
        end=end,
        new=new,
        open=still_open,
        resolved=resolved,
        coverage=_coverage(db, bounds),
        enrolment=_enrolment(db),
    )


def _coverage(db: Database, bounds: list[str]) -> Coverage:
    coverage = Coverage()
    rows = db.query(
        """SELECT status, sources, queries, profiles_seen, problems, source_stats FROM scan_runs
           WHERE julianday(started_at) >= julianday(?) AND julianday(started_at) < julianday(?) ORDER BY id""",
        bounds,
    )
    for row in rows:
        coverage.scans += 1
        coverage.by_status[row["status"]] = coverage.by_status.get(row["status"], 0) + 1
        coverage.queries += row["queries"]
        coverage.profiles_seen += row["profiles_seen"]
        for name in _json(row["sources"], list):
            coverage.sources.setdefault(str(name), SourceCoverage()).scans += 1
        for name, stats in _json(row["source_stats"], dict).items():
            if isinstance(stats, dict):
                _add_stats(coverage.sources.setdefault(str(name), SourceCoverage()), stats)
        for problem in _json(row["problems"], list):
            if isinstance(problem, dict):
                key = (str(problem.get("source", "?")), str(problem.get("reason", "?")))
                coverage.problems[key] = coverage.problems.get(key, 0) + 1
    return coverage


def _add_stats(total: SourceCoverage, stats: dict[str, Any]) -> None:
    for name in ("queries", "found", "not_found", "skipped", "profiles", "avatars_unknown"):
        value = stats.get(name)
        if isinstance(value, int):
            setattr(total, name, getattr(total, name) + value)
    unknown = stats.get("unknown")
    if isinstance(unknown, dict):
        for reason, n in unknown.items():
            if isinstance(n, int):
                total.unknown[str(reason)] = total.unknown.get(str(reason), 0) + n
    total.stopped += bool(stats.get("gave_up"))
    if isinstance(stats.get("degraded"), str):
        total.degraded += 1
        total.degraded_reason = stats["degraded"]


def _enrolment(db: Database) -> EnrolmentCounts:
    row = db.execute("SELECT COUNT(*), COALESCE(SUM(opt_in = 1), 0) FROM people").fetchone()
    return EnrolmentCounts(enrolled=row[0], opted_in=row[1])


def _json(text: str | None, kind: type) -> Any:
    try:
        value = json.loads(text or "null")
    except ValueError:
        return kind()
    return value if isinstance(value, kind) else kind()


def _utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


def message_states(db: Database, dedupe_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """Outbox status and last error of the messages queued under these keys (absent: never queued)."""
    if not dedupe_keys:
        return {}
    marks = ", ".join("?" for _ in dedupe_keys)
    rows = db.query(f"SELECT dedupe_key, status, last_error FROM outbox WHERE dedupe_key IN ({marks})", dedupe_keys)
    return {row["dedupe_key"]: (row["status"], row["last_error"]) for row in rows}
