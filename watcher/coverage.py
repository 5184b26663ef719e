"""Coverage: the share of enrolled staff each platform searched in the last 7 days.

At district scale the platforms' rate limits, not CPU, bound a scan: a weekly pass cannot ask
every platform about everyone, so each configured source says whom it covered.

A person counts as **searched** on a source when that source *answered* (found or not found) their
first query there within the window: their full name on sources that search names, their likeliest
username on sources that only probe handles. That is the query ``plan_queries`` spends a limited
budget on first; the other spellings follow over later scans. A query that failed or hit a rate
limit is no answer. A query shared by namesakes covers each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from sources.base import HANDLE, NAME
from sources.registry import default_query_kinds
from storage import people as people_store
from storage import scans as scans_store
from watcher.config import SourceConfig
from watcher.models import Person
from watcher.query_plan import Query, first_query

WINDOW = timedelta(days=7)
SEARCHED_BY = {NAME: "full name", HANDLE: "likeliest username"}


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
    window: timedelta = WINDOW

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

    def as_json(self) -> dict[str, Any]:
        age = self.stalest_age
        return {
            "source": self.source,
            "searched_by": self.searched_by,
            "enrolled": self.enrolled,
            "searched": self.searched,
            "share": None if self.share is None else round(self.share, 4),
            "never_searched": self.never,
            "stalest": self.stalest,
            "stalest_age_days": None if age is None else round(age.total_seconds() / 86400, 1),
            "oldest_search_at": self.oldest.isoformat(timespec="seconds") if self.oldest else None,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """``2 of 3 (66%) by full name; stalest search 10 days ago`` and the like."""
        head = f"{self.searched} of {self.enrolled} ({self.percent}) by {SEARCHED_BY[self.searched_by]}"
        if not self.enrolled:
            return head
        if not self.never:
            return f"{head}; stalest search {self.stalest} ago"
        oldest = f"; oldest search {age_text(self.as_of - self.oldest)} ago" if self.oldest else ""
        return f"{head}; stalest: never ({self.never} never searched{oldest})"


def searched_by(source: SourceConfig) -> str | None:
    """The kind of query that decides coverage on a source: names where it searches names."""
    kinds = default_query_kinds(source)
    return NAME if NAME in kinds else HANDLE if HANDLE in kinds else None


def platform_coverage(
    people: Sequence[Person],
    source: str,
    kind: str,
    answered: Mapping[tuple[str, str], str],
    *,
    now: datetime,
    window: timedelta = WINDOW,
) -> PlatformCoverage:
    """Coverage of ``people`` on one source, from its answered queries ((kind, text) → ISO time)."""
    last: dict[str, datetime] = {}  # by Query.key: spellings that differ only in case are one query
    for (query_kind, text), at in answered.items():
        key, when = Query(query_kind, text).key, datetime.fromisoformat(at)
        if key not in last or when > last[key]:
            last[key] = when
    since = now - window
    searched = never = 0
    oldest: datetime | None = None
    for person in people:
        query = first_query(person, kind)
        when = last.get(query.key) if query else None
        if when is None:
            never += 1
            continue
        searched += when >= since
        oldest = when if oldest is None else min(oldest, when)
    return PlatformCoverage(source, kind, len(people), searched, never, oldest, now, window)


def staff_coverage(
    sources: Sequence[SourceConfig], db: Database, *, now: datetime, window: timedelta = WINDOW
) -> list[PlatformCoverage]:
    """Coverage of everyone enrolled on each configured source, as of ``now`` (timezone-aware)."""
    people = people_store.list_people(db, references=False)
    out = []
    for source in sources:
        kind = searched_by(source)
        if kind is not None:  # an unknown type: the scan itself says so
            answered = scans_store.answered_queries(db, source.name, kind)
            out.append(platform_coverage(people, source.name, kind, answered, now=now, window=window))
    return out


def coverage_json(coverage: Sequence[PlatformCoverage], *, now: datetime, window: timedelta = WINDOW) -> dict[str, Any]:
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "window_days": window.days,
        "searched_means": meaning(window),
        "sources": [c.as_json() for c in coverage],
    }


def meaning(window: timedelta = WINDOW) -> str:
    """What "searched" means, said wherever the figure is shown."""
    return (
        "searched = the platform answered a search for the person's full name, or their likeliest username on"
        f" handle-only sources, in the last {window.days} days; failed or rate-limited searches do not count"
    )


def age_text(delta: timedelta) -> str:
    """A duration as the digest and status say it: "under 1 hour", "5 hours", "12 days"."""
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours < 1:
        return "under 1 hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"
