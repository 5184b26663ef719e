"""The outbox: queued with the alert state, delivered once even across a crash."""

from __future__ import annotations

import mailbox
from email import message_from_bytes, policy

from conftest import deliver

from storage import open_database
from storage import outbox as outbox_store
from watcher import pipeline
from watcher.config import load_config


def test_crash_between_handover_and_bookkeeping_makes_no_second_copy(scanned):
    config = load_config(scanned.config)
    db = open_database(config.database)
    box = mailbox.Maildir(config.email.maildir, create=False)
    delivered = len(box)
    assert delivered > 0 and outbox_store.outbox_counts(db) == {"sent": delivered}

    # As if the process died after writing the file but before marking it sent.
    db.execute("UPDATE outbox SET status = 'sending' WHERE id = 1")
    report = pipeline.deliver_outbox(config, db)
    assert report.sent == 1
    assert len(mailbox.Maildir(config.email.maildir, create=False)) == delivered
    assert outbox_store.outbox_counts(db) == {"sent": delivered}


def test_message_already_read_is_not_delivered_again(scanned):
    config = load_config(scanned.config)
    db = open_database(config.database)
    new = config.email.maildir / "new"
    first = sorted(new.iterdir())[0]
    first.rename(config.email.maildir / "cur" / (first.name + ":2,S"))  # a mail reader marked it read
    db.execute("UPDATE outbox SET status = 'sending'")
    pipeline.deliver_outbox(config, db)
    assert len(mailbox.Maildir(config.email.maildir, create=False)) == outbox_store.outbox_counts(db)["sent"]


def test_failed_delivery_is_kept_and_retried_later(queued):
    config = load_config(queued.config)
    config.email.maildir.parent.mkdir(parents=True, exist_ok=True)
    config.email.maildir.write_text("not a folder")  # the maildir cannot be created
    assert "to retry" in deliver(queued)
    db = open_database(config.database)
    counts = outbox_store.outbox_counts(db)
    assert set(counts) == {"pending"}
    row = next(iter(db.query("SELECT attempts, last_error, next_attempt_at FROM outbox")))
    assert row["attempts"] == 1 and "cannot write to maildir" in row["last_error"] and row["next_attempt_at"]
    assert outbox_store.due_messages(db) == []  # backing off

    config.email.maildir.unlink()
    db.execute("UPDATE outbox SET next_attempt_at = NULL")
    report = pipeline.deliver_outbox(config, db)
    assert report.sent == counts["pending"]
    assert len(mailbox.Maildir(config.email.maildir, create=False)) == report.sent


def test_gives_up_after_max_attempts(scanned):
    config = load_config(scanned.config)
    db = open_database(config.database)
    db.execute("UPDATE outbox SET status = 'sending' WHERE id IN (1, 2)")  # as claimed by a delivery run
    assert outbox_store.mark_failed(db, 1, "boom", permanent=False, attempts=outbox_store.MAX_ATTEMPTS) == "dead"
    assert outbox_store.mark_failed(db, 2, "550 no such user", permanent=True, attempts=1) == "dead"
    assert outbox_store.outbox_counts(db)["dead"] == 2


def test_a_claimed_message_is_left_alone_by_other_processes_until_its_lease_ends(scanned):
    config = load_config(scanned.config)
    db = open_database(config.database)
    sent = outbox_store.outbox_counts(db)["sent"]
    db.execute("UPDATE outbox SET status = 'pending', next_attempt_at = NULL WHERE id = 1")
    assert outbox_store.claim(db, 1)  # another process is handing it over now
    assert not outbox_store.claim(db, 1, force=True) and 1 not in [r["id"] for r in outbox_store.due_messages(db)]
    report = pipeline.deliver_outbox(config, db, force=True)
    assert report.sent == 0 and len(mailbox.Maildir(config.email.maildir, create=False)) == sent
    outbox_store.mark_sent(db, 1)  # the other process finishes; a late failure report changes nothing
    assert outbox_store.mark_failed(db, 1, "late", permanent=True, attempts=1) == "sent"
    db.execute("UPDATE outbox SET status = 'sending', next_attempt_at = '2000-01-01T00:00:00+00:00' WHERE id = 1")
    assert pipeline.deliver_outbox(config, db).sent == 1  # a claim whose lease ended: its process died
    assert len(mailbox.Maildir(config.email.maildir, create=False)) == sent


def test_findings_are_alerted_once_even_if_two_runs_race(scanned):
    config = load_config(scanned.config)
    db = open_database(config.database)
    sql = "SELECT f.id, o.message FROM findings f JOIN outbox o ON o.id = f.outbox_id"
    finding_id, message = db.execute(sql).fetchone()
    again = message_from_bytes(message, policy=policy.default)
    del again["Message-ID"]
    again["Message-ID"] = "<another@svusd.example>"
    assert outbox_store.enqueue_alert(db, again, {finding_id: ["name"]}) is None
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE message_id = '<another@svusd.example>'").fetchone()[0] == 0


def test_an_alert_about_nothing_is_never_queued(tmp_path):
    """Race: the delivery job and a scan queue alerts at once; the one that lost the race lists no
    unalerted findings for the person, and an e-mail saying "0 accounts found" was queued."""
    from email.message import EmailMessage

    db = open_database(tmp_path / "watcher.db")
    message = EmailMessage()
    message["To"], message["Subject"], message["Message-ID"] = "a@district.example", "alert", "<1@district.example>"
    message.set_content("x")
    assert outbox_store.enqueue_alert(db, message, {}, person_id=None) is None
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
