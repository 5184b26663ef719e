"""The weekly digest: real scans, real SQLite, the real CLI, read back from the Maildir."""

from __future__ import annotations

import dataclasses
import json
import mailbox
import re
import socket
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest

from notifications.digest_mail import digest_context
from storage import open_database
from watcher.config import load_config
from watcher.models import Coverage, EnrolmentCounts, Finding, WeekReport
from watcher.weeks import last_complete_week, parse_week, week_bounds

TZ = ZoneInfo("America/Los_Angeles")  # the demo config's time zone
RULES = ("photo", "name+photo", "name+affiliation", "logo")
SECTIONS = (
    "NEW IMPERSONATION",
    "OPEN IMPERSONATION",
    "RESOLVED THIS WEEK",
    "LOGO MISUSE",
    "STAFF SEARCHED",
    "SCAN COVERAGE",
)


def moment(week: str, day: int, hour: int = 12) -> str:
    """A stored (UTC ISO) time: ``day`` days after the week's Monday, at ``hour`` in the district."""
    local = datetime.combine(parse_week(week) + timedelta(days=day), time(hour), tzinfo=TZ)
    return local.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


def previous(week: str) -> str:
    iso = (parse_week(week) - timedelta(days=7)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def section(text: str, title: str) -> str:
    """The lines of the plain-text digest under the heading starting with ``title``."""
    start = text.index("\n" + title) + 1
    ends = [text.index("\n" + other, start) for other in SECTIONS if ("\n" + other) in text[start:]]
    return text[start : min(ends, default=len(text))]


def digests(config) -> list:
    box = mailbox.Maildir(config.email.maildir, create=False)
    messages = [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
    return [m for m in messages if str(m["Subject"]).startswith("Identity Watch weekly digest")]


@pytest.fixture
def last_week(scanned):
    """The sample world's scan, its findings and run moved into the last complete week (Wednesday)."""
    config = load_config(scanned.config)
    db = open_database(config.database)
    week = last_complete_week(TZ)
    db.execute("UPDATE findings SET first_seen = ?", [moment(week, 2)])
    db.execute("UPDATE scan_runs SET started_at = ?", [moment(week, 2)])
    db.conn.commit()
    return scanned, config, db, week


def test_digest_lists_the_weeks_new_findings_and_counts(last_week):
    watcher, _, db, week = last_week
    rows = list(
        db.query("SELECT f.id, f.kind, f.rule, pr.handle FROM findings f JOIN profiles pr ON pr.id = f.profile_id")
    )
    older = next(r for r in rows if r["kind"] == "impersonation")
    db.execute("UPDATE findings SET first_seen = ? WHERE id = ?", [moment(previous(week), 1), older["id"]])
    db.conn.commit()
    this_week = [r for r in rows if r["id"] != older["id"]]
    impostors = [r for r in this_week if r["kind"] == "impersonation"]
    logos = [r for r in this_week if r["kind"] == "logo_misuse"]
    assert impostors and logos

    text = watcher("digest").output  # default: the last complete week
    assert text.startswith(f"Subject: Identity Watch weekly digest {week}: {len(this_week)} new findings\n"), (
        text.splitlines()[0]
    )
    assert f"New findings: {len(this_week)} ({len(impostors)} impersonation, {len(logos)} logo misuse)" in text
    rules = [f"{sum(r['rule'] == rule for r in this_week)} {rule}" for rule in RULES]
    assert f"  by rule: {', '.join(rules)}\n" in text
    new = section(text, "NEW IMPERSONATION")
    assert f"({len(impostors)})" in new.splitlines()[0]
    assert all(f"@{r['handle']} " in new for r in impostors)
    assert f"@{older['handle']} " not in new  # first seen the week before: not new
    still_open = section(text, "OPEN IMPERSONATION")
    assert f"@{older['handle']} " in still_open and "open 12 days" in still_open
    assert all(f"@{r['handle']} " in section(text, "LOGO MISUSE") for r in logos)
    assert not list(db.query("SELECT id FROM outbox WHERE kind = 'digest'"))  # a preview queues nothing


def test_sent_once_per_week_and_recipient(last_week):
    watcher, config, db, week = last_week
    toml = config.path.read_text()
    config.path.write_text(
        toml.replace('to = ["communications@svusd.example"]', 'to = ["a@svusd.example", "b@svusd.example"]')
    )
    first = watcher("digest", "--week", week.lower(), "--send")
    assert first.output == f"digest {week} sent to 2 recipients: a@svusd.example, b@svusd.example\n"
    second = watcher("digest", "--send")  # the default week is the same one
    assert second.output.splitlines() == [
        f"digest {week} was already sent to a@svusd.example (nothing sent)",
        f"digest {week} was already sent to b@svusd.example (nothing sent)",
    ]
    messages = digests(load_config(config.path))
    assert sorted(str(m["To"]) for m in messages) == ["a@svusd.example", "b@svusd.example"]
    for message in messages:
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["From"] == "Identity Watch <watch@svusd.example>"
        assert message["Message-ID"] and message["Date"]
        html = message.get_body(("html",)).get_content()
        assert "<table" in html and "<img" not in html and "<link" not in html and "<script" not in html
        assert message.get_body(("plain",)).get_content().startswith(f"Identity Watch weekly digest {week}")
    keys = [r["dedupe_key"] for r in db.query("SELECT dedupe_key FROM outbox WHERE kind = 'digest'")]
    assert sorted(keys) == [f"digest:{week}:a@svusd.example", f"digest:{week}:b@svusd.example"]


def test_hostile_display_name_is_escaped_and_kept_out_of_headers(last_week):
    watcher, config, db, week = last_week
    hostile = "<script>alert(1)</script>\r\nBcc: victim@evil.example\r\n\u202egnp.exe " + "A" * 5000
    profile_id = db.execute("SELECT profile_id FROM findings WHERE kind = 'impersonation' LIMIT 1").fetchone()[0]
    db.execute("UPDATE profiles SET display_name = ?, handle = ? WHERE id = ?", [hostile, "<b>x</b>", profile_id])
    db.conn.commit()
    watcher("digest", "--week", week, "--send")
    (message,) = digests(config)
    assert message["Bcc"] is None
    for name, value in message.items():
        assert "script" not in value and "victim" not in value and "\u202e" not in value, name
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    text = message.get_body(("plain",)).get_content()
    assert not any(line.startswith("Bcc:") for line in (html + text).splitlines())
    assert "\u202e" not in html + text and "\r" not in text
    assert "A" * 100 not in html + text  # shortened
    assert len(message.as_bytes()) < 100_000


def test_resolved_finding_shows_with_its_lifetime(last_week):
    watcher, _, db, week = last_week
    gone, later = db.execute("SELECT f.id FROM findings f WHERE kind = 'impersonation' LIMIT 2").fetchall()
    handle = "SELECT handle FROM profiles WHERE id = (SELECT profile_id FROM findings WHERE id = ?)"
    gone_handle, later_handle = (db.execute(handle, [row[0]]).fetchone()[0] for row in (gone, later))
    db.execute(
        "UPDATE findings SET status = 'resolved', first_seen = ?, resolved_at = ? WHERE id = ?",
        [moment(previous(week), 0, 9), moment(week, 3, 9), gone[0]],
    )
    # Resolved only after the week: it was still open at the week's end.
    db.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ?",
        [moment(week, 9), later[0]],
    )
    db.conn.commit()
    text = watcher("digest", "--week", week).output
    resolved = section(text, "RESOLVED THIS WEEK")
    assert "(1)" in resolved.splitlines()[0]
    assert f"@{gone_handle} " in resolved and "lived 10 days" in resolved
    assert f"@{gone_handle} " not in section(text, "OPEN IMPERSONATION")
    assert f"@{later_handle} " in section(text, "OPEN IMPERSONATION") and f"@{later_handle} " not in resolved
    assert "Resolved this week (profile gone): 1" in text


def test_dismissed_findings_are_not_open(last_week):
    watcher, _, db, week = last_week
    finding_id, handle = db.execute(
        "SELECT f.id, pr.handle FROM findings f JOIN profiles pr ON pr.id = f.profile_id WHERE kind = 'impersonation'"
    ).fetchone()
    before = section(watcher("digest", "--week", week).output, "OPEN IMPERSONATION")
    db.execute("UPDATE findings SET status = 'dismissed' WHERE id = ?", [finding_id])
    db.conn.commit()
    after = section(watcher("digest", "--week", week).output, "OPEN IMPERSONATION")
    assert f"@{handle} " in before and f"@{handle} " not in after


def test_coverage_matches_the_weeks_scan_runs(last_week):
    watcher, config, db, week = last_week
    # The second scan cannot reach Mastodon (nothing listens there any more): its queries end as unknown.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/social"
    config.path.write_text(config.path.read_text().replace(config.source("mastodon").base_url, closed))
    watcher("scan")
    db.execute("UPDATE scan_runs SET started_at = ? WHERE id = 2", [moment(week, 4)])
    watcher("scan")  # this week's: not in last week's digest
    db.conn.commit()
    runs = list(db.query("SELECT * FROM scan_runs WHERE id <= 2"))
    stats = [json.loads(r["source_stats"]) for r in runs]
    assert stats[1]["mastodon"]["unknown"] and stats[1]["mastodon"]["gave_up"]
    text = watcher("digest", "--week", week).output
    coverage = section(text, "SCAN COVERAGE")
    assert "Scans: 2 (1 ok, 1 partial)" in coverage
    queries, profiles = sum(r["queries"] for r in runs), sum(r["profiles_seen"] for r in runs)
    assert f"Queries: {queries}, profiles checked: {profiles}" in coverage
    for source in ("bluesky", "mastodon"):
        line = next(line for line in coverage.splitlines() if line.startswith(f"- {source}:"))
        assert f"2 scans, {sum(s[source]['queries'] for s in stats)} queries" in line
        assert f"{sum(s[source]['profiles'] for s in stats)} profiles" in line
    unavailable = stats[1]["mastodon"]["unknown"]["unavailable"]
    assert f"unknown: {unavailable} unavailable" in coverage and "stopped in 1 scans" in coverage
    problems = [p for r in runs for p in json.loads(r["problems"]) if p["source"] == "mastodon"]
    assert f"- mastodon: unavailable x{sum(p['reason'] == 'unavailable' for p in problems)}" in coverage
    assert "Enrolled: 8, opted in to alerts: 7, opted out: 1" in text


def test_long_lists_are_capped(last_week):
    watcher, _, db, week = last_week
    person_id, profile_id = db.execute(
        "SELECT person_id, profile_id FROM findings WHERE kind = 'impersonation'"
    ).fetchone()
    db.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
           INSERT INTO findings (finding_key, kind, person_id, profile_id, score, rule, status, first_seen, last_seen)
           SELECT 'copy:' || i, 'impersonation', ?, ?, 0.5, 'name+affiliation', 'new', ?, ? FROM n""",
        [person_id, profile_id, moment(week, 1), moment(week, 1)],
    )
    db.conn.commit()
    text = watcher("digest", "--week", week).output
    new = section(text, "NEW IMPERSONATION")
    total = db.execute("SELECT COUNT(*) FROM findings WHERE kind = 'impersonation'").fetchone()[0]
    assert f"({total})" in new.splitlines()[0]
    assert len(re.findall(r"^- ", new, re.M)) == 200 and f"... and {total - 200} more" in new
    possible = db.execute("SELECT COUNT(*) FROM findings WHERE score < 0.6").fetchone()[0]
    assert f", {possible} possible\n" in text


@pytest.mark.parametrize("week", ["2026-W99", "2025-W53", "2026-48", "last week", "2026-W4\n8"])
def test_bad_week_is_a_one_line_error(enrolled, week):
    result = enrolled("digest", "--week", week, ok=False)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and result.output.startswith("Error: week ")


def test_send_needs_recipients_and_a_finished_week(tmp_path, enrolled):
    toml = enrolled.config.read_text()
    enrolled.config.write_text(toml.replace('to = ["communications@svusd.example"]', "to = []"))
    result = enrolled("digest", "--send", ok=False)
    assert result.exit_code == 1 and result.output == (
        "Error: no digest recipients: set to = [...] under [digest] in the config file\n"
    )
    assert enrolled("digest").output.startswith("Subject: ")  # a preview needs no recipients
    enrolled.config.write_text(toml)
    this_week = parse_week(last_complete_week(TZ)) + timedelta(days=7)
    iso = this_week.isocalendar()
    result = enrolled("digest", "--week", f"{iso.year}-W{iso.week:02d}", "--send", ok=False)
    assert result.exit_code == 1 and "is not over yet" in result.output


@pytest.mark.parametrize(
    ("now", "week"),
    [
        ("2026-11-30T00:30:00-08:00", "2026-W48"),  # Monday just after midnight in the district
        ("2026-11-30T07:00:00+00:00", "2026-W47"),  # Monday in UTC, still Sunday in the district
        ("2026-11-29T23:59:00-08:00", "2026-W47"),
        ("2027-01-04T09:00:00-08:00", "2026-W53"),  # 2026 has 53 ISO weeks
        ("2026-01-05T09:00:00-08:00", "2026-W01"),
    ],
)
def test_default_week_is_the_last_complete_one_in_the_district(now, week):
    assert last_complete_week(TZ, datetime.fromisoformat(now)) == week


def test_weeks_are_counted_in_the_district_time_zone(last_week):
    watcher, _, db, week = last_week
    finding_id, handle = db.execute(
        "SELECT f.id, pr.handle FROM findings f JOIN profiles pr ON pr.id = f.profile_id WHERE kind = 'impersonation'"
    ).fetchone()
    # Sunday 23:00 in Los Angeles is already Monday in UTC: it belongs to the week that ends that Sunday.
    db.execute("UPDATE findings SET first_seen = ? WHERE id = ?", [moment(previous(week), 6, 23), finding_id])
    db.conn.commit()
    assert f"@{handle} " in section(watcher("digest", "--week", previous(week)).output, "NEW IMPERSONATION")
    assert f"@{handle} " not in section(watcher("digest", "--week", week).output, "NEW IMPERSONATION")


def test_ages_are_elapsed_time_and_days_are_the_districts_across_a_clock_change():
    """A preview of a week not over, across the spring clock change (New York, 8 March 2026): an
    impostor first seen 23 hours before is "23 hours" old, not 24, and its day is the district's."""
    zone = ZoneInfo("America/New_York")
    start, end = week_bounds("2026-W10", zone)
    finding = Finding(
        id=1, kind="impersonation", person_email="a@svusd.example", source="bluesky", handle="a.bsky.social",
        display_name="A", profile_url="", score=0.9, status="new", rule="name+photo",
        first_seen="2026-03-07T12:00:00+00:00",
    )  # fmt: skip
    report = WeekReport("2026-W10", start, end, [finding], [finding], [], Coverage(), EnrolmentCounts(1, 1))
    context = digest_context(report, district="SVUSD", now=datetime(2026, 3, 8, 11, 30, tzinfo=UTC))
    (row,) = context["new"]["rows"]
    assert (row["age"], row["first_seen"]) == ("23 hours", "2026-03-07")
    late = dataclasses.replace(finding, first_seen="2026-03-08T04:30:00+00:00")  # 23:30 on the 7th in New York
    report = dataclasses.replace(report, new=[late], open=[late])
    (row,) = digest_context(report, district="SVUSD", now=datetime(2026, 3, 8, 11, 30, tzinfo=UTC))["new"]["rows"]
    assert (row["age"], row["first_seen"]) == ("7 hours", "2026-03-07")
