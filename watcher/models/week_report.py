"""The weekly report's records and staff coverage (watcher/weekly_digest.py and watcher/coverage.py fill them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watcher.models import Finding
from watcher.text import age_text

# --- The weekly report ---------------------------------------------------------------------------


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
class EnrolmentCounts:
    """How many people are enrolled, and how many of them opted in to alerts."""

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
    new: list[Finding]  # first seen this week, any kind and status
    open: list[Finding]  # open at the end of the week, oldest first
    resolved: list[Finding]  # resolved (taken down) this week
    coverage: Coverage
    enrolment: EnrolmentCounts


# --- Staff coverage (watcher/coverage.py counts it) ----------------------------------------------

COVERAGE_WINDOW = timedelta(days=7)
SEARCHED_BY = {"name": "full name", "handle": "likeliest username"}  # by query kind (sources.base)


@dataclass(frozen=True)
class PlatformCoverage:
    """Whom one source searched in the window ending at ``as_of``."""

    source: str
    searched_by: str  # NAME or HANDLE: the kind of the query that counts
    enrolled: int
    searched: int  # answered within the window
    never: int  # never answered, including people no query of that kind can be made for
    oldest: datetime | None  # the oldest last search among people answered at least once
    as_of: datetime
    window: timedelta = COVERAGE_WINDOW

    @property
    def share(self) -> float | None:
        return self.searched / self.enrolled if self.enrolled else None

    @property
    def percent(self) -> str:
        """Rounded down: 100% only when everyone was searched."""
        return f"{self.searched * 100 // self.enrolled}%" if self.enrolled else "-"  # integers: 29/100 is 29%

    @property
    def stalest_age(self) -> timedelta | None:
        """How old the stalest person's last search is; None when someone was never searched."""
        if self.never or self.oldest is None:
            return None
        return max(timedelta(0), self.as_of - self.oldest)

    @property
    def stalest(self) -> str:
        if not self.enrolled:
            return "-"
        return "never" if self.never else age_text(self.stalest_age or timedelta(0))

    def summary(self) -> str:
        """``2 of 3 (66%) by full name; stalest search 10 days ago`` and the like."""
        head = f"{self.searched} of {self.enrolled} ({self.percent}) by {SEARCHED_BY[self.searched_by]}"
        if not self.enrolled:
            return head
        if not self.never:
            return f"{head}; stalest search {self.stalest} ago"
        oldest = f"; oldest search {age_text(self.as_of - self.oldest)} ago" if self.oldest else ""
        return f"{head}; stalest: never ({self.never} never searched{oldest})"
