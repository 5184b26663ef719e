"""Read-only reports over the database: one ISO week for the weekly digest.

A week runs Monday 00:00 to the next Monday 00:00 in the district's time zone; stored times
are UTC ISO strings, compared with ``julianday`` so that any ISO offset compares correctly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from storage.findings import OPEN
from watcher.errors import InputError

OPEN_STATUSES = OPEN  # new, alerted, confirmed: defined with the lifecycle
STRENGTHS = (("strong", 0.8), ("likely", 0.6), ("possible", 0.0))  # lowest score of each, by score
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2026-W48``."""
    found = _WEEK.match(text.strip().upper())
    try:
        if not found:
            raise ValueError
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise InputError(f"week {text!r} is not an ISO week such as 2026-W48") from None


def week_name(day: date) -> str:
    """The ISO week a day belongs to, written ``2026-W48``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def last_complete_week(tz: ZoneInfo, now: datetime | None = None) -> str:
    """The last ISO week that has ended in ``tz``: what a Monday-morning digest covers."""
    today = (now or datetime.now(tz)).astimezone(tz).date()
    return week_name(today - timedelta(days=today.weekday() + 7))


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the week, as aware datetimes in ``tz``."""
    monday = parse_week(week)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return start, end


def strength(score: float) -> str:
    return next(name for name, lowest in STRENGTHS if score >= lowest)


@dataclass(frozen=True)
class ReportFinding:
    id: int
    kind: str
    person_name: str | None
    person_email: str | None
    source: str
    handle: str
    display_name: str
    profile_url: str
    score: float
    rule: str
    status: str
    own_account: bool
    first_seen: datetime
    resolved_at: datetime | None
    moderation: tuple[str, ...] = ()  # the platform's own verdicts on the profile when it was matched

    @property
    def strength(self) -> str:
        return strength(self.score)


@dataclass
class SourceCoverage:
    """One source's queries over the week's scans (from ``scan_runs.source_stats``)."""

    scans: int = 0
    queries: int = 0
    found: int = 0
    not_found: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    profiles: int = 0
    avatars_unknown: int = 0
    stopped: int = 0  # scans in which the source was given up
    degraded: int = 0  # scans in which its search looked blind (see watcher.sight)
    degraded_reason: str = ""  # why, the last time it did


@dataclass
class Coverage:
    scans: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    sources: dict[str, SourceCoverage] = field(default_factory=dict)
    queries: int = 0
    profiles_seen: int = 0
    problems: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, reason) → recorded problems


@dataclass(frozen=True)
class Enrolment:
    enrolled: int
    opted_in: int

    @property
    def opted_out(self) -> int:
        return self.enrolled - self.opted_in


@dataclass(frozen=True)
class WeekReport:
    week: str
    start: datetime  # in the district's time zone
    end: datetime  # exclusive
    new: list[ReportFinding]  # first seen this week, any kind and status
    open: list[ReportFinding]  # open at the end of the week, oldest first
    resolved: list[ReportFinding]  # resolved (taken down) this week
    coverage: Coverage
    enrolment: Enrolment


_SELECT = """
    SELECT f.id, f.kind, p.name AS person_name, p.email AS person_email, pr.source, pr.handle, pr.display_name,
           pr.profile_url, f.score, f.rule, f.status, f.evidence, f.first_seen, f.resolved_at
    FROM findings f
    JOIN profiles pr ON pr.id = f.profile_id
    LEFT JOIN people p ON p.id = f.person_id
"""


def week_report(db: Database, week: str, tz: ZoneInfo) -> WeekReport:
    """Everything the weekly digest says about ``week``, read in one pass over the database."""
    start, end = week_bounds(week, tz)
    bounds = [_utc(start), _utc(end)]
    new = _findings(
        db, "julianday(f.first_seen) >= julianday(?) AND julianday(f.first_seen) < julianday(?)", bounds, tz
    )
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    # Open at the week's end: still open now, or resolved only after the week (a digest sent late).
    still_open = _findings(
        db,
        f"""julianday(f.first_seen) < julianday(?) AND (f.status IN ({statuses})
            OR (f.status = 'resolved' AND julianday(f.resolved_at) >= julianday(?)))""",
        [bounds[1], bounds[1]],
        tz,
        order="f.first_seen, f.id",
    )
    resolved = _findings(
        db,
        """f.status = 'resolved' AND julianday(f.resolved_at) >= julianday(?)
           AND julianday(f.resolved_at) < julianday(?)""",
        bounds,
        tz,
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


def _findings(db: Database, where: str, params: list[str], tz: ZoneInfo, order: str = "f.id") -> list[ReportFinding]:
    rows = db.query(f"{_SELECT} WHERE {where} ORDER BY {order}", params)
    return [_finding(row, tz) for row in rows]


def _finding(row: dict[str, Any], tz: ZoneInfo) -> ReportFinding:
    try:
        evidence = json.loads(row["evidence"] or "{}")
    except ValueError:
        evidence = {}
    return ReportFinding(
        id=row["id"],
        kind=row["kind"],
        person_name=row["person_name"],
        person_email=row["person_email"],
        source=row["source"],
        handle=row["handle"],
        display_name=row["display_name"],
        profile_url=row["profile_url"],
        score=row["score"],
        rule=row["rule"],
        status=row["status"],
        own_account=bool(isinstance(evidence, dict) and evidence.get("own_account")),
        moderation=_strings(evidence.get("moderation") if isinstance(evidence, dict) else None),
        first_seen=_local(row["first_seen"], tz),
        resolved_at=_local(row["resolved_at"], tz) if row["resolved_at"] else None,
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


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _enrolment(db: Database) -> Enrolment:
    row = db.execute("SELECT COUNT(*), COALESCE(SUM(opt_in = 1), 0) FROM people").fetchone()
    return Enrolment(enrolled=row[0], opted_in=row[1])


def _json(text: str | None, kind: type) -> Any:
    try:
        value = json.loads(text or "null")
    except ValueError:
        return kind()
    return value if isinstance(value, kind) else kind()


def _utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


def _local(text: str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz)


def message_states(db: Database, dedupe_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """Outbox status and last error of the messages queued under these keys (absent: never queued)."""
    if not dedupe_keys:
        return {}
    marks = ", ".join("?" for _ in dedupe_keys)
    rows = db.query(f"SELECT dedupe_key, status, last_error FROM outbox WHERE dedupe_key IN ({marks})", dedupe_keys)
    return {row["dedupe_key"]: (row["status"], row["last_error"]) for row in rows}
