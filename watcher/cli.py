"""The ``watcher`` command: a thin click layer over the library."""

from __future__ import annotations

import csv
import getpass
import io
import json
import logging
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlite_utils import Database

from notifications.maildir import check_maildir, remove_alert_files
from notifications.transport import send_test_message
from sources.base import printable
from storage import findings as findings_store
from storage import open_database
from storage import outbox as outbox_store
from storage import people as people_store
from storage.logos import list_logos, save_logo
from watcher import pipeline, retention
from watcher.config import Config, load_config
from watcher.digest import preview_digest, resolve_week, send_digest
from watcher.errors import ConfigError, InputError, WatcherError
from watcher.evidence import render_page as render_evidence
from watcher.files import write_private
from watcher.logs import log_at_least, setup_logging
from watcher.progress import ScanDisplay
from watcher.roster import hash_logo, parse_person


class App:
    """What every command needs, loaded on first use."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.config.database)
        return self._db


class WatcherGroup(click.Group):
    """Turns library errors into one-line messages and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WatcherError as exc:
            raise click.ClickException(str(exc)) from None


pass_app = click.make_pass_decorator(App)


@click.group(cls=WatcherGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="WATCHER_CONFIG",
    help="Config file (default: $WATCHER_CONFIG, else ./watcher.toml, else built-in defaults).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
@click.option("--log-json", is_flag=True, help="Log JSON lines (time, level, logger, message, extras) to stderr.")
@click.version_option(package_name="identity-watch", prog_name="watcher")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool, log_json: bool) -> None:
    """Identity Watch: find public accounts impersonating district staff."""
    setup_logging(verbose=verbose, json_lines=log_json, timestamps=ctx.invoked_subcommand == "run")
    ctx.obj = App(config_path)


@cli.command()
@pass_app
def init(app: App) -> None:
    """Create the database, or bring its schema up to date."""
    app.db  # noqa: B018 - opening applies the migrations
    click.echo(f"database ready: {app.config.database}")


@cli.group()
def people() -> None:
    """Enrol, list and remove staff."""


@people.command("import")
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="all cores",
    help="Processes hashing the photos.",
)
@pass_app
def people_import(app: App, roster: Path, workers: int) -> None:
    """Import or update staff from a roster CSV (name,email,aliases,handles,photos,school,opt_in)."""
    result, added, updated = pipeline.import_roster(app.config, app.db, roster, workers)
    for problem in result.problems:
        click.echo(f"{roster}:{problem.line}: {problem.reason}", err=True)
    click.echo(
        f"imported {added + updated} people ({added} new, {updated} updated), {len(result.problems)} rows rejected"
    )
    if result.problems:
        sys.exit(1)


@people.command("add")
@click.option("--name", required=True, help="Full name as the person uses it.")
@click.option("--email", required=True, help="Work e-mail (identifies the person).")
@click.option("--alias", "aliases", multiple=True, help="Another name they go by (repeatable).")
@click.option("--handle", "handles", multiple=True, help="Their own account as source:handle (repeatable).")
@click.option("--photo", "photos", multiple=True, type=click.Path(dir_okay=False), help="A photo to hash (repeatable).")
@click.option("--school", help="School or office.")
@click.option("--opt-in/--no-opt-in", default=None, help="Whether they receive alerts (new people: no).")
@pass_app
def people_add(app: App, name, email, aliases, handles, photos, school, opt_in) -> None:
    """Enrol or update one person. Options not given leave an existing person's data as is."""
    row = {"name": name, "email": email, "photos": ";".join(photos)}
    if aliases:
        row["aliases"] = ";".join(aliases)
    if handles:
        row["handles"] = ";".join(handles)
    if school is not None:
        row["school"] = school
    if opt_in is not None:
        row["opt_in"] = "yes" if opt_in else "no"
    enrolment = parse_person(row, photo_base=Path.cwd(), max_pixels=app.config.network.max_image_pixels)
    added, _ = people_store.save_enrolments(app.db, [enrolment])
    click.echo(f"{'enrolled' if added else 'updated'} {enrolment.email}")


