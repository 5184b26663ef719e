"""The ``watcher`` command: a thin click layer over the library.

The group lives here; its commands live by family in ``*_commands.py``, the options several of
them share in ``options.py``, and what they print in ``watcher/display.py``.
"""

from __future__ import annotations

import click

from watcher.cli.admin_commands import backup, demo, init, purge, restore, run, status
from watcher.cli.enrolment_commands import logos, people
from watcher.cli.finding_commands import evidence_page, findings, review, scan
from watcher.cli.mail_commands import digest, outbox, test_email
from watcher.cli.office_commands import admin, web
from watcher.cli.options import App
from watcher.errors import WatcherError
from watcher.logs import setup_logging


class WatcherGroup(click.Group):
    """Turns library errors into one-line messages and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WatcherError as exc:
            raise click.ClickException(str(exc)) from None


COMMANDS = [
    init,
    people,
    logos,
    scan,
    findings,
    review,
    digest,
    outbox,
    evidence_page,
    purge,
    backup,
    restore,
    test_email,
    demo,
    run,
    status,
    web,
    admin,
]


@click.group(cls=WatcherGroup, commands=COMMANDS)
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


def main() -> None:
    cli(prog_name="watcher")
