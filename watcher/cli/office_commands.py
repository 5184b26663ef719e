"""Commands for the web front: ``watcher web`` serves it, ``watcher admin`` keeps the communications
office's accounts on it."""

from __future__ import annotations

import logging
import sys

import click

from storage import admins as admins_store
from storage import audit as audit_store
from storage.db import write_transaction
from watcher.cli.options import App, echo_json, echo_lines, json_option, login_name, pass_app
from watcher.errors import InputError
from watcher.logs import log_at_least
from watcher.office_accounts import hash_password
from watcher.roster import check_email


@click.command()
@click.option(
    "--listen",
    metavar="HOST:PORT",
    help="Where to listen (default: [web] listen, else 127.0.0.1:8080). Another machine's address needs "
    "[web] base_url.",
)
@pass_app
def web(app: App, listen: str | None) -> None:
    """Serve the web front (staff sign-up and alert answers, the office's review) until Ctrl-C or
    SIGTERM. `watcher run` serves it too when [web] listen is set."""
    from watcher.web.serve import make_server, serve_until_stopped

    log_at_least("watcher.web", logging.INFO)  # the address it serves on, even without -v
    server = make_server(app.config, listen=listen)
    click.echo(f"serving the web front on {server.url}; Ctrl-C stops it")
    serve_until_stopped(server)


@click.group()
def admin() -> None:
    """The communications office's accounts on the web front."""


@admin.command("add")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="No password: the account signs in only with e-mailed links.")
@pass_app
def admin_add(app: App, email: str, password_stdin: bool, no_password: bool) -> None:
    """Add an office account (asks for its password twice), or set the password of an existing one."""
    if password_stdin and no_password:
        raise InputError("give --password-stdin or --no-password, not both")
    email = check_email(email)
    hashed = None if no_password else hash_password(_read_password(password_stdin))
    with write_transaction(app.db):
        account, created = admins_store.add_admin(app.db, email, hashed)
        if created or hashed is not None:
            detail = {"email": email, "password": hashed is not None, **({} if created else {"reset": True})}
            audit_store.record(app.db, actor=login_name(), action="admin_added", detail=detail)
    if created:
        how = "a password" if hashed else "e-mailed sign-in links only"
        click.echo(f"added office account {account.email} ({how})")
    elif hashed is not None:
        click.echo(f"{account.email} already had an account: its password is reset")
    else:
        click.echo(
            f"{account.email} already has an account; nothing changed (to drop its password: "
            "watcher admin remove, then add --no-password)"
        )


@admin.command("remove")
@click.argument("email")
@pass_app
def admin_remove(app: App, email: str) -> None:
    """Delete an office account; its sessions and sign-in links stop working."""
    email = email.strip().lower()
    with write_transaction(app.db):
        if not admins_store.remove_admin(app.db, email):
            raise InputError(f"no office account {email!r}")
        audit_store.record(app.db, actor=login_name(), action="admin_removed", detail={"email": email})
    click.echo(f"removed office account {email}")


@admin.command("list")
@json_option("Print a JSON array.")
@pass_app
def admin_list(app: App, as_json: bool) -> None:
    """List the office accounts: address, whether it has a password, created, last sign-in."""
    from watcher.display import admin_lines, admin_rows

    rows = admin_rows(admins_store.list_admins(app.db))
    if as_json:
        echo_json(rows)
        return
    echo_lines(admin_lines(rows))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)
