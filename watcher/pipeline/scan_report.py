"""What a scan reports: per-source counts, problems, progress, and what delivery did."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from watcher.errors import (
    SourceError,
)
from watcher.text import clean_line

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


# Problems kept per source in the stored scan run (the counts stay complete).
MAX_PROBLEMS_PER_SOURCE = 20
MAX_REASON = 160  # characters of an unexpected exception's text kept in its one-line reason


@dataclass
class SourceStats:
    """How one source's queries ended: found, not found, or unknown by reason."""

    queries: int = 0
    found: int = 0
    not_found: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # not tried this scan (source given up or out of budget); first next time
    profiles: int = 0
    listed: int = 0  # accounts its directory listed (Browsable sources), whatever their name
    avatars_unknown: int = 0
    unchecked: int = 0  # profiles whose pictures or matching failed unexpectedly (a problem says why)
    gave_up: str | None = None
    degraded: str | None = None  # why its search looks blind this scan (see watcher.sight)
    known_seen: str = ""  # "seen/known" accounts search must return, when it has any
    # Re-checks of the profiles findings depend on (see recheck_findings).
    rechecked: int = 0  # asked for directly (profiles search already returned are not asked again)
    recheck_gone: int = 0  # the platform said the profile is gone
    recheck_unknown: dict[str, int] = field(default_factory=dict)  # no answer, by reason
    recheck_skipped: int = 0  # not asked this scan (source stopped); first next time
    resolved: int = 0  # findings resolved (gone twice in a row)
    reopened: int = 0  # resolved findings whose profile came back

    def as_json(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "found": self.found,
            "not_found": self.not_found,
            "unknown": dict(self.unknown),
            "skipped": self.skipped,
            "profiles": self.profiles,
            "listed": self.listed,
            "avatars_unknown": self.avatars_unknown,
            "unchecked": self.unchecked,
            "gave_up": self.gave_up,
            "degraded": self.degraded,
            "known_seen": self.known_seen,
            "rechecked": self.rechecked,
            "recheck_gone": self.recheck_gone,
            "recheck_unknown": dict(self.recheck_unknown),
            "recheck_skipped": self.recheck_skipped,
            "resolved": self.resolved,
            "reopened": self.reopened,
        }


@dataclass
class ScanReport:
    scan_id: int
    sources: list[str]
    queries: int = 0
    profiles_seen: int = 0
    findings_new: int = 0
    findings_seen: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, SourceStats] = field(default_factory=dict)
    alerts_queued: int = 0
    delivery: DeliveryReport | None = None
    crashed: bool = False
    interrupted: bool = False  # asked to stop (SIGTERM): what was done is kept, the rest is next time

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        if self.stats and all(s.gave_up and not (s.found or s.not_found) for s in self.stats.values()):
            return "failed"
        if any(s.degraded for s in self.stats.values()):
            return "degraded"
        troubled = any(
            s.unknown or s.avatars_unknown or s.unchecked or s.gave_up or s.skipped for s in self.stats.values()
        )
        return "partial" if troubled or self.problems else "ok"


@dataclass
class ScanProgress:
    """Where a running scan is, for a progress bar: reported after each query and each profile."""

    source: str
    stage: str  # "searching" or "matching"
    done: int  # queries run (searching) or profiles matched (matching) for this source
    total: int
    profiles_seen: int  # all sources so far
    findings_new: int


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # still pending: failed for now, or not tried because the run stopped
    dead: int = 0
    stopped: str | None = None  # why the run stopped early (transport unavailable), if it did


def note_problem(report: ScanReport, source: str, reason: str, message: str, **extra: str) -> None:
    if sum(1 for p in report.problems if p["source"] == source) < MAX_PROBLEMS_PER_SOURCE:
        report.problems.append({"source": source, "reason": reason, "message": message, **extra})


def as_unknown(source: str, doing: str, exc: Exception) -> SourceError:
    """A source's failure as its unknown answer. A ``SourceError`` is one already; anything else (a
    parser meeting a shape it did not foresee, JSON nested too deep to read, a bug of ours) gets a
    one-line reason naming its type, and its traceback goes to the log."""
    if isinstance(exc, SourceError):
        return exc
    log.warning("%s: %s: unexpected %s, counted as no answer", source, doing, type(exc).__name__, exc_info=exc)
    detail = clean_line(str(exc))[:MAX_REASON]
    return SourceError(f"{source}: {doing}: {type(exc).__name__}" + (f" ({detail})" if detail else ""))
