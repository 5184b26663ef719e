"""A full scan through the real CLI: local AppView → SQLite → Maildir."""

from __future__ import annotations

import io
import json
import mailbox
import sqlite3
from email import policy
from email.parser import BytesParser

from conftest import Watcher, write_config, write_roster
from PIL import Image

from watcher.demo.fake_appview import FakeAppView
from watcher.demo.portraits import jpeg, portrait, recompressed
from watcher.demo.sample import OFFICIAL
from watcher.demo.server import LocalServer


def findings(watcher):
    return json.loads(watcher("findings", "--json").output)


def maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in sorted(box.keys())]


def test_scan_finds_impostors_and_logo_misuse_only(world, scanned):
    found = findings(scanned)
    labels = {(f["source"], f["handle"]): world.label_of(f["source"], f["handle"]) for f in found}
    kinds = [label.split(":")[0] for label in labels.values()]
    everything = [label.split(":")[0] for label in world.expected.values()]
    assert kinds.count("impostor") == everything.count("impostor") == 9
    assert kinds.count("logo") == everything.count("logo") == 4  # one of them on a banner
    assert set(kinds) == {"impostor", "logo"}  # no namesake, stranger, own, official or hidden account
    assert {source for source, _ in labels} == {"bluesky", "mastodon"}
    alone = [f["evidence"] for f in found if f["evidence"]["rule"] == "photo"]
    assert len(alone) == 2  # a photo under another name: verified, never on the hashes alone
    assert all(e["photo_verified"] and e["photo_inliers"] >= 12 for e in alone)
    for f in found:
        label = labels[(f["source"], f["handle"])]
        if f["kind"] == "impersonation":
            assert f["person"] == label.split(":", 1)[1]
        else:
            assert f["person"] is None
        assert set(f) >= {
            "id",
            "kind",
            "person",
            "source",
            "handle",
            "display_name",
            "profile_url",
            "score",
            "status",
            "evidence",
            "first_seen",
            "last_seen",
        }
        assert 0 <= f["score"] <= 1 and f["evidence"]["reasons"]
        if f["source"] == "bluesky":
            assert f["profile_url"] == f"https://bsky.app/profile/{f['handle']}"
        else:
            assert f["profile_url"].endswith("/@" + f["handle"].split("@")[0])


def test_alerts_go_to_opted_in_people_once(tmp_path, scanned):
    messages = maildir(tmp_path)
    recipients = sorted(str(m["To"]) for m in messages)
    found = findings(scanned)
    opted_out = "jose.torres@svusd.example"
    expected = sorted({f["person"] for f in found if f["person"] and f["person"] != opted_out})
    assert sorted(set(recipients)) == expected
    # Alerts are queued as findings are recorded (a source stuck later must not hold them back): someone
    # impersonated on both platforms hears of each (david.kim), everyone else gets one message.
    sources = {person: {f["source"] for f in found if f["person"] == person} for person in expected}
    assert sorted(recipients) == sorted(person for person in expected for _ in sources[person])
    assert opted_out in {f["person"] for f in found}  # found, but never e-mailed
    for message in messages:
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"] and message["Date"]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Profile: http" in text and "What to do:" in text and "opt out" in text
        assert ("Report account" in text) or ("Forward to the remote server" in text)
        assert '<a href="http' in html
    alerted = [f for f in findings(scanned) if f["person"] in expected]
    assert {f["status"] for f in alerted} == {"alerted"}

    # A second scan finds the same profiles: no new finding, no second e-mail.
    result = scanned("scan")
    assert "0 new findings" in result.output
    assert len(maildir(tmp_path)) == len(messages)
    assert len(findings(scanned)) == len(found)


def test_scraped_text_is_escaped_and_kept_out_of_headers(tmp_path, world):
    maria = Image.open(io.BytesIO(world.photos["maria.garcia@svusd.example"])).convert("RGB")
    copy = jpeg(recompressed(maria))
    hostile = {
        "did": "did:plc:evil",
        "handle": "evil.bsky.social",
        "displayName": "Maria Garcia <script>alert(1)</script>\r\nBcc: everyone@svusd.example",
        "description": "<img src=x onerror=alert(1)>",
        "avatar": "/img/evil.jpg",
    }
    with FakeAppView([hostile], {"/img/evil.jpg": copy}) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        rows = [
            r
            for r in __import__("watcher.demo.sample", fromlist=["x"]).roster_rows(world)
            if r["email"].startswith("maria")
        ]
        watcher("people", "import", str(write_roster(tmp_path, world, rows)))
        watcher("scan")
    (message,) = maildir(tmp_path)
    raw = bytes(message)
    assert b"everyone@svusd.example" not in raw.split(b"\n\n", 1)[0]  # not in the headers
    assert message["Bcc"] is None
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    listing = watcher("findings").output
    assert "\r" not in listing


