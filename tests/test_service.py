"""`watcher run` as a real process against a local Bluesky stand-in, and `watcher status`.

The service is started the way a district runs it (a subprocess with a config file), stopped with
SIGTERM or killed with SIGKILL, and judged by what it leaves: the database, the Maildir, its logs.
"""

from __future__ import annotations

import json
import logging
import mailbox
import os
import random
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Watcher, sql, write_config

from watcher.demo.fake_appview import FakeAppView
from watcher.errors import ConfigError
from watcher.logs import HUMAN_FORMAT, HumanFormatter, JsonFormatter
from watcher.service import ServiceLock
from watcher.weeks import last_complete_week

TZ = ZoneInfo("America/Los_Angeles")  # the demo config's time zone
PATIENCE = 60.0  # seconds: generous, so a slow machine fails only when something is wrong
DIGEST_TO = 'to = ["communications@svusd.example"]'


class SlowAppView(FakeAppView):
    """Serves avatars slowly while ``delay`` is set, so that a scan can be caught in the middle."""

    delay = 0.0

    def _image(self, request, data: bytes) -> None:
        time.sleep(self.delay)
        super()._image(request, data)


def service_config(folder: Path, base_url: str, *, digest_to: str = DIGEST_TO) -> Path:
    """The demo config with short intervals, and the digest due on Monday 00:00: the digest of
    the last complete week is always due, so a service that starts must send it."""
    path = write_config(folder, base_url)
    text = path.read_text().replace(DIGEST_TO, f'{digest_to}\nweekday = "mon"\ntime = "00:00"')
    text += '\n[schedule]\nscan_every = "2s"\ndeliver_every = "1s"\njitter = 0\n'
    path.write_text(text)
    return path


STARTED: list[subprocess.Popen] = []  # every `watcher run` a test started, for the fixture below


