"""Files: owner-only whatever the umask, never written through a planted symlink, never into a folder
another local user controls; `people remove` deletes the person's alert files.

The tests run as root, as a district's cron job might: another local user is simulated by giving a
folder to uid 65534 (nobody), and their planted symlinks are made with ``os.symlink``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from datetime import UTC, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from notifications.maildir import MaildirTransport
from storage import open_database
from storage import outbox as outbox_store
from watcher import weeks
from watcher.cli import cli
from watcher.errors import ConfigError, TransportUnavailable
from watcher.pipeline import delivery_key

NOBODY = 65534
EMAIL = "francisco.hernandez@svusd.example"
ROOTS_FILE = b"root's own file: must never change\n"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="simulating another user needs root")


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def give_away(*paths: Path) -> None:
    for path in paths:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def roots_file(folder: Path) -> Path:
    victim = folder / "victim"
    victim.write_bytes(ROOTS_FILE)
    return victim


def make_maildir(path: Path, folder_mode: int = 0o700) -> Path:
    for sub in ("", "tmp", "new", "cur"):
        (path / sub).mkdir(exist_ok=True)
        os.chmod(path / sub, folder_mode)
    return path


# --- the database ---------------------------------------------------------------------------------


def test_database_its_wal_and_shm_and_a_new_data_folder_are_owner_only_whatever_the_umask(tmp_path, umask):
    """Attack: another local user reads the staff roster and the link-signing secret from a 0644 database."""
    path = tmp_path / "data" / "district" / "watcher.db"
    db = open_database(path)
    try:
        db.execute("CREATE TABLE probe (x)")  # something in the WAL
        assert mode(tmp_path / "data") == mode(path.parent) == 0o700
        for name in ("watcher.db", "watcher.db-wal", "watcher.db-shm"):
            assert mode(path.parent / name) == 0o600, name
    finally:
        db.conn.close()


def test_an_existing_database_others_may_read_is_tightened_with_a_log_line(tmp_path, caplog):
    """Attack: a database made by an earlier version (0644, with its -wal and -shm) stays readable by all."""
    path = tmp_path / "watcher.db"
    old = sqlite3.connect(path)
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("CREATE TABLE earlier (x)")
    for name in ("watcher.db", "watcher.db-wal", "watcher.db-shm"):
        os.chmod(tmp_path / name, 0o644)
    try:
        with caplog.at_level(logging.WARNING, logger="watcher.files"):
            db = open_database(path)
        db.conn.close()
        for name in ("watcher.db", "watcher.db-wal", "watcher.db-shm"):
            assert mode(tmp_path / name) == 0o600, name
        assert any(str(path) in r.getMessage() and "0644" in r.getMessage() for r in caplog.records)
    finally:
        old.close()


def test_a_database_path_that_is_a_symlink_is_refused(tmp_path):
    """Attack: a link planted where the database goes makes us create (or clobber) a file elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "data").mkdir(mode=0o700)
    os.symlink(elsewhere / "planted.db", tmp_path / "data" / "watcher.db")
    with pytest.raises(ConfigError, match="symbolic link"):
        open_database(tmp_path / "data" / "watcher.db")
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_data_folder_is_used_and_checked_where_it_points(tmp_path):
    """A district may link its data folder elsewhere: the database lands there, owner-only."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    os.symlink(real, tmp_path / "data")
    open_database(tmp_path / "data" / "watcher.db").conn.close()
    assert mode(real / "watcher.db") == 0o600
    give_away(real)
    with pytest.raises(ConfigError, match="another user"):
        open_database(tmp_path / "data" / "watcher.db")


@pytest.mark.parametrize(
    ("how", "error"),
    [("owned by nobody", "belongs to another user"), ("mode 0777", "may be written by other users")],
)
def test_a_data_folder_another_user_controls_is_refused(tmp_path, how, error):
    """Attack: a local user who owns (or may write to) the data folder swaps the database for a link."""
    folder = tmp_path / "data"
    folder.mkdir()
    if how == "owned by nobody":
        give_away(folder)
    else:
        os.chmod(folder, 0o777)
    with pytest.raises(ConfigError, match=error):
        open_database(folder / "watcher.db")
    assert list(folder.iterdir()) == []


def test_a_group_writable_data_folder_of_ours_is_tightened_not_refused(tmp_path, caplog):
    """Upgrade: earlier versions made the data folder under the login umask (002 on Debian and Ubuntu,
    so 0775). The service must still start; the folder is ours, so group write is taken back, with a
    log line. A shared folder (setgid or sticky, like /var/mail or /tmp) is left alone and refused."""
    folder = tmp_path / "data"
    folder.mkdir()
    os.chmod(folder, 0o775)
    open_database(folder / "watcher.db").close()
    assert mode(folder) == 0o755 and "was writable by its group" in caplog.text
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o2775)
    with pytest.raises(ConfigError, match="may be written by other users"):
        open_database(shared / "watcher.db")
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o2775


# --- the Maildir ----------------------------------------------------------------------------------


def deliver(maildir: Path, key: str = "iw00000001_0123456789ab", body: bytes = b"Subject: hi\r\n\r\nhello\r\n"):
    return MaildirTransport(maildir).deliver(body, key, sender="w@d.example", recipient="a@d.example")


def test_maildir_folders_and_messages_are_owner_only_whatever_the_umask(tmp_path, umask):
    """Attack: another local user reads the alerts (staff names, impostors) from a 0755 Maildir."""
    target = deliver(tmp_path / "mail" / "alerts")
    assert mode(tmp_path / "mail") == 0o700
    for sub in ("", "tmp", "new", "cur"):
        assert mode(tmp_path / "mail" / "alerts" / sub) == 0o700, sub
    assert mode(target) == 0o600 and target.read_bytes().endswith(b"hello\r\n")


def queue_one(tmp_path: Path, maildir: Path) -> tuple[Path, str]:
    """A config delivering to ``maildir`` and one queued message; returns the config and the message's key."""
    config = tmp_path / "watcher.toml"
    config.write_text(f'database = "watcher.db"\n[email]\ntransport = "maildir"\nmaildir = "{maildir}"\n')
    db = open_database(tmp_path / "watcher.db")
    message = EmailMessage()
    message["Message-ID"] = "<probe@svusd.example>"
    message["To"] = "ana@svusd.example"
    message["Subject"] = "probe"
    message.set_content("an alert")
    outbox_id = outbox_store.enqueue_message(db, message, kind="alert")
    db.conn.close()
    return config, delivery_key(outbox_id, "<probe@svusd.example>")