def test_unreachable_source_is_reported_and_scan_exits_zero(tmp_path, roster):
    config = write_config(tmp_path, "http://127.0.0.1:9/bsky")
    watcher = Watcher(config)
    result = watcher("scan")
    assert "source bluesky stopped" in result.output and "cannot connect" in result.output
    assert findings(watcher) == []
    db = sqlite3.connect(tmp_path / "watcher.db")
    status, problems = db.execute("SELECT status, problems FROM scan_runs").fetchone()
    assert status == "failed" and json.loads(problems)[0]["reason"] == "unavailable"


def test_one_failing_source_does_not_abort_the_others(tmp_path, roster, appview):
    extra = '[[sources]]\nname = "broken"\ntype = "bluesky"\nbase_url = "http://127.0.0.1:9"\n'
    path = write_config(tmp_path, appview.base_url)
    text = path.read_text()
    path.write_text(text.replace("[email]", extra + "[email]"))
    watcher = Watcher(path)
    result = watcher("scan", "--json")
    report = json.loads(result.output)
    assert report["status"] == "partial"
    assert report["findings_new"] > 0
    assert {p["source"] for p in report["problems"]} == {"broken"}
    only = json.loads(watcher("scan", "--source", "bluesky", "--json").output)
    assert only["sources"] == ["bluesky"] and only["status"] == "ok"
    assert "no source named 'nope'" in watcher("scan", "--source", "nope", ok=False).output


def test_unsafe_avatar_urls_are_unknown_not_matches(tmp_path, roster):
    """With private addresses refused, a 127.0.0.1 avatar is not fetched: the photo is unknown."""
    actor = {"did": "did:plc:1", "handle": "x.bsky.social", "displayName": "Maria Garcia", "avatar": "/img/1.jpg"}
    with FakeAppView([actor], {"/img/1.jpg": jpeg(portrait(101))}) as server:
        path = write_config(tmp_path, server.base_url)
        path.write_text(path.read_text().replace("allow_private_addresses = true", "allow_private_addresses = false"))
        watcher = Watcher(path)
        watcher("scan")
        assert not [r for r in server.requests if r.startswith("/img/")]
    db = sqlite3.connect(tmp_path / "watcher.db")
    (status,) = db.execute("SELECT avatar_status FROM profiles").fetchone()
    assert status.startswith("unknown: refusing non-public address")
    assert findings(watcher) == []


def test_unchanged_avatars_are_neither_downloaded_nor_hashed_again(tmp_path, enrolled, appview):
    enrolled("scan")
    images = len([r for r in appview.requests if r.startswith("/img/")])
    db = sqlite3.connect(tmp_path / "watcher.db")
    hashed = db.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0]
    assert images > 0 and hashed > 0
    enrolled("scan")
    assert appview.not_modified == images  # every avatar asked "changed?" and answered 304
    assert db.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0] == hashed


def test_removing_a_person_deletes_their_data_and_alerts(tmp_path, scanned):
    db = sqlite3.connect(tmp_path / "watcher.db")
    email = "maria.garcia@svusd.example"
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE recipient = ?", [email]).fetchone() == (1,)
    scanned("people", "remove", email)
    for sql in (
        "SELECT COUNT(*) FROM outbox WHERE recipient = ?",
        "SELECT COUNT(*) FROM people WHERE email = ?",
    ):
        assert db.execute(sql, [email]).fetchone() == (0,)
    assert email not in scanned("findings", "--json").output
    assert db.execute("SELECT COUNT(*) FROM reference_views").fetchone()[0] > 0  # the others keep theirs


def test_broken_avatar_urls_are_recorded_as_unknown(tmp_path, roster, world):
    actors = [
        {
            "did": "did:plc:1",
            "handle": "a.bsky.social",
            "displayName": "Maria Garcia",
            "avatar": "https://cdn.invalid/a.png",  # a name nobody resolves
        },
        # A well-formed address that cannot be read (nothing listens on port 9 here). A relative
        # address is no `uri` (the lexicon's format for avatar): the adapter drops it, as no picture.
        {
            "did": "did:plc:2",
            "handle": "b.bsky.social",
            "displayName": "Maria Garcia",
            "avatar": "http://127.0.0.1:9/a.jpg",
        },
    ]
    actors += [a | {"avatar": None} for a in world.actors if a["handle"] == OFFICIAL]  # search sees it: not degraded
    with FakeAppView(actors, {}) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        report = json.loads(watcher("scan", "--json").output)
    assert report["status"] == "partial" and report["profiles_seen"] == 3  # and the official account
    assert [p["reason"] for p in report["problems"]] == ["avatar_unknown", "avatar_unknown"]
    assert report["by_source"]["bluesky"]["avatars_unknown"] == 2
    assert findings(watcher) == []


