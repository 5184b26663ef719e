"""Retention (`watcher purge`) and removal (`watcher people remove`) on a database a real scan filled."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import findings as findings_store
from storage import open_database
from storage.people import save_enrolments
from storage.scans import AvatarState, save_profile, start_scan
from watcher import weeks
from watcher.config import Config
from watcher.models import Enrolment, Evidence, Profile
from watcher.removal import remove_person
from watcher.retention import purge

PACO = "pacohernandez.bsky.social"
EMAIL = "francisco.hernandez@svusd.example"
# Every spelling of him we could have written down; the impostor's own profile shows none of them.
TRACES = ("Francisco Hernández", "Francisco Hernandez", "Paco Hernández", EMAIL)


def connect(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "watcher.db")
    db.row_factory = sqlite3.Row
    return db


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def count(db: sqlite3.Connection, sql: str, *params) -> int:
    return db.execute(sql, params).fetchone()[0]


def test_purge_removes_old_observations_and_old_evidence_of_closed_findings_only(tmp_path, scanned):
    with connect(tmp_path) as db:
        loose = [
            r["id"] for r in db.execute("SELECT id FROM profiles WHERE id NOT IN (SELECT profile_id FROM findings)")
        ]
        found = [
            r["id"]
            for r in db.execute(
                "SELECT f.id FROM findings f WHERE EXISTS (SELECT 1 FROM evidence WHERE finding_id = f.id)"
            )
        ]
        assert len(loose) >= 3 and len(found) >= 5
        old_profile, recent_profile = loose[0], loose[1]
        old_avatar = db.execute("SELECT avatar_sha256 FROM profiles WHERE id = ?", [old_profile]).fetchone()[0]
        assert old_avatar
        db.execute("UPDATE profiles SET last_seen = ? WHERE id = ?", [days_ago(31), old_profile])
        db.execute("UPDATE profiles SET last_seen = ? WHERE id = ?", [days_ago(29), recent_profile])
        db.execute("UPDATE image_hashes SET created_at = ?", [days_ago(60)])
        # A finding's profile is never an observation to purge, however old.
        db.execute(
            "UPDATE profiles SET last_seen = ? WHERE id = (SELECT profile_id FROM findings WHERE id = ?)",
            [days_ago(400), found[0]],
        )
        resolved_old, dismissed_old, dismissed_recent, open_old = found[:4]
        db.execute(
            "UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ?", [days_ago(181), resolved_old]
        )
        db.execute(
            "UPDATE findings SET status = 'dismissed', reviewed_at = NULL, last_seen = ? WHERE id = ?",
            [days_ago(200), dismissed_old],
        )
        db.execute(
            "UPDATE findings SET status = 'dismissed', reviewed_at = ?, last_seen = ? WHERE id = ?",
            [days_ago(10), days_ago(300), dismissed_recent],
        )
        db.execute("UPDATE findings SET status = 'new', last_seen = ? WHERE id = ?", [days_ago(400), open_old])
        before = {
            "profiles": count(db, "SELECT COUNT(*) FROM profiles"),
            "evidence": count(db, "SELECT COUNT(*) FROM evidence"),
            "hashes": count(db, "SELECT COUNT(*) FROM image_hashes"),
        }
    db.close()

    dry = scanned("purge", "--dry-run").output
    assert dry.startswith("would delete 1 old observations, 2 evidence snapshots of closed findings,")
    with connect(tmp_path) as db:
        assert count(db, "SELECT COUNT(*) FROM profiles") == before["profiles"]
        assert count(db, "SELECT COUNT(*) FROM evidence") == before["evidence"]
        assert count(db, "SELECT COUNT(*) FROM image_hashes") == before["hashes"]
    db.close()

    done = scanned("purge").output
    assert done.replace("deleted", "would delete") == dry
    with connect(tmp_path) as db:
        assert count(db, "SELECT COUNT(*) FROM profiles WHERE id = ?", old_profile) == 0
        assert count(db, "SELECT COUNT(*) FROM profiles WHERE id = ?", recent_profile) == 1
        assert count(db, "SELECT COUNT(*) FROM profiles") == before["profiles"] - 1
        assert count(db, "SELECT COUNT(*) FROM findings") == len(found)  # findings are never purged
        for finding, kept in ((resolved_old, 0), (dismissed_old, 0), (dismissed_recent, 1), (open_old, 1)):
            assert count(db, "SELECT COUNT(*) FROM evidence WHERE finding_id = ?", finding) == kept, finding
        assert count(db, "SELECT COUNT(*) FROM evidence") == before["evidence"] - 2
        # The old observation's cached avatar hashes went with it; those of kept profiles stay.
        assert count(db, "SELECT COUNT(*) FROM image_hashes WHERE sha256 = ?", old_avatar) == 0
        kept_avatars = [r[0] for r in db.execute("SELECT avatar_sha256 FROM profiles WHERE avatar_sha256 IS NOT NULL")]
        assert kept_avatars and all(
            count(db, "SELECT COUNT(*) FROM image_hashes WHERE sha256 = ?", sha) == 1 for sha in kept_avatars
        )
    db.close()
    assert scanned("purge").output.startswith("deleted 0 old observations, 0 evidence snapshots")


def traces(tmp_path: Path) -> list[str]:
    """Where any spelling of the person or their e-mail occurs: every text and blob column of every table."""
    found = []
    with connect(tmp_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r["name"] for r in db.execute(f"PRAGMA table_info({table})")]
            for row in db.execute(f"SELECT * FROM {table}"):
                for column in columns:
                    value = row[column]
                    if isinstance(value, bytes):
                        value = _text_of(value)
                    if isinstance(value, str):
                        hits = [t for t in TRACES if t.casefold() in value.casefold()]
                        found += [f"{table}.{column}: {t}" for t in hits]
    db.close()
    return sorted(set(found))


def _text_of(blob: bytes) -> str:
    """An e-mail's decoded text (bodies may be base64), or the bytes as they are."""
    if not blob.startswith((b"MIME-Version", b"Subject", b"From", b"To", b"Content-", b"Message-ID", b"Date")):
        return blob.decode("utf-8", errors="ignore")
    message = BytesParser(policy=policy.default).parsebytes(blob)
    parts = [str(v) for v in message.values()]
    parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_people_remove_leaves_no_trace_but_an_anonymised_finding(tmp_path, scanned):
    tz = ZoneInfo("America/Los_Angeles")  # the demo config's
    start, _ = weeks.week_bounds(weeks.last_complete_week(tz), tz)
    with connect(tmp_path) as db:  # last week's findings, so that the communications office's digest names him
        db.execute("UPDATE findings SET first_seen = ?", [(start + timedelta(days=2)).astimezone(UTC).isoformat()])
    db.close()
    scanned("digest", "--send")
    with connect(tmp_path) as db:
        outbox = db.execute("SELECT id FROM outbox WHERE recipient = ?", [EMAIL]).fetchone()[0]
        db.execute(
            "INSERT INTO audit (at, actor, action, outbox_id, detail) VALUES (?, 'watcher', 'sent', ?, ?)",
            [days_ago(0), outbox, json.dumps({"to": EMAIL})],
        )
        db.execute(
            "INSERT INTO audit (at, actor, action, finding_id, detail) VALUES (?, ?, 'dismissed', 1, '{}')",
            [days_ago(0), EMAIL],
        )
        finding = db.execute(
            "SELECT f.id FROM findings f JOIN profiles p ON p.id = f.profile_id WHERE p.handle = ?", [PACO]
        ).fetchone()[0]
        others = count(db, "SELECT COUNT(*) FROM outbox WHERE recipient != ?", EMAIL)
        audit_left = count(db, "SELECT COUNT(*) FROM audit WHERE outbox_id IS NULL OR outbox_id != ?", outbox)
    db.close()
    before = traces(tmp_path)
    for where in (
        "outbox.message",
        "people.name",
        "people.email",
        "outbox.recipient",
        "query_state.query",
        "findings.evidence",
        "evidence.match",
        "audit.detail",
    ):
        assert any(t.startswith(where) for t in before), where

    result = scanned("people", "remove", EMAIL)
    assert result.output.startswith(f"removed {EMAIL}:")

    assert traces(tmp_path) == []
    with connect(tmp_path) as db:
        row = db.execute("SELECT person_id, kind, evidence, outbox_id FROM findings WHERE id = ?", [finding]).fetchone()
        assert row["person_id"] is None and row["kind"] == "impersonation" and row["outbox_id"] is None
        evidence = json.loads(row["evidence"])
        assert "matched_name" not in evidence and evidence["person_removed"] is True
        assert evidence["signals"] == ["name", "photo"] and evidence["reasons"]
        assert any("[removed]" in reason for reason in evidence["reasons"])
        shot = json.loads(db.execute("SELECT match FROM evidence WHERE finding_id = ?", [finding]).fetchone()[0])
        assert "matched_name" not in shot and shot["rule"] == "name+photo"
        # The rows about his message went; the review stays, without his address.
        assert count(db, "SELECT COUNT(*) FROM audit") == audit_left
        assert count(db, "SELECT COUNT(*) FROM audit WHERE actor = '[removed]' AND action = 'dismissed'") == 1
        assert count(db, "SELECT COUNT(*) FROM outbox WHERE recipient != ?", EMAIL) == others
        digest = db.execute("SELECT status, message FROM outbox WHERE kind = 'digest'").fetchone()
        assert digest["status"] == "sent" and b"text of this message was removed" in digest["message"]
        assert (
            count(
                db,
                "SELECT COUNT(*) FROM reference_views r LEFT JOIN people p ON p.id = r.person_id WHERE p.id IS NULL",
            )
            == 0
        )
    db.close()
    assert (
        scanned("people", "remove", EMAIL, ok=False).output.strip() == f"Error: no enrolled person with e-mail {EMAIL}"
    )
    scanned("evidence", str(finding), "--out", str(tmp_path / "e.html"))
    page = (tmp_path / "e.html").read_text(encoding="utf-8")
    assert "Paco Hern" in page  # what the impostor's profile shows stays…
    assert not any(t.casefold() in page.casefold() for t in TRACES)  # …nothing of ours about him does