def test_root_run_outbox_flush_never_writes_through_a_link_a_local_user_planted_in_their_maildir(tmp_path):
    """Attack (as reported): a local user makes the Maildir, plants tmp/<next file> -> a root-owned file,
    and waits for root's `watcher outbox flush` to overwrite it."""
    victim = roots_file(tmp_path)
    maildir = make_maildir(tmp_path / "mail", 0o755)
    config, key = queue_one(tmp_path, maildir)
    os.symlink(victim, maildir / "tmp" / f"{key}.identity-watch")
    give_away(maildir, maildir / "tmp", maildir / "new", maildir / "cur", maildir / "tmp" / f"{key}.identity-watch")

    result = CliRunner().invoke(cli, ["--config", str(config), "outbox", "flush"])

    assert victim.read_bytes() == ROOTS_FILE
    assert result.exit_code == 1 and "belongs to another user" in result.output
    assert list((maildir / "new").iterdir()) == []
    db = open_database(tmp_path / "watcher.db")
    assert outbox_store.outbox_counts(db) == {"pending": 1}  # it waits, unspent, for a safe Maildir
    db.conn.close()


@pytest.mark.parametrize("how", ["owned by nobody", "tmp mode 0777", "new is a symlink", "the maildir is a symlink"])
def test_a_maildir_another_user_could_tamper_with_is_refused(tmp_path, how):
    """Attack: a Maildir (or one of its folders) that another user owns, may write to, or points elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    maildir = make_maildir(tmp_path / "mail")
    if how == "owned by nobody":
        give_away(maildir, maildir / "tmp", maildir / "new", maildir / "cur")
    elif how == "tmp mode 0777":
        os.chmod(maildir / "tmp", 0o777)
    elif how == "new is a symlink":
        (maildir / "new").rmdir()
        os.symlink(elsewhere, maildir / "new")
    else:
        os.symlink(make_maildir(elsewhere / "box"), tmp_path / "link")
        maildir = tmp_path / "link"
    with pytest.raises(TransportUnavailable, match=f"maildir {maildir} refused"):
        deliver(maildir)
    assert [p for p in elsewhere.rglob("*") if p.is_file()] == []


def test_a_maildir_an_older_version_left_open_to_others_is_closed(tmp_path, caplog):
    """Upgrade: a Maildir made under umask 022 (0755 folders, 0644 messages) let any local user read
    the alerts already delivered. Its folders are made 0700 at the next delivery, which closes the
    messages in them too."""
    maildir = tmp_path / "mail"
    for folder in (maildir, *(maildir / sub for sub in ("tmp", "new", "cur"))):
        folder.mkdir(mode=0o755)
        os.chmod(folder, 0o755)
    (maildir / "new" / "old-alert").write_bytes(b"Subject: old\r\n\r\nold\r\n")
    deliver(maildir)
    assert {mode(maildir / sub) for sub in ("", "tmp", "new", "cur")} == {0o700}
    assert "was open to other users" in caplog.text


def test_a_link_planted_in_our_own_maildir_tmp_is_never_followed(tmp_path):
    """Attack: a link under the name the next message's temporary file would have, pointing at root's file."""
    victim = roots_file(tmp_path)
    maildir = make_maildir(tmp_path / "mail")
    key = "iw00000007_0123456789ab"
    os.symlink(victim, maildir / "tmp" / f"{key}.identity-watch")
    target = deliver(maildir, key, b"Subject: alert\r\n\r\nbody\r\n")
    assert victim.read_bytes() == ROOTS_FILE
    assert not target.is_symlink() and target.read_bytes() == b"Subject: alert\r\n\r\nbody\r\n"


# --- evidence pages and people remove, on a database a real scan filled -----------------------------


def test_evidence_pages_are_owner_only_and_never_written_through_a_link_or_into_a_folder_of_others(
    tmp_path, scanned, monkeypatch
):
    """Attacks: a 0644 page read by others; --out naming a link to root's file; an --out folder (another
    user's, or world-writable like /tmp) where a link can be planted between our check and our write."""
    with sqlite3.connect(tmp_path / "watcher.db") as db:
        finding = str(db.execute("SELECT MIN(id) FROM findings").fetchone()[0])
    db.close()
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        scanned("evidence", finding)
        assert mode(tmp_path / f"evidence-{finding}.html") == 0o600
        scanned("evidence", finding, "--out", str(tmp_path / "page.html"))
        scanned("evidence", finding, "--out", str(tmp_path / "page.html"))  # replaced, still private
        assert mode(tmp_path / "page.html") == 0o600 and b"</html>" in (tmp_path / "page.html").read_bytes()

        victim = roots_file(tmp_path)
        os.symlink(victim, tmp_path / "link.html")
        refused = scanned("evidence", finding, "--out", str(tmp_path / "link.html"), ok=False)
        assert refused.exit_code == 1 and "symbolic link" in refused.output
        assert victim.read_bytes() == ROOTS_FILE

        theirs, shared = tmp_path / "theirs", tmp_path / "shared"
        theirs.mkdir()
        give_away(theirs)
        shared.mkdir()
        os.chmod(shared, 0o1777)
        for folder, error in ((theirs, "belongs to another user"), (shared, "may be written by other users")):
            refused = scanned("evidence", finding, "--out", str(folder / "page.html"), ok=False)
            assert refused.exit_code == 1 and error in refused.output
            assert list(folder.iterdir()) == []
    finally:
        os.umask(old)