@people.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def people_list(app: App, as_json: bool) -> None:
    """List enrolled staff."""
    everyone = people_store.list_people(app.db, references=False)
    photos = people_store.photo_counts(app.db)
    rows = [
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
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r['email']:<36} {r['name']:<28} opt-in:{'yes' if r['opt_in'] else 'no':<4}"
            f"photos:{r['photos']} handles:{len(r['handles'])}  {r['school'] or ''}"
        )
    click.echo(f"{len(rows)} people")


@people.command("remove")
@click.argument("email")
@pass_app
def people_remove(app: App, email: str) -> None:
    """Remove a person and what is kept about them, their alert files in the Maildir too; their findings
    stay, anonymised."""
    address = email.strip().lower()
    # Known only while their outbox rows exist; a Maildir we must not touch stops us before anything goes.
    keys = [pipeline.delivery_key(m["id"], m["message_id"]) for m in outbox_store.messages_to_person(app.db, address)]
    check_maildir(app.config.email.maildir)
    counts = people_store.remove_person(app.db, address)
    if counts is None:
        raise InputError(f"no enrolled person with e-mail {email}")
    files = remove_alert_files(app.config.email.maildir, keys)
    click.echo(
        f"removed {printable(email)}: {counts['handles']} handles, {counts['photos']} photos' hashes, "
        f"{counts['messages']} messages, {counts['findings_anonymised']} findings anonymised, "
        f"{files} alert files deleted from the Maildir"
    )


@cli.group()
def logos() -> None:
    """District logos to watch for."""


@logos.command("add")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", required=True, help="A name for the logo, shown in findings.")
@pass_app
def logos_add(app: App, path: Path, label: str) -> None:
    """Enrol a district logo: its hashes, and its keypoints to find it inside any picture."""
    _, replaced = save_logo(app.db, label, hash_logo(path, app.config.network.max_image_pixels))
    click.echo(f"{'replaced' if replaced else 'added'} logo {label!r}")


@logos.command("list")
@pass_app
def logos_list(app: App) -> None:
    """List the district logos."""
    from watcher.pictures import LogoSearch

    logos = list_logos(app.db)
    stale = set(LogoSearch(logos).stale)
    for logo in logos:
        click.echo(f"{logo.label}  (enrolled by an older version: add it again)" if logo.label in stale else logo.label)


@cli.command()
@click.option("--source", "only_source", help="Scan only this configured source.")
@click.option("--json", "as_json", is_flag=True, help="Print the scan report as JSON.")
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
        click.echo(json.dumps(scan_summary(report), indent=2, ensure_ascii=False))
        return
    for line in scan_lines(report):
        click.echo(line)
    for line in new_finding_lines(app.db, report.scan_id):
        click.echo(line)


SHOWN_NEW = 10  # new findings listed after a scan; the rest are a command away


def new_finding_lines(db: Database, scan_id: int) -> list[str]:
    """The scan's new findings, strongest first, as the end of the one-screen summary."""
    rows = findings_store.list_findings(db, scan_id=scan_id)
    if not rows:
        return []
    rows.sort(key=lambda f: -f.score)
    lines = ["new findings:"]
    for f in rows[:SHOWN_NEW]:
        who = f.person_email or "the district"
        lines.append(
            f"  #{f.id} {f.kind} of {who} on {f.source} @{printable(f.handle)}"
            f" ({f.evidence.get('rule', '')}, score {f.score:.2f})"
        )
    if len(rows) > SHOWN_NEW:
        lines.append(f"  … and {len(rows) - SHOWN_NEW} more")
    lines.append("see them all: watcher findings --json")
    return lines


def scan_summary(report: pipeline.ScanReport) -> dict:
    delivery = report.delivery or pipeline.DeliveryReport()
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