def test_evidence_stored_by_older_versions_is_erased_and_reported_as_it_is(tmp_path):
    """Rows written by older versions carry other keys, nulls and non-lists: removing the person
    still works (it used to crash on a null ``reasons``), keeps what it does not own as stored, and
    the digest reads a null ``moderation`` as none rather than failing."""
    db = open_database(tmp_path / "watcher.db")
    save_enrolments(db, [Enrolment(name="Ana Ruiz Soto", email="ana@svusd.example")])
    (person_id,) = db.execute("SELECT id FROM people").fetchone()
    profile = Profile(source="bluesky", platform_id="did:plc:old", handle="anaruiz.bsky.social", display_name="Ana")
    profile_id = save_profile(db, profile, AvatarState(views=(), status="none"))
    old = {
        "rule": "name+photo",
        "matched_name": "Ana Ruiz Soto",
        "reasons": None,
        "logo_distance": 3,
        "moderation": None,
    }
    findings_store.record_finding(
        db, kind="impersonation", person_id=person_id, profile_id=profile_id, scan_id=start_scan(db, []), score=0.9,
        rule="name+photo", evidence=Evidence(rule="name+photo"),
    )  # fmt: skip
    db.execute("UPDATE findings SET evidence = ?", [json.dumps(old)])
    (finding,) = findings_store.list_findings(db)
    assert finding.evidence.moderation == () and finding.evidence.reasons == ()

    assert remove_person(db, "ana@svusd.example")["findings_anonymised"] == 1
    (stored,) = db.execute("SELECT evidence FROM findings").fetchone()
    assert json.loads(stored) == {
        "rule": "name+photo", "reasons": None, "logo_distance": 3, "moderation": None, "person_removed": True,
    }  # fmt: skip


def test_purge_forgets_the_web_fronts_old_counters(tmp_path):
    """Throttle events older than a day and spent sign-in links past their expiry go; recent ones stay."""
    db = open_database(tmp_path / "watcher.db")
    db["throttle"].insert_all([{"bucket": "sign-up:a", "at": days_ago(2)}, {"bucket": "sign-up:a", "at": days_ago(0)}])
    db["used_links"].insert_all([{"mac": "old", "expires": days_ago(3)}, {"mac": "new", "expires": days_ago(-1)}])
    counts = purge(Config(database=tmp_path / "watcher.db"), db)
    assert counts["web_counters"] == 2
    assert count(db.conn, "SELECT COUNT(*) FROM throttle") == 1
    assert [r[0] for r in db.execute("SELECT mac FROM used_links")] == ["new"]
