"""The weekly digest for the communications office: plain text and HTML from one ``WeekReport``.

Scraped text (handles, display names, links) is cleaned of control and bidi characters and
shortened, escaped in HTML by Jinja2's autoescape, and never put into a header: the subject
only names the week and counts. Long tables stop at ``MAX_ROWS`` with "and N more", so a
digest stays small whatever the database holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from typing import Any

from notifications.templating import automatic_message, template_environment
from watcher.models import (
    COVERAGE_WINDOW,
    SEARCHED_BY,
    STRENGTHS,
    Finding,
    PlatformCoverage,
    WeekReport,
)
from watcher.text import age_text, clean_line, meaning

MAX_ROWS = 200  # per table
MAX_NAME = 80  # characters of a scraped handle or display name shown
MAX_URL = 300
KINDS = ("impersonation", "logo_misuse")
RULES = ("photo", "name+photo", "name+affiliation", "logo")


def digest_subject(report: WeekReport) -> str:
    count = len(report.new)
    return f"Identity Watch weekly digest {report.week}: {count} new finding{'s' if count != 1 else ''}"


def digest_text(
    report: WeekReport,
    *,
    district: str,
    now: datetime | None = None,
    staff: Sequence[PlatformCoverage] = (),
    profile_links: Mapping[int, str] | None = None,
) -> str:
    """The plain-text digest (also what ``watcher digest`` previews). A profile is linked only by
    its address in ``profile_links`` (by finding id): a page of the platform of the source that found it."""
    context = digest_context(report, district=district, now=now, staff=staff, profile_links=profile_links)
    return template_environment().get_template("digest.txt").render(context)


def render_digest(
    report: WeekReport,
    *,
    sender: str,
    to: str,
    district: str,
    now: datetime | None = None,
    staff: Sequence[PlatformCoverage] = (),
    profile_links: Mapping[int, str] | None = None,
) -> EmailMessage:
    """One digest message to one recipient."""
    context = digest_context(report, district=district, now=now, staff=staff, profile_links=profile_links)
    return automatic_message("digest", context, subject=digest_subject(report), sender=sender, to=to)


def digest_context(
    report: WeekReport,
    *,
    district: str,
    now: datetime | None = None,
    staff: Sequence[PlatformCoverage] = (),
    profile_links: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """What the templates show: counts, and tables of cleaned rows capped at ``MAX_ROWS``; ``staff``
    is each source's coverage of enrolled staff (watcher/coverage.py), counted as of the writing;
    ``profile_links`` the checked profile addresses by finding id (none: nothing is linked)."""
    links = profile_links or {}
    as_of = min(report.end, now or datetime.now(UTC))  # ages at the week's end, or now for a week not over
    zone = report.start.tzinfo
    new_ids = {f.id for f in report.new}
    impersonation = [f for f in report.new if f.kind == "impersonation"]
    open_impersonation = [f for f in report.open if f.kind == "impersonation"]
    logos = {f.id: f for f in report.new + report.open if f.kind == "logo_misuse"}
    logo_rows = sorted(logos.values(), key=lambda f: (_when(f.first_seen), f.id))
    coverage = report.coverage
    return {
        "district": district,
        "week": report.week,
        "first_day": report.start.date().isoformat(),
        "last_day": (report.end - timedelta(days=1)).date().isoformat(),
        "timezone": str(report.start.tzinfo),
        "new_total": len(report.new),
        "by_kind": _count(report.new, "kind", KINDS),
        "by_strength": _count(report.new, "strength", tuple(name for name, _ in STRENGTHS)),
        "by_rule": _count(report.new, "rule", RULES),
        "open_total": len(report.open),
        "open_by_kind": _count(report.open, "kind", KINDS),
        "resolved_total": len(report.resolved),
        "new": _table(impersonation, as_of, new_ids, links, zone),
        "open": _table(open_impersonation, as_of, new_ids, links, zone),
        "resolved": _table(report.resolved, as_of, new_ids, links, zone),
        "logos": _table(logo_rows, as_of, new_ids, links, zone),
        "coverage": {
            "scans": coverage.scans,
            "by_status": sorted(coverage.by_status.items()),
            "queries": coverage.queries,
            "profiles": coverage.profiles_seen,
            "sources": [
                {
                    "name": clean_line(name),
                    "stats": stats,
                    "unknown_total": sum(stats.unknown.values()),
                    "degraded": clean_line(stats.degraded_reason),
                    "unknown": ", ".join(f"{n} {clean_line(reason)}" for reason, n in sorted(stats.unknown.items())),
                }
                for name, stats in sorted(coverage.sources.items())
            ],
            "problems": [
                {"source": clean_line(source), "reason": clean_line(reason), "count": n}
                for (source, reason), n in sorted(coverage.problems.items())
            ],
        },
        "staff": _staff(staff, report.start.tzinfo),
        "enrolment": report.enrolment,
        "max_rows": MAX_ROWS,
    }


def _staff(staff: Sequence[PlatformCoverage], tz: tzinfo | None) -> dict[str, Any]:
    """Per source: how many enrolled people it searched in the window, and the stalest search."""
    first = staff[0] if staff else None
    return {
        "as_of": first.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M") if first else "",
        "days": first.window.days if first else COVERAGE_WINDOW.days,
        "meaning": meaning(first.window if first else COVERAGE_WINDOW),
        "sources": [
            {
                "name": clean_line(c.source),
                "searched": c.searched,
                "enrolled": c.enrolled,
                "percent": c.percent,
                "by": SEARCHED_BY[c.searched_by],
                "stalest": c.stalest,
                "never": c.never,
                "summary": c.summary(),
            }
            for c in staff
        ],
    }


def _count(findings: list[Finding], attribute: str, known: tuple[str, ...]) -> list[tuple[str, int]]:
    """Counts in a fixed order (zeros included), then any value we did not expect."""
    counted = dict.fromkeys(known, 0)
    for finding in findings:
        key = getattr(finding, attribute)
        counted[key] = counted.get(key, 0) + 1
    return list(counted.items())


def _table(
    findings: list[Finding], as_of: datetime, new_ids: set[int], links: Mapping[int, str], zone: tzinfo | None
) -> dict[str, Any]:
    return {
        "total": len(findings),
        "rows": [_row(f, as_of, f.id in new_ids, links.get(f.id, ""), zone) for f in findings[:MAX_ROWS]],
        "more": max(0, len(findings) - MAX_ROWS),
    }


def _row(f: Finding, as_of: datetime, new: bool, link: str, zone: tzinfo | None) -> dict[str, Any]:
    """A finding as a table row: ages in elapsed time, days in the district's time zone (the report's)."""
    first_seen = _when(f.first_seen)
    resolved_at = _when(f.resolved_at) if f.resolved_at else None
    return {
        "kind": f.kind.replace("_", " "),
        "person": f"{f.person_name} <{f.person_email}>" if f.person_email else "",
        "person_name": f.person_name or "",
        "person_email": f.person_email or "",
        "source": clean_line(f.source),
        "handle": _short(clean_line(f.handle), MAX_NAME),
        "display_name": _short(clean_line(f.display_name), MAX_NAME),
        "link": _short(clean_line(link), MAX_URL),  # a page of the finding's platform, or ""
        "score": f"{f.score:.2f}",
        "strength": f.strength,
        "rule": f.rule,
        "status": f.status,
        "moderation": ", ".join(clean_line(v) for v in f.evidence.moderation),
        "own_account": bool(f.evidence.own_account),
        "new": new,
        "first_seen": _day(first_seen, zone),
        "age": age_text(as_of - first_seen),
        "resolved_at": _day(resolved_at, zone) if resolved_at else "",
        "lifetime": age_text(resolved_at - first_seen) if resolved_at else "",
    }


def _day(moment: datetime, zone: tzinfo | None) -> str:
    return moment.astimezone(zone).date().isoformat()


def _when(stored: str) -> datetime:
    """A stored time (UTC ISO; one written without an offset is UTC)."""
    moment = datetime.fromisoformat(stored)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
