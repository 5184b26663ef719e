"""The findings lifecycle: re-checks that resolve and reopen, review, the audit trail, filters.

Scans run through the real CLI against the local Bluesky and Mastodon stand-ins; profiles are
removed, taken down or suspended on those servers between scans. Each adapter's ``fetch`` alone
is tested in that adapter's test file.
"""

from __future__ import annotations

import getpass
import io
import json
import mailbox
import sqlite3
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from conftest import Watcher, write_config, write_roster
from PIL import Image

from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.portraits import jpeg, recompressed
from watcher.demo.sample import OFFICIAL, roster_rows
from watcher.demo.server import send_json

MARIA = "maria.garcia@svusd.example"
AISHA = "aisha.rahman@svusd.example"
MARIA_IMPOSTOR = "maria-garcia-noble.bsky.social"
AISHA_IMPOSTOR = "aisha_rahman"


class FlakyAppView(FakeAppView):
    """The AppView stand-in, whose getProfile a test can make fail as a real server does under load."""

    fail: tuple[int, dict[str, str]] | None = None

    def route(self, request, path, params) -> bool:
        if self.fail is not None and path.endswith("/xrpc/app.bsky.actor.getProfile"):
            status, headers = self.fail
            send_json(request, status, {"error": "InternalServerError", "message": "Internal Server Error"}, headers)
            return True
        return super().route(request, path, params)


@dataclass
class Small:
    """Two enrolled people, their impostors and a namesake on each platform, the real CLI."""

    watcher: Watcher
    appview: FlakyAppView
    mastodon: FakeMastodon
    folder: Path

    def scan(self) -> dict:
        return json.loads(self.watcher("scan", "--json").output)

    def findings(self, *args: str) -> list[dict]:
        return json.loads(self.watcher("findings", "--json", *args).output)

    def finding(self, source: str) -> dict:
        (found,) = [f for f in self.findings("--source", source) if f["kind"] == "impersonation"]
        return found

    def audit(self) -> list[dict]:
        db = sqlite3.connect(self.folder / "watcher.db")
        db.row_factory = sqlite3.Row
        rows = [dict(row) | {"detail": json.loads(row["detail"])} for row in db.execute("SELECT * FROM audit")]
        db.close()
        return rows

    def mails(self) -> list:
        return maildir(self.folder)

    def profile_requests(self) -> list[str]:
        return [r for r in self.appview.requests if "getProfile" in r]


def maildir(folder: Path) -> list:
    box = mailbox.Maildir(folder / "outbox", create=False)
    return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in sorted(box.keys())]


@pytest.fixture
def small(tmp_path, world):
    # With the district's official account, which every scan checks that search still returns.
    actors = [
        deepcopy(a) for a in world.actors if a["handle"] in (MARIA_IMPOSTOR, "mariagarcia-madrid.bsky.social", OFFICIAL)
    ]
    accounts = [deepcopy(a) for a in world.mastodon if a["username"] in (AISHA_IMPOSTOR, "mgarcia")]
    # Bios that do not name the district: no costly look for logos, the photo still matches.
    for record in actors:
        record["description"] = "Teacher. Views my own."
    for record in accounts:
        record["note"] = "<p>Teacher. Views my own.</p>"
    with (
        FlakyAppView(actors, world.images) as appview,
        FakeMastodon(accounts, world.mastodon_images, prefix="/social") as mastodon,
    ):
        watcher = Watcher(write_config(tmp_path, appview.base_url, mastodon.base_url))
        rows = [r for r in roster_rows(world) if r["email"] in (MARIA, AISHA)]
        watcher("people", "import", str(write_roster(tmp_path, world, rows)))
        yield Small(watcher, appview, mastodon, tmp_path)


def take_out(actors: list[dict], handle: str) -> dict:
    actor = next(a for a in actors if a["handle"] == handle)
    actors.remove(actor)
    return actor


# --- re-checks through whole scans ---------------------------------------------------------------


