"""``watcher demo``: the whole job, offline, against a local stand-in for Bluesky.

Nothing is mocked: the demo writes a roster, photos, a logo and a config file,
then runs the same library calls as ``people import``, ``logos add`` and
``scan`` against a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import mailbox
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from storage import admins as admins_store
from storage import audit as audit_store
from storage import findings as findings_store
from storage import open_database
from storage.db import write_transaction
from storage.logos import save_logo
from watcher import pipeline
from watcher.config import load_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.sample import DISTRICT, KEYWORDS, OFFICIAL, STAFF, World, build_world, roster_rows
from watcher.display import findings_table, scan_lines
from watcher.errors import InputError
from watcher.files import private_dir, write_private
from watcher.image_files import hash_logo
from watcher.office_accounts import hash_password

MARKER = ".watcher-demo"
OFFICE_EMAIL = "office@svusd.example"
OFFICE_LOGIN = "office-login.txt"  # the demo office account's address and password (0600)
# The employee a newcomer enrols in the browser: opted out on the roster, so the demo's scan found his
# impostor without alerting him; enrolled on the web front with alerts on, the next scan alerts him.
SAMPLE_EMPLOYEE = "jose.torres@svusd.example"
DEMO_PORT = 8080


DEMO_FILES = frozenset(
    {
        MARKER,
        "watcher.toml",
        "watcher.db",
        "watcher.db-wal",
        "watcher.db-shm",
        "outbox",
        "photos",
        "roster.csv",
        "district-logo.png",
        OFFICE_LOGIN,
        "watcher.db.lock",  # left by a `watcher run` over the demo's config
    }
)


def prepare_workdir(workdir: Path) -> None:
    """Start from a clean folder, deleting only what an earlier demo wrote there."""
    resolved = workdir.resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents or resolved == Path.home().resolve():
        raise InputError(f"the demo needs a folder of its own, not {workdir}; choose another --dir")
    if workdir.exists():
        if not workdir.is_dir() or workdir.is_symlink():
            raise InputError(f"{workdir} is not a plain folder; choose another --dir")
        entries = {entry.name for entry in workdir.iterdir()}
        if entries and MARKER not in entries:
            raise InputError(f"{workdir} exists and was not made by the demo; choose another --dir")
        foreign = sorted(entries - DEMO_FILES)
        if foreign:
            raise InputError(
                f"{workdir} holds files the demo did not write ({', '.join(foreign[:3])}); remove them first"
            )
        for name in entries:
            entry = workdir / name
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        if workdir.stat().st_uid == os.geteuid():
            workdir.chmod(0o700)  # an earlier version's demo folder: the database goes only in a private one
    private_dir(workdir)
    write_private(workdir / MARKER, b"made by watcher demo; safe to delete\n")


def write_config(workdir: Path, base_url: str, mastodon_url: str | None = None, web_url: str | None = None) -> Path:
    """The demo's config, naming the stand-ins at ``base_url`` (and ``mastodon_url``); with ``web_url``
    (``http://127.0.0.1:PORT``) the web front is served there and e-mailed links point at it."""
    keywords = ", ".join(f'"{k}"' for k in KEYWORDS)
    path = workdir / "watcher.toml"
    write_private(
        path,
        f"""# Written by `watcher demo`. Relative paths are relative to this file.
database = "watcher.db"
timezone = "America/Los_Angeles"

[district]
name = "{DISTRICT}"
keywords = [{keywords}]
official_accounts = ["bluesky:{OFFICIAL}"]

[network]
allow_private_addresses = true   # the demo's server is on 127.0.0.1

[[sources]]
name = "bluesky"
type = "bluesky"
base_url = "{base_url}"
rate_limit = "100/1s,burst=100"   # a local server; the real AppView gets 1500/5m by default
{_mastodon_section(mastodon_url)}
[email]
from = "Identity Watch <watch@svusd.example>"
transport = "maildir"
maildir = "outbox"

[digest]
to = ["communications@svusd.example"]
{_web_section(web_url)}""".encode(),
    )
    return path


def _mastodon_section(base_url: str | None) -> str:
    if not base_url:
        return ""
    return f"""
[[sources]]
name = "mastodon"
type = "mastodon"
base_url = "{base_url}"
rate_limit = "100/1s,burst=100"   # a local server; a real one gets Mastodon's 300/5m by default
"""


def _web_section(web_url: str | None) -> str:
    if not web_url:
        return ""
    return f"""
[web]
base_url = "{web_url}"
listen = "{web_url.removeprefix("http://")}"
"""


def run_demo(workdir: Path, echo: Callable[[str], None] = print) -> int:
    """Run the demo in ``workdir``; returns the number of findings."""
    prepare_workdir(workdir)
    world = build_world()
    private_dir(workdir / "photos")
    rows = roster_rows(world)
    for staff_row in rows:
        if staff_row["photos"]:
            write_private(workdir / staff_row["photos"], world.photos[staff_row["email"]])
    roster = workdir / "roster.csv"
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_private(roster, text.getvalue().encode("utf-8"))
    write_private(workdir / "district-logo.png", world.logo)

    with (
        FakeAppView(world.actors, world.images, prefix="/bsky") as appview,
        FakeMastodon(world.mastodon, world.mastodon_images) as mastodon,
    ):
        config = load_config(write_config(workdir, appview.base_url, mastodon.base_url))
        db = open_database(config.database)
        result, added, _ = pipeline.import_roster(config, db, roster)
        echo(f"enrolled {added} sample staff from {roster} ({len(result.problems)} rows rejected)")
        save_logo(db, "district seal", hash_logo(workdir / "district-logo.png", config.network.max_image_pixels))
        echo(f"local Bluesky stand-in serving {len(world.actors)} profiles at {appview.base_url}")
        echo(f"local Mastodon stand-in serving {len(world.mastodon)} accounts at {mastodon.base_url}")
        report = pipeline.run_scan(config, db)
    for line in scan_lines(report):
        echo(line)
    found = findings_store.list_findings(db)
    echo("")
    echo(findings_table(found))
    for line in answer_key(world, found):
        echo(line)
    box = mailbox.Maildir(config.email.maildir, create=False)
    echo("")
    echo(f"{len(box)} alert e-mail(s) in the Maildir {config.email.maildir}/new:")
    for key in sorted(box.keys()):
        echo(f"  To: {box[key]['To']}  Subject: {box[key]['Subject']}")
    echo(f"\nExplore: {_command()} --config {workdir / 'watcher.toml'} findings")
    email, password = add_office_login(db, workdir)
    for line in web_hints(workdir, email, password, serve=True):
        echo(line)
    return len(found)


def add_office_login(db: Database, workdir: Path) -> tuple[str, str]:
    """A ready-made office account with a password new at each run, kept in ``OFFICE_LOGIN`` for
    ``watcher demo --serve`` to print again (a demo's sample data only; never do this for real)."""
    password = secrets.token_urlsafe(12)
    with write_transaction(db):
        admins_store.add_admin(db, OFFICE_EMAIL, hash_password(password))
        audit_store.record(db, actor="watcher demo", action="admin_added", detail={"email": OFFICE_EMAIL})
    write_private(workdir / OFFICE_LOGIN, f"{OFFICE_EMAIL}\n{password}\n".encode())
    return OFFICE_EMAIL, password


def web_hints(workdir: Path, email: str, password: str, *, serve: bool, port: int = DEMO_PORT) -> list[str]:
    """How to try the web front over the demo: the command serving it (``serve``), or once it serves,
    where to enrol the sample employee, where the office signs in, and how to scan again."""
    url = f"http://127.0.0.1:{port}"
    sample = next(s for s in STAFF if s.email == SAMPLE_EMPLOYEE)
    photo = workdir / "photos" / f"{SAMPLE_EMPLOYEE.split('@')[0]}.jpg"
    config = workdir / "watcher.toml"
    lines = ["", "The web front over this demo's data (on 127.0.0.1 only; Ctrl-C stops it):"]
    if serve:
        lines += [f"  {_command()} demo --serve --dir {workdir}", "then, in a browser:"]
    lines += [
        f"  staff:  {url}/  enrol as {sample.name} ({sample.email}), with the photo {photo} and alerts on",
        f"  office: {url}/office  sign in as {email}, password {password}",
    ]
    if not serve:
        lines.append(f"Scan from another terminal: {_command()} --config {config} scan")
    return lines


def answer_key(world: World, found: list) -> list[str]:
    """Compare the findings with what each sample profile really is."""
    flagged: dict[str, int] = {}
    for finding in found:
        label = world.label_of(finding.source, finding.handle)
        flagged[label.split(":")[0]] = flagged.get(label.split(":")[0], 0) + 1
    totals: dict[str, int] = {}
    for label in world.expected.values():
        totals[label.split(":")[0]] = totals.get(label.split(":")[0], 0) + 1

    def hits(kind: str) -> str:
        return f"{flagged.get(kind, 0)} of {totals.get(kind, 0)}"

    return [
        "",
        "Checked against the sample's answer key:",
        f"  impostors found:          {hits('impostor')}",
        f"  logo fan pages found:     {hits('logo')}",
        f"  namesakes flagged:        {hits('namesake')} (another face, no claim on the district)",
        f"  strangers flagged:        {hits('stranger')}",
        f"  own / official flagged:   {hits('own')} / {hits('official')}",
        f"  hidden (asked not to be shown to logged-out viewers): {hits('hidden')} flagged",
    ]


def _command() -> str:
    """How this program was started, so the hint can be pasted as is."""
    argv0 = sys.argv[0]
    return os.path.relpath(argv0) if os.path.basename(argv0) == "watcher" else "watcher"