@pytest.fixture(autouse=True)
def no_service_left_running():
    """A test that fails while `watcher run` serves must not leave it running in the background."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait()


def start(config: Path, *options: str) -> subprocess.Popen:
    log = open(config.parent / "service.log", "a")  # noqa: SIM115 - the process writes it
    with log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from watcher.cli import main; main()", "--config", str(config), *options, "run"],
            stdout=log,
            stderr=log,
        )
    STARTED.append(process)
    return process


def run_once(config: Path) -> subprocess.CompletedProcess:
    """``watcher run`` to its end, when it is expected to refuse to start."""
    return subprocess.run(
        [sys.executable, "-c", "from watcher.cli import main; main()", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=PATIENCE)


def query(config: Path, statement: str, params: tuple = ()) -> list[tuple]:
    return sql(config.parent / "watcher.db", statement, params)


def job(config: Path, name: str) -> dict:
    rows = query(
        config,
        "SELECT last_started_at, last_finished_at, last_status, next_run_at FROM job_runs WHERE job = ?",
        (name,),
    )
    return dict(zip(("started", "finished", "status", "next"), rows[0], strict=True)) if rows else {}


def wait_until(config: Path, process: subprocess.Popen, what: str, check) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except sqlite3.OperationalError:  # the service has not created its tables yet
            pass
        assert process.poll() is None, f"watcher run exited ({process.returncode}):\n{log_text(config)}"
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"timed out waiting for {what}:\n{log_text(config)}")


def log_text(config: Path) -> str:
    path = config.parent / "service.log"
    return path.read_text() if path.exists() else ""


def mails(config: Path) -> list:
    folder = config.parent / "outbox"
    if not folder.exists():
        return []
    box = mailbox.Maildir(folder, create=False)
    return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()]


def digests(config: Path) -> list:
    return [m for m in mails(config) if str(m["Subject"]).startswith("Identity Watch weekly digest")]


def alerts(config: Path) -> list:
    return [m for m in mails(config) if not str(m["Subject"]).startswith("Identity Watch weekly digest")]


def settled(config: Path) -> bool:
    """A scan has completed and everything it queued has been delivered."""
    queued = query(config, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")[0][0]
    sent = query(config, "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND status = 'sent'")[0][0]
    return job(config, "scan:bluesky").get("status") == "ok" and queued == 0 and sent > 0


@pytest.fixture
def slow_appview(world):
    with SlowAppView(world.actors, world.images, prefix="/bsky") as server:
        yield server


def test_run_scans_alerts_sends_the_missed_digest_once_and_stops_on_sigterm(tmp_path, roster, slow_appview):
    config = service_config(tmp_path, slow_appview.base_url)
    watcher = Watcher(config)

    service = start(config, "--log-json")
    wait_until(
        config, service, "a scan with its alerts delivered, and the digest", lambda: settled(config) and digests(config)
    )

    week = last_complete_week(TZ)
    (digest,) = digests(config)
    assert str(digest["Subject"]).startswith(f"Identity Watch weekly digest {week}")
    alerted = query(config, "SELECT COUNT(DISTINCT person_id) FROM findings WHERE status = 'alerted'")[0][0]
    # Alerts are queued as findings are recorded (by the scan, and by the delivery job while the scan
    # goes on): someone whose second impostor turned up a minute later may have two messages, but
    # every alerted finding is in exactly one, and every message is delivered once.
    sent = query(config, "SELECT COUNT(DISTINCT outbox_id) FROM findings WHERE status = 'alerted'")[0][0]
    assert alerted and len(alerts(config)) == sent >= alerted
    assert len({str(m["To"]) for m in alerts(config)}) == alerted  # each person alerted heard of it

    status = json.loads(watcher("status", "--json").output)
    assert status["service"] == {"running": True, "pid": service.pid, "lock_file": str(tmp_path / "watcher.db.lock")}
    jobs = {j["job"]: j for j in status["jobs"]}
    assert set(jobs) == {"deliver", "digest", "scan:bluesky", "purge"}
    assert jobs["scan:bluesky"]["last_status"] in ("ok", "running")
    assert jobs["scan:bluesky"]["next_run_from"] == "scheduler" and jobs["scan:bluesky"]["next_run_at"]
    assert jobs["digest"]["last_status"] == "ok" and jobs["digest"]["next_run_at"] > jobs["digest"]["last_finished_at"]
    assert status["outbox"]["counts"]["sent"] == sent + 1 and status["outbox"]["oldest_pending_at"] is None
    assert sum(status["open_findings"]["impersonation"].values()) >= alerted
    (bluesky,) = status["sources"]
    assert bluesky["source"] == "bluesky" and bluesky["last_successful_scan_at"] and bluesky["unknown_7d"] == {}
    (covered,) = status["coverage"]["sources"]  # a complete scan answered everyone's name
    assert covered["source"] == "bluesky" and covered["searched"] == covered["enrolled"] > 0

    second = run_once(config)
    assert second.returncode != 0
    assert second.stderr.startswith("Error: watcher run is already running") and f"(pid {service.pid})" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr

    assert stop(service) == 0, log_text(config)
    assert query(config, "SELECT job FROM job_runs WHERE last_status = 'running'") == []
    assert query(config, "SELECT id FROM scan_runs WHERE status = 'running'") == []
    lines = [json.loads(line) for line in log_text(config).splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    scans = [line for line in lines if line.get("job") == "scan:bluesky" and "queries" in line]
    assert scans and scans[0]["message"].startswith("scan bluesky: ") and scans[0]["status"] == "ok"
    assert any(line.get("job") == "digest" and line["message"].startswith(f"digest {week}: sent to") for line in lines)

    status = json.loads(watcher("status", "--json").output)
    assert status["service"]["running"] is False
    assert {j["job"]: j["next_run_from"] for j in status["jobs"]}["scan:bluesky"] in ("computed", "at start")

    # What a kill in the middle of a delivery leaves: messages claimed ("sending"), maybe written.
    query(config, "UPDATE outbox SET status = 'sending' WHERE id IN (SELECT MIN(id) FROM outbox GROUP BY kind)")
    digest_run = job(config, "digest")
    scan_run = job(config, "scan:bluesky")
    service = start(config)  # again: the digest is not due any more, the scans go on
    wait_until(
        config,
        service,
        "another scan, and the claimed messages handed over again",
        lambda: (
            job(config, "scan:bluesky")["finished"] != scan_run["finished"]
            and query(config, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'")[0][0] == 0
        ),
    )
    assert stop(service) == 0, log_text(config)
    assert job(config, "digest")["started"] == digest_run["started"]
    assert len(digests(config)) == 1
    assert len(alerts(config)) == alerted


def test_kill_9_mid_scan_loses_nothing_and_duplicates_nothing(tmp_path, roster, slow_appview):
    """Attack: kill -9 at a random point of a scan (once 2 to 4 of the 5 people it finds impostors of
    are owed an alert; maybe between a finding's transaction and its alert's, maybe mid-delivery),
    then a restart: every alert earned is sent once, none twice. Today no alert is queued before the
    scan ends. The seed of the point chosen is in the failure message."""
    seed = random.randrange(1 << 30)
    kill_at = random.Random(seed).randint(2, 4)
    config = service_config(tmp_path, slow_appview.base_url, digest_to="to = []")
    slow_appview.delay = 0.3

    service = start(config)
    wait_until(
        config,
        service,
        f"{kill_at} people owed an alert by a scan still running (seed {seed})",
        lambda: len(alertable(config)) >= kill_at and job(config, "scan:bluesky")["status"] == "running",
    )
    service.send_signal(signal.SIGKILL)
    service.wait(timeout=PATIENCE)
    (killed,) = query(config, "SELECT id FROM scan_runs WHERE status = 'running'")
    before = {row[0] for row in query(config, "SELECT finding_key FROM findings")}
    # Alerts are queued as findings are recorded, not at the end of the scan: the killed scan queued
    # its first impostor's alert at once (later ones within a minute, or by the delivery job).
    queued = query(config, "SELECT COUNT(*) FROM outbox WHERE kind = 'alert'")[0][0]
    assert queued >= 1, f"seed {seed}"
    # Ten minutes later: the claim on a message caught mid-delivery has run out (see storage/outbox.py).
    query(config, "UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00' WHERE status = 'sending'")

    slow_appview.delay = 0.0
    service = start(config)
    wait_until(config, service, "a complete scan with its alerts delivered", lambda: settled(config))
    assert stop(service) == 0, log_text(config)

    assert query(config, "SELECT status FROM scan_runs WHERE id = ?", killed) == [("abandoned",)]
    assert "marked abandoned" in log_text(config)
    after = {row[0] for row in query(config, "SELECT finding_key FROM findings")}
    assert before < after
    assert query(config, "SELECT kind, person_id, profile_id FROM findings GROUP BY 1, 2, 3 HAVING COUNT(*) > 1") == []
    per_person = query(config, "SELECT person_id, COUNT(*) FROM outbox WHERE kind = 'alert' GROUP BY person_id")
    assert per_person and all(count == 1 for _, count in per_person), f"seed {seed}"  # one impostor each here
    assert sorted(person for person, _ in per_person) == alertable(config), f"seed {seed}"  # none lost
    sent = alerts(config)
    assert len(sent) == len(per_person) and len({m["Message-ID"] for m in sent}) == len(sent), f"seed {seed}"
    assert query(config, "SELECT COUNT(*) FROM findings WHERE status = 'alerted' AND outbox_id IS NULL")[0][0] == 0


def alertable(config: Path) -> list[int]:
    """The opted-in people an impersonation finding was recorded for: each is owed an alert."""
    rows = query(
        config,
        "SELECT DISTINCT f.person_id FROM findings f JOIN people p ON p.id = f.person_id "
        "WHERE f.kind = 'impersonation' AND p.opt_in = 1 ORDER BY 1",
    )
    return [row[0] for row in rows]


def test_status_before_any_run_says_what_runs_at_start(tmp_path, world, appview):
    watcher = Watcher(service_config(tmp_path, appview.base_url))
    text = watcher("status").output
    assert "service: not running" in text
    assert "scan:bluesky" in text and "never run" in text and "next at start" in text
    assert "outbox: empty" in text and "open findings: none" in text
    assert not (tmp_path / "watcher.db.lock").exists()
    status = json.loads(watcher("status", "--json").output)
    assert {j["job"]: j["next_run_from"] for j in status["jobs"]} == {
        "deliver": "at start",
        "digest": "at start",
        "scan:bluesky": "at start",
        "purge": "at start",
    }


def test_log_lines_stay_one_line_whatever_the_message():
    record = logging.LogRecord("watcher.pipeline", logging.WARNING, __file__, 1, "query %s: %s", ("a\nb", "c"), None)
    record.job = "scan:bluesky"
    assert HumanFormatter(HUMAN_FORMAT).format(record) == "WARNING watcher.pipeline: query a\\nb: c"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert list(entry)[:4] == ["time", "level", "logger", "message"]
    assert entry["message"] == "query a\nb: c" and entry["job"] == "scan:bluesky" and entry["level"] == "WARNING"


def test_the_lock_file_is_owner_only_whatever_the_umask(tmp_path):
    """Attack: another local user reads or holds the lock file. Under umask 0 today it is created 0644."""
    path = tmp_path / "watcher.db.lock"
    lock = ServiceLock(path)
    previous = os.umask(0)
    try:
        lock.acquire()
    finally:
        os.umask(previous)
    try:
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
        assert path.read_text() == f"{os.getpid()}\n"
    finally:
        lock.release()


@pytest.mark.parametrize("target", ["precious.txt", "made-by-the-attacker.txt"])
def test_a_symlink_planted_as_the_lock_file_is_refused_not_followed(tmp_path, appview, target):
    """Attack: a local user plants `watcher.db.lock` as a symlink to a file of ours (or to a name of
    their choosing). Today a root-run `watcher run` follows it: truncates the file and writes its
    pid there, or creates the file. It must refuse with one line and touch nothing."""
    config = service_config(tmp_path, appview.base_url)
    precious = tmp_path / "precious.txt"
    precious.write_text("the district's data\n")
    (tmp_path / "watcher.db.lock").symlink_to(tmp_path / target)
    run = run_once(config)
    assert run.returncode != 0
    assert run.stderr.startswith("Error: ") and "symbolic link" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert precious.read_text() == "the district's data\n"
    assert not (tmp_path / "made-by-the-attacker.txt").exists()
    assert (tmp_path / "watcher.db.lock").is_symlink()


def test_a_lock_file_owned_by_another_user_is_refused(tmp_path):
    """Attack: another local user creates `watcher.db.lock` first (to hold the lock for ever, or to
    have the service write where they choose). Today root takes it over as its own."""
    path = tmp_path / "watcher.db.lock"
    path.write_text("4242\n")
    os.chown(path, 65534, 65534)  # nobody: the tests run as root
    with pytest.raises(ConfigError, match="belongs to another user") as refused:
        ServiceLock(path).acquire()
    assert "\n" not in str(refused.value)
    assert path.read_text() == "4242\n" and os.stat(path).st_uid == 65534


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> int | None:
    """The status of a GET, or None while nothing listens there."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.URLError:
        return None


def test_run_serves_the_web_front_when_web_listen_is_set_and_stops_it_with_the_scheduler(tmp_path, roster, appview):
    port = free_port()
    config = service_config(tmp_path, appview.base_url, digest_to="to = []")
    config.write_text(config.read_text() + f'\n[web]\nlisten = "127.0.0.1:{port}"\n')
    service = start(config)
    wait_until(
        config,
        service,
        "the web front to answer beside a scan",
        lambda: answers(f"http://127.0.0.1:{port}/") == 200 and job(config, "scan:bluesky").get("status") == "ok",
    )
    assert stop(service) == 0, log_text(config)
    said = log_text(config)
    assert f"web front: serving on http://127.0.0.1:{port}" in said and "watcher run: stopped" in said
    assert answers(f"http://127.0.0.1:{port}/") is None  # the port is free again


def test_run_with_its_web_port_taken_stops_at_start_in_one_line(tmp_path, appview):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = service_config(tmp_path, appview.base_url)
        config.write_text(config.read_text() + f'\n[web]\nlisten = "127.0.0.1:{port}"\n')
        run = run_once(config)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: cannot serve the web front on 127.0.0.1:{port}: the port is in use"
    ], run.stderr
