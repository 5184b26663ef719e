"""Asking one source: its planned queries stalest first, its directory, and whether its search looks blind."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from sqlite_utils import Database

from sources.base import NAME, PREFIX, Browsable, Source, Typeahead
from storage import scans as scans_store
from watcher.errors import (
    RateLimited,
)
from watcher.models import Profile
from watcher.pipeline.scan_report import ScanReport, SourceStats, as_unknown, note_problem
from watcher.query_plan import Query
from watcher.sight import check_sight

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


# A source that fails this many queries in a row is given up for this scan.
MAX_CONSECUTIVE_FAILURES = 2


def run_queries(
    db: Database,
    source: Source,
    queries: list[Query],
    stats: SourceStats,
    report: ScanReport,
    stopping: Callable[[], bool],
    searched: Callable[[int, int, int], None],
) -> dict[str, Profile]:
    """Run the queries this source answers, stalest first; failures are recorded, never answers."""
    ages = scans_store.query_ages(db, source.name)
    todo = [q for q in queries if q.kind in source.query_kinds and (q.kind != PREFIX or isinstance(source, Typeahead))]
    todo.sort(key=lambda q: ages.get((q.kind, q.text), ""))  # never run ("") first; stable otherwise
    profiles: dict[str, Profile] = {}
    failures_in_row = 0
    for index, query in enumerate(todo):
        searched(index, len(todo), len(profiles))
        if stopping():
            stats.skipped = len(todo) - index
            report.interrupted = True
            break
        stats.queries += 1
        try:
            found = _ask(source, query)
        except Exception as failure:
            exc = as_unknown(source.name, f"{query.kind} query", failure)
            failures_in_row += 1
            stats.unknown[exc.reason] = stats.unknown.get(exc.reason, 0) + 1
            scans_store.record_query(db, source.name, query.kind, query.text, f"unknown: {exc.reason}")
            note_problem(report, source.name, exc.reason, str(exc), query=query.text)
            log.warning("%s: %s query %r: %s", source.name, query.kind, query.text, exc)
            if isinstance(exc, RateLimited) or failures_in_row >= MAX_CONSECUTIVE_FAILURES:
                stats.gave_up = str(exc)
                stats.skipped = len(todo) - index - 1
                log.warning(
                    "%s: stopping this source for this scan (%d queries left for next time)", source.name, stats.skipped
                )
                break
            continue
        failures_in_row = 0
        stats.found += bool(found)
        stats.not_found += not found
        scans_store.record_query(db, source.name, query.kind, query.text, "found" if found else "not_found")
        for profile in found:
            profiles.setdefault(profile.platform_id, profile)
    return profiles


def _ask(source: Source, query: Query) -> list[Profile]:
    """One query's answer, every page of it read."""
    if query.kind == NAME:
        return list(source.search(query.text))
    if query.kind == PREFIX:
        return list(cast(Typeahead, source).search_prefix(query.text))
    hit = source.lookup(query.text)
    return [hit] if hit else []


def browse(source: Browsable, stats: SourceStats, report: ScanReport) -> dict[str, Profile]:
    """The accounts the source's directory lists, whatever their name; a failure is recorded, never fatal."""
    name = source.name
    try:
        listed = {p.platform_id: p for p in source.directory()}
    except Exception as failure:
        exc = as_unknown(name, "directory", failure)
        stats.unknown[exc.reason] = stats.unknown.get(exc.reason, 0) + 1
        note_problem(report, name, exc.reason, f"directory: {exc}")
        log.warning("%s: directory: %s", name, exc)
        return {}
    stats.listed = len(listed)
    return listed


def check_source_sight(
    source: Source, known: list[str], profiles: dict[str, Profile], stats: SourceStats, report: ScanReport
) -> None:
    answered = stats.found + stats.not_found
    try:
        sight = check_sight(source, known, profiles.values(), answered=answered, found=stats.found)
    except Exception as failure:  # check_sight takes a SourceError as no answer; this is anything else
        error = as_unknown(source.name, "search check", failure)
        note_problem(report, source.name, error.reason, str(error))
        return
    stats.known_seen = f"{sight.seen}/{sight.known}" if sight.known else ""
    if sight.degraded:
        stats.degraded = sight.degraded
        note_problem(report, source.name, "degraded", sight.degraded)
        log.warning("%s: degraded: %s", source.name, sight.degraded)