def scan_lines(report: pipeline.ScanReport) -> list[str]:
    delivery = report.delivery or pipeline.DeliveryReport()
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


@cli.command()
@click.option("--kind", type=click.Choice(["impersonation", "logo_misuse"]), help="Only findings of this kind.")
@click.option("--status", type=click.Choice(findings_store.STATUSES), help="Only findings with this status.")
@click.option("--source", help="Only findings on this configured source.")
@click.option("--person", "person_email", metavar="EMAIL", help="Only findings about this person.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only findings first seen on or after this day (district time).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
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
        click.echo(json.dumps([f.as_json() for f in rows], indent=2, ensure_ascii=False))
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FINDINGS_CSV)
        for f in rows:
            writer.writerow(
                _csv_safe(value)
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
                    f.evidence.get("rule", ""),
                    f.first_seen,
                    f.resolved_at,
                    f.reviewed_at,
                    f.missing_count,
                )
            )
        click.echo(out.getvalue(), nl=False)
        return
    click.echo(findings_table(rows))


def _day_start(day: str, timezone: str) -> str:
    """Midnight of ``day`` (YYYY-MM-DD) in the district's time zone, as a UTC ISO time."""
    try:
        start = datetime.strptime(day.strip(), "%Y-%m-%d").replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise InputError(f"--since must be a day like 2026-11-30, not {day!r}") from None
    return start.astimezone(UTC).isoformat(timespec="seconds")


@cli.command()
@click.argument("finding_id", metavar="ID", type=int)
@click.argument("action", type=click.Choice(list(findings_store.REVIEW_ACTIONS)))
@click.option("--note", help="Why: kept with the finding and in the audit trail.")
@click.option("--by", "actor", metavar="NAME", help="Who reviews (default: your login name).")
@pass_app
def review(app: App, finding_id: int, action: str, note: str | None, actor: str | None) -> None:
    """Confirm, dismiss or reopen finding ID; every review is kept in the audit trail.

    confirm: an impersonation (from new or alerted). dismiss: not a problem; it stays quiet
    unless its evidence gains a signal (from new, alerted or confirmed). reopen: back to
    alerted, or new if its person was never told (from dismissed, resolved or confirmed).
    """
    actor = (actor if actor is not None else _login_name()).strip()
    if not actor:
        raise InputError("--by must name who reviews")
    old, new = findings_store.review(app.db, finding_id, action, actor=actor, note=note.strip() if note else None)
    click.echo(f"finding {finding_id}: {old} -> {new} (by {printable(actor)})")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def findings_table(rows) -> str:
    if not rows:
        return "no findings"
    lines = [f"{'id':>4}  {'kind':<13} {'score':>5}  {'rule':<17} {'status':<9} {'person':<34} profile"]
    for f in rows:
        name = printable(f.display_name)[:30]
        lines.append(
            f"{f.id:>4}  {f.kind:<13} {f.score:>5.2f}  {f.evidence.get('rule', ''):<17} {f.status:<9} "
            f'{(f.person_email or "-"):<34} {f.source}:@{printable(f.handle)} "{name}"'
        )
    return "\n".join(lines)


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), with the full-width forms.
FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _csv_safe(value: object) -> str:
    """One CSV cell that no spreadsheet runs as a formula. Every column goes through here, whoever
    wrote it (a profile's author, the roster, our own ids): a cell starting with = + - @ tab or
    carriage return, also after spaces, gets a leading apostrophe; control characters become "?"."""
    raw = "" if value is None else str(value)
    text = printable(raw)
    return "'" + text if raw[:1] in FORMULA_START or text.lstrip(" ")[:1] in FORMULA_START else text