def test_a_removed_profile_is_resolved_after_two_scans_and_reopened_when_it_comes_back(small):
    small.scan()
    first = small.finding("bluesky")
    assert (first["status"], first["missing_count"], first["resolved_at"]) == ("alerted", 0, None)
    mails = len(small.mails())

    # Still in the search results: counted as found, never asked for again.
    report = small.scan()
    assert report["by_source"]["bluesky"]["rechecked"] == 0 and small.profile_requests() == []
    assert small.finding("bluesky")["last_checked_at"] is not None

    impostor = take_out(small.appview.actors, MARIA_IMPOSTOR)
    report = small.scan()
    stats = report["by_source"]["bluesky"]
    assert (stats["rechecked"], stats["recheck_gone"], stats["resolved"]) == (1, 1, 0)
    assert small.profile_requests() == [f"/bsky/xrpc/app.bsky.actor.getProfile?actor={quote(impostor['did'])}"]
    once = small.finding("bluesky")
    assert (once["status"], once["missing_count"], once["resolved_at"]) == ("alerted", 1, None)  # one miss is not proof

    report = small.scan()
    assert report["by_source"]["bluesky"]["resolved"] == 1
    twice = small.finding("bluesky")
    assert (twice["status"], twice["missing_count"]) == ("resolved", 2) and twice["resolved_at"]
    assert small.findings("--status", "resolved") == [twice]
    (resolved,) = [a for a in small.audit() if a["action"] == "resolved"]
    assert resolved["actor"] == "watcher" and resolved["finding_id"] == first["id"]
    assert resolved["detail"]["from"] == "alerted"

    small.appview.actors.append(impostor)
    report = small.scan()
    assert report["by_source"]["bluesky"]["reopened"] == 1
    back = small.finding("bluesky")
    assert (back["status"], back["missing_count"], back["resolved_at"]) == ("alerted", 0, None)
    (reopened,) = [a for a in small.audit() if a["action"] == "reopened"]
    assert reopened["actor"] == "watcher" and reopened["detail"]["to"] == "alerted"
    assert len(small.mails()) == mails  # its person was told already: no second alert


# Bluesky's moderation service (``BSKY_LABELER_DID`` in atproto's packages/api/src/const.ts).
MODERATION_SERVICE = "did:plc:ar7c4by46qjdydhdevvrndac"


def impersonation_label(did: str) -> dict:
    """A label as ``com.atproto.label.defs#label`` describes it, applied by Bluesky's moderation service."""
    return {"ver": 1, "src": MODERATION_SERVICE, "uri": did, "val": "impersonation", "cts": "2026-11-20T00:00:00.000Z"}


def test_a_moderation_label_that_appears_later_counts_like_a_takedown(small):
    small.scan()
    impostor = next(a for a in small.appview.actors if a["handle"] == MARIA_IMPOSTOR)
    impostor["labels"] = [impersonation_label(impostor["did"])]
    small.scan()
    assert (small.finding("bluesky")["status"], small.finding("bluesky")["missing_count"]) == ("alerted", 1)
    small.scan()
    assert small.finding("bluesky")["status"] == "resolved"
    (resolved,) = [a for a in small.audit() if a["action"] == "resolved"]
    assert resolved["detail"]["why"] == "the platform's moderators marked the profile (impersonation) 2 times in a row"


def test_a_finding_on_a_labelled_profile_shows_the_platforms_verdict(small):
    impostor = next(a for a in small.appview.actors if a["handle"] == MARIA_IMPOSTOR)
    impostor["labels"] = [impersonation_label(impostor["did"])]
    small.scan()
    finding = small.finding("bluesky")
    assert finding["status"] == "alerted" and finding["evidence"]["moderation"] == ["impersonation"]
    (mail,) = [m for m in small.mails() if m["To"] == MARIA]
    assert (
        "the platform's moderators have marked this account: impersonation" in mail.get_body(("plain",)).get_content()
    )


@pytest.mark.parametrize("how", ["taken_down", "deactivated"])
def test_a_taken_down_or_deactivated_account_is_resolved(small, how):
    small.scan()
    impostor = next(a for a in small.appview.actors if a["handle"] == MARIA_IMPOSTOR)
    getattr(small.appview, how).add(impostor["did"])
    small.scan()
    assert small.finding("bluesky")["status"] == "alerted"
    small.scan()
    assert small.finding("bluesky")["status"] == "resolved"


@pytest.mark.parametrize(
    "status, headers, reason",
    [(500, {}, "unavailable"), (502, {}, "unavailable"), (429, {"Retry-After": "3600"}, "rate_limited")],
)
def test_no_answer_on_a_recheck_leaves_the_finding_as_it_was(small, status, headers, reason):
    small.scan()
    take_out(small.appview.actors, MARIA_IMPOSTOR)
    small.appview.fail = (status, headers)
    before = small.finding("bluesky")
    for _ in range(2):  # unknown twice is still not gone
        report = small.scan()
        assert report["by_source"]["bluesky"]["recheck_unknown"] == {reason: 1}
        assert report["status"] == "partial"
        assert any(p.get("recheck") == f"@{MARIA_IMPOSTOR}" for p in report["problems"])
        after = small.finding("bluesky")
        assert after["last_checked_at"] >= (before["last_checked_at"] or "")  # asked: to the back of the queue
        assert {k: v for k, v in after.items() if k != "last_checked_at"} == {
            k: v for k, v in before.items() if k != "last_checked_at"
        }


