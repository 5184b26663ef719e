"""Shared fixtures: real local Bluesky and Mastodon stand-ins, real SQLite files, the real CLI.

The sample world is enrolled and scanned once per session (per xdist worker); a test gets a copy.
"""

from __future__ import annotations

import copy
import csv
import gc
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from storage import open_database
from watcher import pipeline
from watcher.cli import cli
from watcher.config import load_config
from watcher.demo import write_config as write_demo_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.portraits import district_logo, jpeg, png, portrait
from watcher.demo.sample import build_world, roster_rows
from watcher.display import scan_lines


@pytest.fixture(scope="session")
def world():
    return build_world(strangers=12)


@pytest.fixture
def appview(world):
    with FakeAppView(copy.deepcopy(world.actors), world.images, prefix="/bsky") as server:
        yield server


@pytest.fixture
def mastodon(world):
    with FakeMastodon(copy.deepcopy(world.mastodon), world.mastodon_images, prefix="/social") as server:
        yield server


def write_config(folder: Path, base_url: str, mastodon_url: str | None = None) -> Path:
    """The demo's config, with fast retries so that failure tests do not wait."""
    path = write_demo_config(folder, base_url, mastodon_url)
    path.write_text(path.read_text().replace("[network]\n", "[network]\nretry_backoff = 0.01\n"))
    return path


def write_roster(folder: Path, world, rows=None) -> Path:
    rows = rows if rows is not None else roster_rows(world)
    (folder / "photos").mkdir(exist_ok=True)
    for row in rows:
        for photo in filter(None, row.get("photos", "").split(";")):
            email = row["email"]
            if email in world.photos and not (folder / photo).exists():
                (folder / photo).write_bytes(world.photos[email])
    path = folder / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "email", "aliases", "handles", "photos", "school", "opt_in"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def sql(path: Path, statement: str, params: tuple | list = ()) -> list[tuple]:
    """One statement on a database file, committed, as another process would run it."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        rows = conn.execute(statement, params).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


class Watcher:
    """Runs the real CLI with a config file, as a district administrator would."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        result = self.runner.invoke(cli, ["--config", str(self.config), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def watcher(request, tmp_path, sample_servers):
    """The CLI with the demo's config in ``tmp_path``. It names the session's servers, which no test may
    change; a test that takes ``appview`` or ``mastodon`` gets that server of its own instead."""
    appview, mastodon = (
        request.getfixturevalue(name) if name in request.fixturenames else server
        for name, server in zip(("appview", "mastodon"), sample_servers, strict=True)
    )
    return Watcher(write_config(tmp_path, appview.base_url, mastodon.base_url))


# --- the sample world enrolled, and scanned, once per session; each test works on a copy --------------


@pytest.fixture(scope="session")
def sample_servers(world):
    """The sample world's AppView and Mastodon for the whole session, only ever read. Tests that change
    what a server shows, or stop it, take the function-scoped ``appview`` and ``mastodon`` instead."""
    with (
        FakeAppView(copy.deepcopy(world.actors), world.images, prefix="/bsky") as appview,
        FakeMastodon(copy.deepcopy(world.mastodon), world.mastodon_images, prefix="/social") as mastodon,
    ):
        mastodon.limit_per_window = 10**9  # many tests' scans share one 5-minute window: never let it run dry
        yield appview, mastodon


def save_state(work: Path, folder: Path) -> Path:
    """Keep ``work`` (config, database, roster, photos, logo, Maildir) as ``folder``: the files as they
    are, modes kept; the database through SQLite's backup, so that nothing a -wal holds is lost."""
    gc.collect()  # CliRunner keeps earlier commands' connections in reference cycles
    shutil.copytree(work, folder, symlinks=True, ignore=shutil.ignore_patterns("watcher.db*"))
    source, target = sqlite3.connect(work / "watcher.db"), sqlite3.connect(folder / "watcher.db")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    (folder / "watcher.db").chmod(0o600)
    return folder