def test_a_scan_keeps_each_hosts_rate_and_never_reaches_refused_addresses(tmp_path, roster, mastodon):
    """Server-side measurement over a whole scan: the Mastodon host set to 10/s is asked no faster than
    that, and an avatar pointing at another loopback address is never fetched."""
    canary_actor = {"did": "did:plc:x", "handle": "x.bsky.social", "displayName": "Aisha Rahman"}
    with FakeAppView([canary_actor], {}) as bluesky, LocalServer({"/img/steal.jpg": b"x"}, host="127.0.0.2") as canary:
        canary_actor["avatar"] = canary.origin + "/img/steal.jpg"
        path = write_config(tmp_path, bluesky.base_url, mastodon.base_url)
        text = path.read_text().replace("allow_private_addresses = true", "allow_private_addresses = false")
        path.write_text(
            text.replace('rate_limit = "100/1s,burst=100"   # a local server; a real', 'rate_limit = "10/1s"   # a')
        )
        watcher = Watcher(path)
        report = json.loads(watcher("scan", "--json").output)
        assert canary.requests == []
    times = mastodon.request_times
    assert len(times) > 20
    # The whole span, never the gaps: a busy machine can only stretch it, while a request held up on its
    # way arrives close to the next one without the client having sent them closer (10 % to spare).
    assert times[-1] - times[0] >= 0.9 * (len(times) - 1) / 10
    stats = report["by_source"]["mastodon"]
    assert stats["queries"] == stats["found"] + stats["not_found"] + sum(stats["unknown"].values())
    db = sqlite3.connect(tmp_path / "watcher.db")
    stored = json.loads(db.execute("SELECT source_stats FROM scan_runs").fetchone()[0])
    assert stored["mastodon"] == stats and stored["bluesky"]["avatars_unknown"] == 1


def test_the_logo_on_a_staff_members_own_banner_is_found_without_a_mention(tmp_path, roster, world):
    """Own accounts are few and guideline 10 is about them: their banner is searched even when
    the profile does not name the district (a stranger's would not be fetched)."""
    from watcher.demo.sample import banner_with

    banner = jpeg(banner_with(Image.open(io.BytesIO(world.logo)).convert("RGB")))
    actors = [
        {"did": "did:plc:own", "handle": "mgarcia-teaches.bsky.social", "displayName": "María García López",
         "description": "Coffee and books.", "banner": "/img/own.jpg"},
        {"did": "did:plc:other", "handle": "coffee-and-books.bsky.social", "displayName": "María García López",
         "description": "Coffee and books.", "banner": "/img/other.jpg"},
    ]  # fmt: skip
    with FakeAppView(actors, {"/img/own.jpg": banner, "/img/other.jpg": banner}) as bluesky:
        watcher = Watcher(write_config(tmp_path, bluesky.base_url))
        (tmp_path / "logo.png").write_bytes(world.logo)
        watcher("logos", "add", str(tmp_path / "logo.png"), "--label", "seal")
        watcher("scan")
        assert "/img/own.jpg" in bluesky.requests and "/img/other.jpg" not in bluesky.requests
    (found,) = findings(watcher)
    assert (found["kind"], found["handle"], found["person"]) == (
        "logo_misuse",
        "mgarcia-teaches.bsky.social",
        "maria.garcia@svusd.example",
    )


def test_unreadable_banners_and_avatars_never_stop_a_scan(tmp_path, roster, world):
    """A profile that names the district gets its banner searched for the logos; junk there is skipped."""
    from watcher.demo.fake_mastodon import FakeMastodon, account

    junk = {"/img/a.jpg": b"\xff\xd8\xffnot really a jpeg", "/img/h.jpg": b"GIF89a junk"}
    accounts = [account(1, "svusd_fans", "SVUSD Fans", "<p>We love SVUSD</p>", "/img/a.jpg", header="/img/h.jpg")]
    with FakeAppView([], {}) as bluesky, FakeMastodon(accounts, junk) as mastodon:
        watcher = Watcher(write_config(tmp_path, bluesky.base_url, mastodon.base_url))
        (tmp_path / "logo.png").write_bytes(world.logo)
        watcher("logos", "add", str(tmp_path / "logo.png"), "--label", "seal")
        report = json.loads(watcher("scan", "--json").output)
        assert "/img/h.jpg" in mastodon.requests  # the banner was looked at
    assert report["by_source"]["mastodon"]["profiles"] == 1
    assert report["by_source"]["mastodon"]["avatars_unknown"] == 1
    assert findings(watcher) == []


def test_models_and_prints_from_an_older_version_are_reported_not_fatal(tmp_path, world, enrolled):
    """After an upgrade that changes the stored formats, scans go on with what still reads, and
    say what must be enrolled again."""
    db = sqlite3.connect(tmp_path / "watcher.db")
    with db:
        db.execute("UPDATE logos SET model = CAST('LGM1' || substr(model, 5) AS BLOB)")
        db.execute("UPDATE reference_prints SET print = CAST('PP2' || substr(print, 4) AS BLOB)")
    assert enrolled("logos", "list").output.splitlines() == [
        "district seal  (enrolled by an older version: add it again)"
    ]
    result = enrolled("scan")
    assert "logos: not searched for, enrolled by an older version (add them again): district seal" in result.output
    assert "photos were enrolled by an older version" in result.output
    found = findings(enrolled)
    kinds = [world.label_of(f["source"], f["handle"]).split(":")[0] for f in found]
    assert "logo" not in kinds and kinds.count("impostor") == 7  # the two found by their photo alone are not
    assert all(f["evidence"]["rule"] != "photo" for f in found)
    (status,) = db.execute("SELECT status FROM scan_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert status == "partial"
