"""Coverage: the share of enrolled staff each platform searched in the last 7 days.

At district scale the platforms' rate limits, not CPU, bound a scan: a weekly pass cannot ask
every platform about everyone, so each configured source says whom it covered.

A person counts as **searched** on a source when that source *answered* (found or not found) their
first query there within the window: their full name on sources that search names, their likeliest
username on sources that only probe handles. That is the query ``plan_queries`` spends a limited
budget on first; the other spellings follow over later scans. A query that failed or hit a rate
limit is no answer. A query shared by namesakes covers each of them.

The record, ``PlatformCoverage``, and how it is said live in watcher/models.py (the digest shows it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from sources.base import HANDLE, NAME
from sources.registry import default_query_kinds
from storage import people as people_store
from storage import scans as scans_store
from watcher.config import SourceConfig
from watcher.models import COVERAGE_WINDOW, Person, PlatformCoverage
from watcher.query_plan import Query, first_query
from watcher.text import meaning


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
    window: timedelta = COVERAGE_WINDOW,
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
    sources: Sequence[SourceConfig], db: Database, *, now: datetime, window: timedelta = COVERAGE_WINDOW
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


def coverage_json(
    coverage: Sequence[PlatformCoverage], *, now: datetime, window: timedelta = COVERAGE_WINDOW
) -> dict[str, Any]:
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "window_days": window.days,
        "searched_means": meaning(window),
        "sources": [_source_json(c) for c in coverage],
    }


def _source_json(c: PlatformCoverage) -> dict[str, Any]:
    age = c.stalest_age
    return {
        "source": c.source,
        "searched_by": c.searched_by,
        "enrolled": c.enrolled,
        "searched": c.searched,
        "share": None if c.share is None else round(c.share, 4),
        "never_searched": c.never,
        "stalest": c.stalest,
        "stalest_age_days": None if age is None else round(age.total_seconds() / 86400, 1),
        "oldest_search_at": c.oldest.isoformat(timespec="seconds") if c.oldest else None,
        "summary": c.summary(),
    }
