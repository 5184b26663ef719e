"""What the CLI prints: records turned into terminal lines, tables, CSV and JSON-ready dicts.

Pure functions of records, so ``watcher demo`` prints a scan exactly as ``watcher scan`` does
without importing the CLI.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from watcher.models import Admin, Finding, Person
from watcher.pipeline import DeliveryReport, ScanReport
from watcher.text import printable

# --- scans ---------------------------------------------------------------------------------------

SHOWN_NEW = 10  # new findings listed after a scan; the rest are a command away


def new_finding_lines(rows: list[Finding]) -> list[str]:
    """The scan's new findings, strongest first, as the end of the one-screen summary."""
    if not rows:
        return []
    rows = sorted(rows, key=lambda f: -f.score)
    lines = ["new findings:"]
    for f in rows[:SHOWN_NEW]:
        who = f.person_email or "the district"
        lines.append(
            f"  #{f.id} {f.kind} of {who} on {f.source} @{printable(f.handle)} ({f.evidence.rule}, score {f.score:.2f})"
        )
    if len(rows) > SHOWN_NEW:
        lines.append(f"  … and {len(rows) - SHOWN_NEW} more")
    lines.append("see them all: watcher findings --json")
    return lines


def scan_summary(report: ScanReport) -> dict:
    delivery = report.delivery or DeliveryReport()
    return {
        "scan_id": report.scan_id,
        "status": report.status,
        "sources": report.sources,
        "queries": report.queries,
        "profiles_seen": report.profiles_seen,
        "findings_new": report.findings_new,
        "findings_seen": report.findings_seen,
        "alerts_queued": report.alerts_queued,
        "emails_sent": delivery.sent,
        "emails_retrying": delivery.retrying,
        "emails_dead": delivery.dead,
        "delivery_stopped": delivery.stopped,
        "by_source": {name: stats.as_json() for name, stats in report.stats.items()},
        "problems": report.problems,
    }


def scan_lines(report: ScanReport) -> list[str]:
    delivery = report.delivery or DeliveryReport()
    lines = [
        f"scan {report.scan_id} {report.status}: {report.queries} queries, {report.profiles_seen} profiles, "
        f"{report.findings_new} new findings ({report.findings_seen} matched in all)",
    ]
    for name, stats in report.stats.items():
        unknown = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.unknown.items()))
        line = (
            f"  {name}: {stats.queries} queries ({stats.found} found, {stats.not_found} not found"
            f"{', unknown: ' + unknown if unknown else ''}), {stats.profiles} profiles"
        )
        if stats.listed:
            line += f" ({stats.listed} listed by its directory)"
        if stats.avatars_unknown:
            line += f", {stats.avatars_unknown} avatars not checked"
        lines.append(line)
        if stats.rechecked or stats.resolved or stats.reopened:
            unsure = sum(stats.recheck_unknown.values())
            lines.append(
                f"  {name}: {stats.rechecked} profiles re-checked ({stats.recheck_gone} gone, {unsure} unknown), "
                f"{stats.resolved} findings resolved, {stats.reopened} reopened"
            )
        if stats.degraded:
            lines.append(f"  source {name} DEGRADED: {printable(stats.degraded)}")
        if stats.gave_up:
            lines.append(
                f"  source {name} stopped: {printable(stats.gave_up)} ({stats.skipped} queries left for next scan)"
            )
    lines.extend(
        f"  {p['source']}: {printable(p['message'])}" for p in report.problems if p["source"] not in report.stats
    )
    lines.append(
        f"alerts: {report.alerts_queued} queued, {delivery.sent} delivered"
        + (f", {delivery.retrying} to retry" if delivery.retrying else "")
        + (f", {delivery.dead} undeliverable" if delivery.dead else "")
    )
    if delivery.stopped:
        lines.append(f"delivery stopped: {printable(delivery.stopped)}")
    return lines


# --- findings ------------------------------------------------------------------------------------


def findings_table(rows: Sequence[Finding]) -> str:
    if not rows:
        return "no findings"
    lines = [f"{'id':>4}  {'kind':<13} {'score':>5}  {'rule':<17} {'status':<9} {'person':<34} profile"]
    for f in rows:
        name = printable(f.display_name)[:30]
        lines.append(
            f"{f.id:>4}  {f.kind:<13} {f.score:>5.2f}  {f.evidence.rule:<17} {f.status:<9} "
            f'{(f.person_email or "-"):<34} {f.source}:@{printable(f.handle)} "{name}"'
        )
    return "\n".join(lines)


FINDINGS_CSV = [
    "id",
    "kind",
    "person",
    "source",
    "handle",
    "display_name",
    "profile_url",
    "score",
    "status",
    "rule",
    "first_seen",
    "resolved_at",
    "reviewed_at",
    "missing_count",
]


