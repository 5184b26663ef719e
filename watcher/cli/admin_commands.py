"""Commands that run and keep the service: the database (init, purge, backup, restore), the
scheduler (run) and its health (status), and the offline demo."""

from __future__ import annotations

import logging
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from watcher import retention
from watcher.cli.options import App, echo_json, echo_lines, json_option, pass_app
from watcher.errors import ConfigError, InputError, WatcherError
from watcher.logs import log_at_least
from watcher.text import printable


@click.command()
@pass_app
def init(app: App) -> None:
    """Create the database, or bring its schema up to date."""
    app.db  # noqa: B018 - opening applies the migrations
    click.echo(f"database ready: {app.config.database}")


@click.command()
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


@click.command()
@click.argument("dest", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists (the old one stays until the new one is whole).")
@pass_app
def backup(app: App, dest: Path, force: bool) -> None:
    """Copy the database to PATH (0600), consistent even while `watcher run` writes to it."""
    from watcher.backup import backup_database

    summary = backup_database(app.config.database, dest, force=force)
    click.echo(f"wrote {summary.path}: {summary.describe()}")


@click.command()
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


@click.command()
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where the demo writes its roster, database and maildir.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the web front over the demo made earlier in --dir, with the stand-ins, until Ctrl-C.",
)
@click.option("--port", type=click.IntRange(1, 65535), help="With --serve: the port on 127.0.0.1 (default 8080).")
def demo(workdir: Path, serve: bool, port: int | None) -> None:
    """Run the whole job offline against local stand-ins for Bluesky and Mastodon; with --serve,
    serve the web front over its result."""
    if serve:
        from watcher.demo.web_demo import serve_demo

        serve_demo(workdir, port or 8080, echo=click.echo)
        return
    if port is not None:
        raise InputError("--port goes with --serve")
    from watcher.demo import run_demo

    run_demo(workdir, echo=click.echo)


@click.command()
@pass_app
def run(app: App) -> None:
    """Run the service: scans, alert delivery, the weekly digest and the daily purge on their
    schedules, and the web front when [web] listen is set, until SIGTERM or Ctrl-C. One per database."""
    from watcher.service import run_service

    log_at_least("watcher.service", logging.INFO)  # one line per job, even without -v
    log_at_least("watcher.web", logging.INFO)  # where the web front serves, with [web] listen
    run_service(app.config)


@click.command()
@json_option("Print a JSON object.")
@click.option(
    "--check",
    is_flag=True,
    help="For monitoring: one line per problem; exit 0 OK, 1 warning, 2 critical, 3 unknown.",
)
@pass_app
def status(app: App, as_json: bool, check: bool) -> None:
    """Show each job's last and next run, the sources' health, the outbox backlog and open findings."""
    from watcher.display import status_lines
    from watcher.service import service_status

    if check:
        if as_json:
            raise InputError("--check prints lines for a monitor; leave out --json")
        sys.exit(_health_check(app))
    report = service_status(app.config, app.db)
    if as_json:
        echo_json(report)
        return
    echo_lines(status_lines(report))


def _health_check(app: App) -> int:
    """Print the monitoring verdict; returns the exit code (see watcher/service/health.py)."""
    from watcher.service import health

    now = datetime.now(UTC)
    try:
        if not Path(app.config.database).is_file():
            raise ConfigError(f"no database at {app.config.database}")
        facts = health.gather(app.config, app.db, now)
    except (WatcherError, sqlite3.Error, OSError) as exc:
        click.echo(f"UNKNOWN: {printable(str(exc))}")
        return health.UNKNOWN
    code, lines = health.verdict(health.assess(facts, now), facts)
    echo_lines(lines)
    return code