@cli.command()
@click.option("--week", help="ISO week, e.g. 2026-W48 (default: the last complete week in the district's time zone).")
@click.option("--send", is_flag=True, help="Queue the digest for [digest] to and deliver it (once per week).")
@pass_app
def digest(app: App, week: str | None, send: bool) -> None:
    """Preview the weekly digest for the communications office, or send it."""
    week = resolve_week(app.config, week)
    if not send:
        click.echo(preview_digest(app.config, app.db, week), nl=False)
        return
    outcome = send_digest(app.config, app.db, week)
    if outcome.sent:
        count = len(outcome.sent)
        click.echo(f"digest {week} sent to {count} recipient{'s' if count != 1 else ''}: {', '.join(outcome.sent)}")
    for address in outcome.already_sent:
        click.echo(f"digest {week} was already sent to {address} (nothing sent)")
    for address, why in outcome.undelivered.items():
        click.echo(f"digest {week} to {address} not delivered yet ({printable(why)}); it stays queued", err=True)
    if outcome.undelivered:
        sys.exit(1)


@cli.group()
def outbox() -> None:
    """The queue of e-mails: list it, send it now, retry what could not be delivered."""


@outbox.command("list")
@click.option("--status", type=click.Choice(outbox_store.STATUSES), help="Only messages with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def outbox_list(app: App, status: str | None, as_json: bool) -> None:
    """List queued, sent and dead messages (without their bodies)."""
    rows = outbox_store.list_messages(app.db, status)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        line = (
            f"{r['id']:>5}  {r['status']:<7} tries:{r['attempts']:<2} {r['kind']:<6} "
            f"{printable(r['recipient'])[:36]:<36} {printable(r['subject'])[:60]}"
        )
        if r["status"] == "sent":
            line += f"  (sent {r['sent_at']})"
        elif r["status"] == "pending" and r["next_attempt_at"]:
            line += f"  (next try {r['next_attempt_at']})"
        click.echo(line)
        if r["last_error"] and r["status"] != "sent":
            click.echo(f"       last error: {printable(r['last_error'])}")
    click.echo(f"{len(rows)} messages")


@outbox.command("flush")
@pass_app
def outbox_flush(app: App) -> None:
    """Deliver every pending message now, whatever its retry time."""
    report = pipeline.deliver_outbox(app.config, app.db, force=True)
    click.echo(f"{report.sent} sent, {report.retrying} to retry, {report.dead} dead")
    if report.stopped:
        click.echo(f"delivery stopped: {printable(report.stopped)}", err=True)
    if report.retrying or report.dead:
        sys.exit(1)


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Every dead message.")
@pass_app
def outbox_retry(app: App, ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead messages back in the queue (attempts reset); `outbox flush` sends them now."""
    from watcher.health import retry_dead

    if bool(ids) == all_dead:
        raise InputError("give the ids of dead messages, or --all-dead")
    revived = retry_dead(app.db, None if all_dead else list(ids), _login_name())
    missed = sorted(set(ids) - set(revived))
    click.echo(f"{len(revived)} messages back in the queue")
    if missed:
        raise InputError(f"not dead, or no such message: {', '.join(map(str, missed))}")


@outbox.command("ack")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Every dead message.")
@click.option("--by", "actor", metavar="NAME", help="Who acknowledges (default: your login name).")
@pass_app
def outbox_ack(app: App, ids: tuple[int, ...], all_dead: bool, actor: str | None) -> None:
    """Accept that dead messages will not be delivered: `status --check` stops warning about them (audited)."""
    from watcher.health import acknowledge_dead

    if bool(ids) == all_dead:
        raise InputError("give the ids of dead messages, or --all-dead")
    actor = (actor if actor is not None else _login_name()).strip()
    if not actor:
        raise InputError("--by must name who acknowledges")
    done = acknowledge_dead(app.db, None if all_dead else list(ids), actor)
    missed = sorted(set(ids) - set(done))
    click.echo(f"{len(done)} dead messages acknowledged")
    if missed:
        raise InputError(f"not dead, or no such message: {', '.join(map(str, missed))}")


@cli.command("evidence")
@click.argument("finding_id", metavar="ID", type=int)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the page (default: evidence-ID.html).",
)
@pass_app
def evidence_page(app: App, finding_id: int, out: Path | None) -> None:
    """Write a finding's evidence as one self-contained HTML page, to attach to a platform report."""
    page = render_evidence(app.db, finding_id)
    out = out or Path(f"evidence-{finding_id}.html")
    try:
        write_private(out, page.encode("utf-8"))  # 0600, never through a link, only in a folder that is ours
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"wrote {out}")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@pass_app
def purge(app: App, dry_run: bool) -> None:
    """Delete what the [retention] settings no longer allow (watcher run does it daily)."""
    counts = retention.purge(app.config, app.db, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {counts['observations']} old observations, {counts['evidence']} evidence snapshots "
        f"of closed findings, {counts['image_hashes']} cached image hashes"
    )


@cli.command()
@click.argument("dest", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists (the old one stays until the new one is whole).")
@pass_app
def backup(app: App, dest: Path, force: bool) -> None:
    """Copy the database to PATH (0600), consistent even while `watcher run` writes to it."""
    from watcher.backup import backup_database

    summary = backup_database(app.config.database, dest, force=force)
    click.echo(f"wrote {summary.path}: {summary.describe()}")


@cli.command()
@click.argument("source", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def restore(app: App, source: Path) -> None:
    """Replace the database with the backup at PATH, keeping the current one beside it.

    Stop `watcher run` first; the backup is checked before anything is replaced."""
    from watcher.backup import restore_database

    summary = restore_database(app.config, source)
    click.echo(f"restored {summary.path} from {source}: {summary.describe()}")
    if summary.kept:
        click.echo(f"the database it replaced is kept as {summary.kept}")


@cli.command("test-email")
@click.argument("address")
@pass_app
def test_email(app: App, address: str) -> None:
    """Send one test message to ADDRESS through the configured transport now."""
    email = app.config.email
    where = f"SMTP server {email.smtp.host}:{email.smtp.port}" if email.transport == "smtp" else f"{email.maildir}"
    send_test_message(app.config, address)
    click.echo(f"test message to {printable(address)} handed to {where}")


@cli.command()
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where the demo writes its roster, database and maildir.",
)
def demo(workdir: Path) -> None:
    """Run the whole job offline against a local stand-in for Bluesky."""
    from watcher.demo import run_demo

    run_demo(workdir, echo=click.echo)


@cli.command()
@pass_app
def run(app: App) -> None:
    """Run the service: scans, alert delivery, the weekly digest and the daily purge on their
    schedules, until SIGTERM or Ctrl-C. One per database."""
    from watcher.service import run_service

    log_at_least("watcher.service", logging.INFO)  # one line per job, even without -v
    run_service(app.config)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option(
    "--check",
    is_flag=True,
    help="For monitoring: one line per problem; exit 0 OK, 1 warning, 2 critical, 3 unknown.",
)
@pass_app
def status(app: App, as_json: bool, check: bool) -> None:
    """Show each job's last and next run, the sources' health, the outbox backlog and open findings."""
    from watcher.service import service_status, status_lines

    if check:
        if as_json:
            raise InputError("--check prints lines for a monitor; leave out --json")
        sys.exit(_health_check(app))
    report = service_status(app.config, app.db)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for line in status_lines(report):
        click.echo(line)


def _health_check(app: App) -> int:
    """Print the monitoring verdict; returns the exit code (see watcher/health.py)."""
    from watcher import health

    now = datetime.now(UTC)
    try:
        if not Path(app.config.database).is_file():
            raise ConfigError(f"no database at {app.config.database}")
        facts = health.gather(app.config, app.db, now)
    except (WatcherError, sqlite3.Error, OSError) as exc:
        click.echo(f"UNKNOWN: {printable(str(exc))}")
        return health.UNKNOWN
    code, lines = health.verdict(health.assess(facts, now), facts)
    for line in lines:
        click.echo(line)
    return code


def main() -> None:
    cli(prog_name="watcher")