def test_an_unknown_answer_neither_counts_nor_resets_the_misses(small):
    small.scan()
    take_out(small.appview.actors, MARIA_IMPOSTOR)
    small.scan()
    assert small.finding("bluesky")["missing_count"] == 1
    small.appview.fail = (502, {})
    output = small.watcher("scan").output
    assert "bluesky: 1 profiles re-checked (0 gone, 1 unknown), 0 findings resolved, 0 reopened" in output
    assert small.finding("bluesky")["missing_count"] == 1
    small.appview.fail = None
    small.scan()
    assert small.finding("bluesky")["status"] == "resolved"


@pytest.mark.parametrize("how", ["removed", "suspended"])
def test_a_removed_or_suspended_mastodon_account_is_resolved(small, how):
    small.scan()
    assert small.finding("mastodon")["status"] == "alerted"
    account = next(a for a in small.mastodon.accounts if a["username"] == AISHA_IMPOSTOR)
    if how == "removed":
        small.mastodon.accounts.remove(account)
    else:
        small.mastodon.suspended.add(account["id"])
    small.scan()
    assert f"/social/api/v1/accounts/{account['id']}" in small.mastodon.requests
    once = small.finding("mastodon")
    assert (once["status"], once["missing_count"]) == ("alerted", 1)
    small.scan()
    assert small.finding("mastodon")["status"] == "resolved"
    assert small.finding("bluesky")["status"] == "alerted"  # the other platform's finding is untouched


def test_a_profile_found_only_by_recheck_is_matched_again(small):
    """Search no longer returns it (renamed away from the name), but its new evidence is recorded."""
    small.scan()
    before = small.finding("bluesky")
    impostor = next(a for a in small.appview.actors if a["handle"] == MARIA_IMPOSTOR)
    impostor["handle"] = "mxq.bsky.social"  # no longer found by her name; the photo still matches
    impostor["displayName"] = "Mx Q"
    report = small.scan()
    assert report["by_source"]["bluesky"]["rechecked"] == 1
    after = small.finding("bluesky")
    assert (after["id"], after["handle"], after["display_name"]) == (before["id"], "mxq.bsky.social", "Mx Q")
    assert after["evidence"]["rule"] == "photo" != before["evidence"]["rule"]
    assert after["missing_count"] == 0 and after["status"] == "alerted"


# --- review and the audit trail ---------------------------------------------------------------


def test_review_confirm_dismiss_reopen_with_audit_rows_and_one_line_errors(small):
    small.scan()
    finding = small.finding("bluesky")
    fid = str(finding["id"])
    run = small.watcher

    assert (
        "alerted -> confirmed" in run("review", fid, "confirm", "--note", "Maria says not her", "--by", "comms").output
    )
    confirmed = small.finding("bluesky")
    assert confirmed["status"] == "confirmed" and confirmed["reviewed_at"]
    assert confirmed["review_note"] == "Maria says not her"

    for args, message in [
        ((fid, "confirm"), f"finding {fid} is already confirmed"),
        (("9999", "dismiss"), "no finding with id 9999"),
    ]:
        result = run("review", *args, ok=False)
        assert result.exit_code == 1 and result.output.strip() == f"Error: {message}"

    assert "confirmed -> dismissed" in run("review", fid, "dismiss").output
    result = run("review", fid, "confirm", ok=False)
    assert result.exit_code == 1 and "cannot confirm" in result.output and "it is dismissed" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "dismissed -> alerted" in run("review", fid, "reopen", "--by", "comms").output
    result = run("review", fid, "reopen", ok=False)
    assert result.exit_code == 1 and "cannot reopen" in result.output and "it is alerted" in result.output
    assert run("review", "x", "confirm", ok=False).exit_code == 2  # click's own one-line usage error

    reviews = [a for a in small.audit() if a["finding_id"] == finding["id"]]
    assert [(a["action"], a["actor"]) for a in reviews] == [
        ("confirmed", "comms"),
        ("dismissed", getpass.getuser()),
        ("reopened", "comms"),
    ]
    assert reviews[0]["detail"] == {"from": "alerted", "to": "confirmed", "note": "Maria says not her"}
    assert reviews[2]["detail"] == {"from": "dismissed", "to": "alerted"}