def copy_state(folder: Path, target: Path, *, config: bool = True) -> None:
    """Put a saved state into ``target`` (a test's tmp_path); with ``config=False`` keep the config there."""
    ignore = None if config else shutil.ignore_patterns("watcher.toml")
    shutil.copytree(folder, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def roster_state(tmp_path_factory, world, sample_servers) -> Path:
    """The sample roster (with photos) imported through the CLI."""
    work = tmp_path_factory.mktemp("importing")
    watcher = Watcher(write_config(work, *(server.base_url for server in sample_servers)))
    watcher("people", "import", str(write_roster(work, world)))
    return save_state(work, tmp_path_factory.mktemp("state") / "roster")


@pytest.fixture(scope="session")
def enrolled_state(tmp_path_factory, world, roster_state) -> Path:
    """``roster_state`` and the district's logo, added through the CLI."""
    work = tmp_path_factory.mktemp("enrolling") / "work"
    shutil.copytree(roster_state, work, symlinks=True)
    watcher = Watcher(work / "watcher.toml")
    logo = work / "logo.png"
    logo.write_bytes(world.logo)
    watcher("logos", "add", str(logo), "--label", "district seal")
    return save_state(work, tmp_path_factory.mktemp("state") / "enrolled")


def advance_state(tmp_path_factory, state: Path, name: str, step) -> Path:
    """A copy of a saved state after ``step(config, db)``, saved as ``name``."""
    work = tmp_path_factory.mktemp(name) / "work"
    shutil.copytree(state, work, symlinks=True)
    config = load_config(work / "watcher.toml")
    db = open_database(config.database)
    try:
        step(config, db)
    finally:
        db.close()
    return save_state(work, tmp_path_factory.mktemp("state") / name)


@pytest.fixture(scope="session")
def queued_state(tmp_path_factory, enrolled_state) -> Path:
    """The enrolled sample world after one scan whose alerts are queued, not yet delivered."""
    return advance_state(
        tmp_path_factory, enrolled_state, "queued", lambda config, db: pipeline.run_scan(config, db, deliver=False)
    )


@pytest.fixture(scope="session")
def scanned_state(tmp_path_factory, queued_state) -> Path:
    """``queued_state`` with its alerts delivered to the Maildir: what ``watcher scan`` leaves."""

    def deliver(config, db) -> None:
        assert pipeline.deliver_outbox(config, db).sent > 0

    return advance_state(tmp_path_factory, queued_state, "scanned", deliver)


@pytest.fixture
def roster(tmp_path, roster_state) -> Path:
    """The sample roster imported into ``tmp_path`` (the database, roster.csv and photos), as ``people
    import`` leaves it: the test writes the config."""
    copy_state(roster_state, tmp_path, config=False)
    return tmp_path / "roster.csv"


@pytest.fixture
def enrolled(tmp_path, enrolled_state, watcher):
    """``watcher`` with the sample roster and the district's logo enrolled (a copy of ``enrolled_state``)."""
    copy_state(enrolled_state, tmp_path, config=False)
    return watcher


@pytest.fixture
def scanned(tmp_path, scanned_state):
    """A copy of the sample world enrolled and scanned, alerts delivered to ``tmp_path / "outbox"``.
    Its config names the session's servers: scan again, but change nothing they show."""
    copy_state(scanned_state, tmp_path)
    return Watcher(tmp_path / "watcher.toml")


@pytest.fixture
def queued(tmp_path, queued_state):
    """Like ``scanned``, but the scan's alerts wait in the outbox, never handed to a transport."""
    copy_state(queued_state, tmp_path)
    return Watcher(tmp_path / "watcher.toml")


def deliver(watcher: Watcher) -> str:
    """What a scan does and prints last: hand the queued alerts to the configured transport."""
    config = load_config(watcher.config)
    db = open_database(config.database)
    try:
        delivery = pipeline.deliver_outbox(config, db)
    finally:
        db.close()
    return "\n".join(scan_lines(pipeline.ScanReport(scan_id=0, sources=[], delivery=delivery)))


@pytest.fixture
def images(tmp_path):
    """A few image files on disk: two portraits, a logo, a text file pretending to be a photo."""
    (tmp_path / "a.jpg").write_bytes(jpeg(portrait(1)))
    (tmp_path / "b.jpg").write_bytes(jpeg(portrait(2)))
    (tmp_path / "logo.png").write_bytes(png(district_logo()))
    (tmp_path / "not-a-photo.jpg").write_text("hello, I am text")
    return tmp_path


# The attacks of SECURITY.md: `make security` runs these (pytest -m hostile) and prints their count.
HOSTILE_FILES = {
    "test_bounded_fields.py",
    "test_file_safety.py",
    "test_hostile_images.py",
    "test_http_hostile.py",
    "test_links.py",
    "test_log_safety.py",
    "test_operations.py",
    "test_properties.py",
    "test_roster_hostile.py",
    "test_scan_failures.py",
    "test_service_stop.py",
    "test_url_properties.py",
    "test_web_answers.py",
    "test_web_office.py",
    "test_web_serve.py",
    "test_web_staff.py",
    "test_sign_in_links.py",
}
HOSTILE_TESTS = (
    "test_kill_9",
    "test_the_lock_file",
    "test_a_symlink_planted_as_the_lock_file",
    "test_a_lock_file_owned_by_another_user",
    "test_the_profile_link_goes_only_to_the_platform",
    "test_scraped_text_stays_out_of_headers",
    "test_a_password_never_goes_unencrypted",
    "test_which_hosts_count_as_this_machine",
    "test_an_alert_about_nothing",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in HOSTILE_FILES or item.name.startswith(HOSTILE_TESTS):
            item.add_marker(pytest.mark.hostile)


@pytest.fixture
def site(tmp_path, scanned_state):
    """The web front over a copy of the scanned sample world (see tests/web_support.py)."""
    from web_support import Site

    copy_state(scanned_state, tmp_path)
    return Site(tmp_path)


@pytest.fixture
def enrolled_site(tmp_path, enrolled_state, watcher):
    """The web front over a copy of the enrolled sample world, never scanned."""
    from web_support import Site

    copy_state(enrolled_state, tmp_path, config=False)
    return Site(tmp_path)
