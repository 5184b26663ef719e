"""Commands about e-mail: the weekly digest, the outbox queue, and a test message."""

from __future__ import annotations

import sys

import click

from notifications.transport import send_test_message
from storage import outbox as outbox_store
from watcher import pipeline
from watcher.cli.options import (
    App,
    actor_name,
    by_option,
    chosen_dead,
    dead_messages,
    echo_json,
    echo_lines,
    json_option,
    login_name,
    pass_app,
    status_option,
)
from watcher.display import outbox_lines
from watcher.errors import InputError
from watcher.text import printable
from watcher.weekly_digest import preview_digest, resolve_week, send_digest


@click.command()
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


@click.group()
def outbox() -> None:
    """The queue of e-mails: list it, send it now, retry what could not be delivered."""


@outbox.command("list")
@status_option(outbox_store.STATUSES, "messages")
@json_option("Print a JSON array.")
@pass_app
def outbox_list(app: App, status: str | None, as_json: bool) -> None:
    """List queued, sent and dead messages (without their bodies)."""
    rows = outbox_store.list_messages(app.db, status)
    if as_json:
        echo_json(rows)
        return
    echo_lines(outbox_lines(rows))


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
@dead_messages
@pass_app
def outbox_retry(app: App, ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead messages back in the queue (attempts reset); `outbox flush` sends them now."""
    from watcher.service.health import retry_dead

    revived = retry_dead(app.db, chosen_dead(ids, all_dead), login_name())
    missed = sorted(set(ids) - set(revived))
    click.echo(f"{len(revived)} messages back in the queue")
    if missed:
        raise InputError(f"not dead, or no such message: {', '.join(map(str, missed))}")


@outbox.command("ack")
@dead_messages
@by_option("acknowledges")
@pass_app
def outbox_ack(app: App, ids: tuple[int, ...], all_dead: bool, actor: str | None) -> None:
    """Accept that dead messages will not be delivered: `status --check` stops warning about them (audited)."""
    from watcher.service.health import acknowledge_dead

    chosen = chosen_dead(ids, all_dead)
    actor = actor_name(actor, "acknowledges")
    done = acknowledge_dead(app.db, chosen, actor)
    missed = sorted(set(ids) - set(done))
    click.echo(f"{len(done)} dead messages acknowledged")
    if missed:
        raise InputError(f"not dead, or no such message: {', '.join(map(str, missed))}")


@click.command("test-email")
@click.argument("address")
@pass_app
def test_email(app: App, address: str) -> None:
    """Send one test message to ADDRESS through the configured transport now."""
    email = app.config.email
    where = f"SMTP server {email.smtp.host}:{email.smtp.port}" if email.transport == "smtp" else f"{email.maildir}"
    send_test_message(app.config, address)
    click.echo(f"test message to {printable(address)} handed to {where}")