def test_a_dismissed_finding_stays_quiet_until_the_photo_starts_matching(tmp_path, world):
    maria = Image.open(io.BytesIO(world.photos[MARIA])).convert("RGB")
    actor = {
        "did": "did:plc:quiet",
        "handle": "msgarcia-noble.bsky.social",
        "displayName": "Maria Garcia",
        "description": "Maestra at Noble Avenue Elementary",
    }
    with FakeAppView([actor], {"/img/q.jpg": jpeg(recompressed(maria))}) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        rows = [r for r in roster_rows(world) if r["email"] == MARIA]
        watcher("people", "import", str(write_roster(tmp_path, world, rows)))
        watcher("scan")
        (finding,) = json.loads(watcher("findings", "--json").output)
        assert finding["status"] == "alerted" and "photo" not in finding["evidence"]["signals"]
        assert len(maildir(tmp_path)) == 1
        watcher("review", str(finding["id"]), "dismiss", "--note", "a namesake")

        watcher("scan")
        (again,) = json.loads(watcher("findings", "--json").output)
        assert again["status"] == "dismissed" and len(maildir(tmp_path)) == 1

        actor["avatar"] = "/img/q.jpg"  # now it wears her photo: a material change
        watcher("scan")
        (changed,) = json.loads(watcher("findings", "--json").output)
        assert "photo" in changed["evidence"]["signals"] and changed["status"] == "alerted"
        mails = maildir(tmp_path)
        assert len(mails) == 2
        assert "Update on a profile we told you about before" in mails[1].get_body(("plain",)).get_content()


def test_every_email_sent_has_an_audit_row(small):
    small.scan()
    week = (datetime.now(ZoneInfo("America/Los_Angeles")) - timedelta(days=7)).strftime("%G-W%V")
    small.watcher("digest", "--week", week, "--send")
    db = sqlite3.connect(small.folder / "watcher.db")
    sent = {
        row[0]: (row[1], row[2]) for row in db.execute("SELECT id, kind, recipient FROM outbox WHERE status='sent'")
    }
    db.close()
    assert {kind for kind, _ in sent.values()} == {"alert", "digest"}
    rows = [a for a in small.audit() if a["action"] == "email_sent"]
    assert {a["outbox_id"]: (a["detail"]["kind"], a["detail"]["recipient"]) for a in rows} == sent
    assert len(rows) == len(sent) == len(small.mails()) and {a["actor"] for a in rows} == {"watcher"}


# --- the findings filters ----------------------------------------------------------------------


def test_findings_filters_combine_with_json_and_csv(scanned):
    everything = json.loads(scanned("findings", "--json").output)
    assert all({"resolved_at", "reviewed_at", "missing_count"} <= set(f) for f in everything)

    def listed(*args: str) -> list[dict]:
        return json.loads(scanned("findings", "--json", *args).output)

    def where(**want) -> list[dict]:
        return [f for f in everything if all(f[k] == v for k, v in want.items())]

    assert listed("--kind", "logo_misuse") == where(kind="logo_misuse") != []
    assert listed("--source", "mastodon") == where(source="mastodon") != []
    assert listed("--person", MARIA.upper()) == where(person=MARIA) != []
    combined = listed("--kind", "impersonation", "--source", "bluesky", "--status", "alerted")
    assert combined == where(kind="impersonation", source="bluesky", status="alerted") != []
    assert len(combined) < len(everything)

    scanned("review", str(combined[0]["id"]), "dismiss")
    assert [f["id"] for f in listed("--status", "dismissed")] == [combined[0]["id"]]

    first = min(datetime.fromisoformat(f["first_seen"]) for f in everything)
    scan_day = first.astimezone(ZoneInfo("America/Los_Angeles")).date()  # in the district, the day of the scan
    assert len(listed("--since", scan_day.isoformat())) == len(everything)
    assert listed("--since", (scan_day + timedelta(days=1)).isoformat()) == []
    bad = scanned("findings", "--since", "last week", ok=False)
    assert bad.exit_code == 1 and bad.output.strip() == "Error: --since must be a day like 2026-11-30, not 'last week'"

    text = scanned("findings", "--csv", "--kind", "logo_misuse", "--source", "bluesky").output
    header, *lines = text.strip().splitlines()
    assert header.split(",")[-4:] == ["first_seen", "resolved_at", "reviewed_at", "missing_count"]
    assert len(lines) == len(where(kind="logo_misuse", source="bluesky")) > 0