def findings_csv(rows: Iterable[Finding]) -> str:
    """The findings as CSV with a header row, every cell through ``csv_safe``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FINDINGS_CSV)
    for f in rows:
        writer.writerow(
            csv_safe(value)
            for value in (
                f.id,
                f.kind,
                f.person_email,
                f.source,
                f.handle,
                f.display_name,
                f.profile_url,
                f.score,
                f.status,
                f.evidence.rule,
                f.first_seen,
                f.resolved_at,
                f.reviewed_at,
                f.missing_count,
            )
        )
    return out.getvalue()


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), with the full-width forms.
FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def csv_safe(value: object) -> str:
    """One CSV cell that no spreadsheet runs as a formula. Every column goes through here, whoever
    wrote it (a profile's author, the roster, our own ids): a cell starting with = + - @ tab or
    carriage return, also after spaces, gets a leading apostrophe; control characters become "?"."""
    raw = "" if value is None else str(value)
    text = printable(raw)
    return "'" + text if raw[:1] in FORMULA_START or text.lstrip(" ")[:1] in FORMULA_START else text


# --- people --------------------------------------------------------------------------------------


def people_rows(everyone: Iterable[Person], photos: Mapping[int, int]) -> list[dict[str, Any]]:
    """One dict per enrolled person, as ``people list --json`` prints them."""
    return [
        {
            "email": p.email,
            "name": p.name,
            "aliases": list(p.aliases),
            "school": p.school,
            "opt_in": p.opt_in,
            "handles": sorted(p.accounts),
            "photos": photos.get(p.id, 0),
        }
        for p in everyone
    ]


def people_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """``people_rows`` as one line a person and a count."""
    lines = [
        f"{r['email']:<36} {r['name']:<28} opt-in:{'yes' if r['opt_in'] else 'no':<4}"
        f"photos:{r['photos']} handles:{len(r['handles'])}  {r['school'] or ''}"
        for r in rows
    ]
    lines.append(f"{len(rows)} people")
    return lines


def admin_rows(accounts: Iterable[Admin]) -> list[dict[str, Any]]:
    """One dict per office account, as ``admin list --json`` prints them."""
    return [
        {"email": a.email, "password": a.has_password, "created": a.created_at, "last_sign_in": a.last_sign_in_at}
        for a in accounts
    ]


def admin_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """``admin_rows`` as one line an account and a count."""
    lines = [
        f"{r['email']:<36} password:{'yes' if r['password'] else 'no':<4}"
        f"created:{r['created']}  last sign-in:{r['last_sign_in'] or 'never'}"
        for r in rows
    ]
    lines.append(f"{len(rows)} office accounts" if rows else "no office accounts (add one: watcher admin add EMAIL)")
    return lines


# --- outbox --------------------------------------------------------------------------------------


def outbox_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Queued, sent and dead messages (without their bodies), one line each plus their last error."""
    lines = []
    for r in rows:
        line = (
            f"{r['id']:>5}  {r['status']:<7} tries:{r['attempts']:<2} {r['kind']:<6} "
            f"{printable(r['recipient'])[:36]:<36} {printable(r['subject'])[:60]}"
        )
        if r["status"] == "sent":
            line += f"  (sent {r['sent_at']})"
        elif r["status"] == "pending" and r["next_attempt_at"]:
            line += f"  (next try {r['next_attempt_at']})"
        lines.append(line)
        if r["last_error"] and r["status"] != "sent":
            lines.append(f"       last error: {printable(r['last_error'])}")
    lines.append(f"{len(rows)} messages")
    return lines


def status_lines(status: dict[str, Any]) -> list[str]:
    """``watcher status`` without ``--json``: the service, its jobs, the sources, coverage, outbox and findings."""
    service = status["service"]
    if service["running"]:
        lines = [f"service: running (pid {service['pid'] or '?'})"]
    else:
        lines = ["service: not running (next runs are computed from the intervals)"]
    lines.append("jobs:")
    for job in status["jobs"]:
        last = (
            f"last {job['last_status']} at {job['last_finished_at'] or job['last_started_at']}"
            if job["last_status"]
            else "never run"
        )
        nxt = job["next_run_at"] or ("at start" if job["next_run_from"] == "at start" else "-")
        lines.append(f"  {job['job']:<24} {last:<44} next {nxt}")
        if job["last_error"] and job["last_status"] not in ("ok", "running"):
            lines.append(f"    last error: {printable(job['last_error'])}")
    lines.append("sources (last 7 days):")
    for source in status["sources"]:
        unknown = ", ".join(f"{n} {reason}" for reason, n in source["unknown_7d"].items()) or "none"
        lines.append(
            f"  {source['source']}: last successful scan {source['last_successful_scan_at'] or 'never'}, "
            f"last scan {source['last_scan_status'] or '-'}; {source['scans_7d']} scans, "
            f"{source['queries_7d']} queries, unknown: {unknown}, stopped {source['stopped_7d']} times"
        )
        if source["last_degraded"]:
            lines.append(
                f"    DEGRADED in the last scan: {printable(source['last_degraded'])}"
                f" ({source['degraded_7d']} scans in 7 days)"
            )
    coverage = status["coverage"]
    lines.append(f"staff searched in the last {coverage['window_days']} days (as of {coverage['as_of']}):")
    for source in coverage["sources"]:
        lines.append(f"  {source['source']}: {source['summary']}")
    if not coverage["sources"]:
        lines.append("  no sources configured")
    lines.append(f"  ({coverage['searched_means']})")
    backlog = status["outbox"]
    counts = ", ".join(f"{n} {state}" for state, n in backlog["counts"].items()) or "empty"
    oldest = f"; oldest waiting since {backlog['oldest_pending_at']}" if backlog["oldest_pending_at"] else ""
    lines.append(f"outbox: {counts}{oldest}")
    found = status["open_findings"]
    if not found:
        lines.append("open findings: none")
    for kind, by_status in found.items():
        detail = ", ".join(f"{n} {state}" for state, n in by_status.items())
        lines.append(f"open findings: {sum(by_status.values())} {kind} ({detail})")
    return lines
