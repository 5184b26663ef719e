"""The weekly digest for the communications office: plain text and HTML from one ``WeekReport``.

Scraped text (handles, display names, links) is cleaned of control and bidi characters and
shortened, escaped in HTML by Jinja2's autoescape, and never put into a header: the subject
only names the week and counts. Long tables stop at ``MAX_ROWS`` with "and N more", so a
digest stays small whatever the database holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from notifications.render import template_environment
from sources.base import clean_line
from storage.reports import STRENGTHS, ReportFinding, WeekReport
from watcher.config import SourceConfig
from watcher.coverage import SEARCHED_BY, WINDOW, PlatformCoverage, age_text, meaning

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
    sources: Sequence[SourceConfig] = (),
) -> str:
    """The plain-text digest (also what ``watcher digest`` previews). A profile is linked only
    when its address is a page of the platform of ``sources`` that found it."""
    context = digest_context(report, district=district, now=now, staff=staff)
    return template_environment(sources).get_template("digest.txt").render(context)


def render_digest(
    report: WeekReport,
    *,
    sender: str,
    to: str,
    district: str,
    now: datetime | None = None,
    staff: Sequence[PlatformCoverage] = (),
    sources: Sequence[SourceConfig] = (),
) -> EmailMessage:
    """One digest message to one recipient."""
    env = template_environment(sources)
    context = digest_context(report, district=district, now=now, staff=staff)
    message = EmailMessage()
    message["Subject"] = digest_subject(report)
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "identity-watch.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("digest.txt").render(context))
    message.add_alternative(env.get_template("digest.html").render(context), subtype="html")
    return message


def digest_context(
    report: WeekReport, *, district: str, now: datetime | None = None, staff: Sequence[PlatformCoverage] = ()
) -> dict[str, Any]:
    """What the templates show: counts, and tables of cleaned rows capped at ``MAX_ROWS``; ``staff``
    is each source's coverage of enrolled staff (watcher/coverage.py), counted as of the writing."""
    as_of = min(report.end, now or datetime.now(UTC))  # ages at the week's end, or now for a week not over
    new_ids = {f.id for f in report.new}
    impersonation = [f for f in report.new if f.kind == "impersonation"]
    open_impersonation = [f for f in report.open if f.kind == "impersonation"]
    logos = {f.id: f for f in report.new + report.open if f.kind == "logo_misuse"}
    logo_rows = sorted(logos.values(), key=lambda f: (f.first_seen, f.id))
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
        "new": _table(impersonation, as_of, new_ids),
        "open": _table(open_impersonation, as_of, new_ids),
        "resolved": _table(report.resolved, as_of, new_ids),
        "logos": _table(logo_rows, as_of, new_ids),
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
        "days": first.window.days if first else WINDOW.days,
        "meaning": meaning(first.window if first else WINDOW),
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


def _count(findings: list[ReportFinding], attribute: str, known: tuple[str, ...]) -> list[tuple[str, int]]:
    """Counts in a fixed order (zeros included), then any value we did not expect."""
    counted = dict.fromkeys(known, 0)
    for finding in findings:
        key = getattr(finding, attribute)
        counted[key] = counted.get(key, 0) + 1
    return list(counted.items())


def _table(findings: list[ReportFinding], as_of: datetime, new_ids: set[int]) -> dict[str, Any]:
    return {
        "total": len(findings),
        "rows": [_row(f, as_of, f.id in new_ids) for f in findings[:MAX_ROWS]],
        "more": max(0, len(findings) - MAX_ROWS),
    }


def _row(f: ReportFinding, as_of: datetime, new: bool) -> dict[str, Any]:
    url = _short(clean_line(f.profile_url), MAX_URL)
    return {
        "kind": f.kind.replace("_", " "),
        "person": f"{f.person_name} <{f.person_email}>" if f.person_email else "",
        "person_name": f.person_name or "",
        "person_email": f.person_email or "",
        "source": clean_line(f.source),
        "handle": _short(clean_line(f.handle), MAX_NAME),
        "display_name": _short(clean_line(f.display_name), MAX_NAME),
        "url": url,
        "link": url if url.startswith(("https://", "http://")) else "",  # nothing else becomes an href
        "score": f"{f.score:.2f}",
        "strength": f.strength,
        "rule": f.rule,
        "status": f.status,
        "moderation": ", ".join(clean_line(v) for v in f.moderation),
        "own_account": f.own_account,
        "new": new,
        "first_seen": f.first_seen.date().isoformat(),
        "age": age_text(as_of - f.first_seen),
        "resolved_at": f.resolved_at.date().isoformat() if f.resolved_at else "",
        "lifetime": age_text(f.resolved_at - f.first_seen) if f.resolved_at else "",
    }


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
