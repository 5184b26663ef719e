"""Re-checking the profiles findings depend on, directly by id: absence from search proves nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlite_utils import Database

from sources.base import Source
from storage import findings as findings_store
from watcher.errors import (
    RateLimited,
    SourceUnavailable,
)
from watcher.models import Profile
from watcher.pipeline.queries import MAX_CONSECUTIVE_FAILURES
from watcher.pipeline.scan_report import ScanReport, SourceStats, as_unknown, note_problem

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


def recheck_findings(
    db: Database,
    source: Source,
    searched: dict[str, Profile],
    stats: SourceStats,
    report: ScanReport,
    stopping: Callable[[], bool],
) -> dict[str, Profile]:
    """Ask the platform directly for each profile a finding depends on: absence from search
    results proves nothing. A profile search already returned counts as found, unasked.

    Found: the finding's miss count restarts (a resolved one reopens) and the profile is
    returned, to be matched and recorded like a searched one. Gone: one more miss (the second
    in a row resolves it). Unknown: nothing changes. The source's budget is shared with its
    searches; one rate limit or two failures in a row stop the re-checks for this scan, and
    the least recently checked go first next time.
    """
    targets = findings_store.recheck_targets(db, source.name)
    for target in targets:
        if target.platform_id in searched:
            _rechecked(db, target.profile_id, searched[target.platform_id], stats)
    todo = [t for t in targets if t.platform_id not in searched]
    found: dict[str, Profile] = {}
    if stats.gave_up:  # the source failed its searches: asking again now would fail too
        stats.recheck_skipped = len(todo)
        return found
    failures_in_row = 0
    for index, target in enumerate(todo):
        if stopping():
            stats.recheck_skipped = len(todo) - index
            report.interrupted = True
            break
        stats.rechecked += 1
        try:
            profile = source.fetch(target.platform_id, target.handle)
        except Exception as failure:
            exc = as_unknown(source.name, "re-check", failure)
            findings_store.profile_unknown(db, target.profile_id)
            # A source that cannot answer stops the re-checks; one odd profile (hidden, unparseable) does not.
            failures_in_row += isinstance(exc, SourceUnavailable | RateLimited)
            stats.recheck_unknown[exc.reason] = stats.recheck_unknown.get(exc.reason, 0) + 1
            note_problem(report, source.name, exc.reason, str(exc), recheck=f"@{target.handle}")
            log.warning("%s: re-check of @%s: %s", source.name, target.handle, exc)
            if isinstance(exc, RateLimited) or failures_in_row >= MAX_CONSECUTIVE_FAILURES:
                stats.gave_up = str(exc)
                stats.recheck_skipped = len(todo) - index - 1
                log.warning("%s: stopping re-checks for this scan (%d left)", source.name, stats.recheck_skipped)
                break
            continue
        failures_in_row = 0
        if _rechecked(db, target.profile_id, profile, stats):
            found.setdefault(profile.platform_id, profile)
    return found


def _rechecked(db: Database, profile_id: int, profile: Profile | None, stats: SourceStats) -> bool:
    """Record what a re-check learnt: gone, marked by the platform's moderators (which counts like
    a takedown: they acted), or there. True when the profile is there to be matched again."""
    if profile is None or profile.moderation:
        stats.recheck_gone += 1
        stats.resolved += len(
            findings_store.profile_missing(db, profile_id, moderated=profile.moderation if profile else ())
        )
        return profile is not None
    stats.reopened += len(findings_store.profile_present(db, profile_id))
    return True
