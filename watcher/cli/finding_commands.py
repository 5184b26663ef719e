"""Commands about findings: scan for them, list them, review them, write one's evidence page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from storage import findings as findings_store
from storage import review as review_store
from watcher import pipeline
from watcher.cli.options import App, actor_name, by_option, echo_json, echo_lines, json_option, pass_app, status_option
from watcher.display import findings_csv, findings_table, new_finding_lines, scan_lines, scan_summary
from watcher.errors import InputError
from watcher.evidence_page import render_page
from watcher.files import write_private
from watcher.progress import ScanDisplay
from watcher.text import printable


@click.command()
@click.option("--source", "only_source", help="Scan only this configured source.")
@json_option("Print the scan report as JSON.")
@pass_app
def scan(app: App, only_source: str | None, as_json: bool) -> None:
    """Run one full scan now: search, match, queue alerts and deliver them.

    On a terminal a progress bar shows the queries and profiles done and the findings so far.
    """
    display = None if as_json else ScanDisplay()
    try:
        report = pipeline.run_scan(app.config, app.db, only_source=only_source, on_progress=display)
    finally:
        if display is not None:
            display.close()
    if as_json:
        echo_json(scan_summary(report))
        return
    echo_lines(scan_lines(report))
    echo_lines(new_finding_lines(findings_store.list_findings(app.db, scan_id=report.scan_id)))


@click.command()
@click.option("--kind", type=click.Choice(["impersonation", "logo_misuse"]), help="Only findings of this kind.")
@status_option(findings_store.STATUSES, "findings")
@click.option("--source", help="Only findings on this configured source.")
@click.option("--person", "person_email", metavar="EMAIL", help="Only findings about this person.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only findings first seen on or after this day (district time).")
@json_option("Print a JSON array.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@pass_app
def findings(app: App, kind, status, source, person_email, since, as_json: bool, as_csv: bool) -> None:
    """List findings; the options narrow the list and combine."""
    rows = findings_store.list_findings(
        app.db,
        kind=kind,
        status=status,
        source=source,
        person_email=person_email,
        since=_day_start(since, app.config.timezone) if since else None,
    )
    if as_json:
        echo_json([f.as_json() for f in rows])
        return
    if as_csv:
        click.echo(findings_csv(rows), nl=False)
        return
    click.echo(findings_table(rows))


def _day_start(day: str, timezone: str) -> str:
    """Midnight of ``day`` (YYYY-MM-DD) in the district's time zone, as a UTC ISO time."""
    try:
        start = datetime.strptime(day.strip(), "%Y-%m-%d").replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise InputError(f"--since must be a day like 2026-11-30, not {day!r}") from None
    return start.astimezone(UTC).isoformat(timespec="seconds")


@click.command()
@click.argument("finding_id", metavar="ID", type=int)
@click.argument("action", type=click.Choice(list(review_store.REVIEW_ACTIONS)))
@click.option("--note", help="Why: kept with the finding and in the audit trail.")
@by_option("reviews")
@pass_app
def review(app: App, finding_id: int, action: str, note: str | None, actor: str | None) -> None:
    """Confirm, dismiss, reopen finding ID, or dismiss it as official or namesake; every review is
    kept in the audit trail.

    confirm: an impersonation (from new or alerted). dismiss: not a problem; it stays quiet
    unless its evidence gains a signal (from new, alerted or confirmed). reopen: back to
    alerted, or new if its person was never told (from dismissed, resolved or confirmed).
    official: the district's or the person's own account (it joins their accounts); namesake:
    someone else with the same name (both from new, alerted or confirmed; both dismiss).
    """
    actor = actor_name(actor, "reviews")
    old, new = review_store.review(app.db, finding_id, action, actor=actor, note=note.strip() if note else None)
    click.echo(f"finding {finding_id}: {old} -> {new} (by {printable(actor)})")


@click.command("evidence")
@click.argument("finding_id", metavar="ID", type=int)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the page (default: evidence-ID.html).",
)
@pass_app
def evidence_page(app: App, finding_id: int, out: Path | None) -> None:
    """Write a finding's evidence as one self-contained HTML page, to attach to a platform report."""
    page = render_page(app.db, finding_id)
    out = out or Path(f"evidence-{finding_id}.html")
    try:
        write_private(out, page.encode("utf-8"))  # 0600, never through a link, only in a folder that is ours
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"wrote {out}")