def maildir_files(maildir: Path) -> set[str]:
    return {f"{sub}/{p.name}" for sub in ("tmp", "new", "cur") for p in (maildir / sub).iterdir()}


def test_people_remove_deletes_their_alert_files_read_or_not_and_leaves_the_office_digest(tmp_path, scanned):
    """Attack (on privacy): a removed person's alerts, naming them, stay in the Maildir for anyone who reads it."""
    tz = ZoneInfo("America/Los_Angeles")  # the demo config's
    start, _ = weeks.week_bounds(weeks.last_complete_week(tz), tz)
    db = sqlite3.connect(tmp_path / "watcher.db")
    with db:  # last week's findings, so that a digest is written to the communications office
        db.execute("UPDATE findings SET first_seen = ?", [(start + timedelta(days=2)).astimezone(UTC).isoformat()])
    scanned("digest", "--send")
    rows = db.execute("SELECT id, message_id, recipient, kind FROM outbox WHERE status = 'sent'").fetchall()
    db.close()
    his = [f"{delivery_key(i, m)}.identity-watch" for i, m, to, kind in rows if to == EMAIL]
    assert len(his) == 1 and any(kind == "digest" for *_, kind in rows)

    maildir = tmp_path / "outbox"
    os.rename(maildir / "new" / his[0], maildir / "cur" / f"{his[0]}:2,S")  # he has read it
    (maildir / "tmp" / f"{his[0]}.0123456789abcdef").write_bytes(b"half written before a crash")
    before = maildir_files(maildir)

    give_away(maildir)  # a Maildir we must not touch: refused before anything is removed
    refused = scanned("people", "remove", EMAIL, ok=False)
    assert refused.exit_code == 1 and "belongs to another user" in refused.output
    assert EMAIL in scanned("people", "list").output and maildir_files(maildir) == before
    os.chown(maildir, 0, 0)

    result = scanned("people", "remove", EMAIL)
    assert "2 alert files deleted from the Maildir" in result.output
    assert maildir_files(maildir) == before - {f"cur/{his[0]}:2,S", f"tmp/{his[0]}.0123456789abcdef"}
    assert len(maildir_files(maildir)) == len(rows) - 1  # everyone else's alerts and the office's digest stay
