"""Commands that enrol what we watch for: staff (``people``) and district logos (``logos``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from notifications.maildir import check_maildir, remove_alert_files
from storage import outbox as outbox_store
from storage import people as people_store
from storage.logos import list_logos, save_logo
from watcher import pipeline
from watcher.cli.options import App, echo_json, echo_lines, json_option, pass_app
from watcher.display import people_lines, people_rows
from watcher.errors import InputError
from watcher.image_files import hash_logo
from watcher.removal import remove_person
from watcher.roster import parse_person
from watcher.text import printable


@click.group()
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
    for email in result.left:
        click.echo(f"{email}: left Identity Watch on the web front; not enrolled again (people add can)", err=True)
    if result.kept:
        click.echo(
            f"{len(result.kept)} people enrolled themselves on the web front: their alerts, accounts, photos and"
            " language stay as they chose"
        )
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
    left, themselves = people_store.self_managed(app.db, [enrolment.email])
    added, _ = people_store.save_enrolments(app.db, [enrolment])
    click.echo(f"{'enrolled' if added else 'updated'} {enrolment.email}")
    if left or themselves:
        how = "left Identity Watch on the web front" if left else "enrolled themselves on the web front"
        click.echo(f"{enrolment.email} {how}: their alerts, accounts, photos and language stay as they chose")


@people.command("list")
@json_option("Print a JSON array.")
@pass_app
def people_list(app: App, as_json: bool) -> None:
    """List enrolled staff."""
    rows = people_rows(people_store.list_people(app.db, references=False), people_store.photo_counts(app.db))
    if as_json:
        echo_json(rows)
        return
    echo_lines(people_lines(rows))


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
    counts = remove_person(app.db, address)
    if counts is None:
        raise InputError(f"no enrolled person with e-mail {email}")
    files = remove_alert_files(app.config.email.maildir, keys)
    click.echo(
        f"removed {printable(email)}: {counts['handles']} handles, {counts['photos']} photos' hashes, "
        f"{counts['messages']} messages, {counts['findings_anonymised']} findings anonymised, "
        f"{files} alert files deleted from the Maildir"
    )


@click.group()
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
