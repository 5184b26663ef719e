"""Evidence snapshots from a real scan, and the evidence page opened in a real headless Chromium."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from browser_support import chromium
from conftest import write_roster
from PIL import Image

from watcher.demo.portraits import jpeg, portrait

HOSTILE = '<script>window.pwned = 1; document.title = "pwned"</script><img src=x onerror="window.pwned=2">Maria Garcia'


def connect(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "watcher.db")
    db.row_factory = sqlite3.Row
    return db


def snapshots(tmp_path: Path) -> dict[int, list[sqlite3.Row]]:
    """Snapshots by finding id, oldest first."""
    with connect(tmp_path) as db:
        rows = db.execute("SELECT * FROM evidence ORDER BY id").fetchall()
    by_finding: dict[int, list[sqlite3.Row]] = {}
    for row in rows:
        by_finding.setdefault(row["finding_id"], []).append(row)
    return by_finding


def finding_ids(tmp_path: Path) -> dict[str, int]:
    """Finding id by profile handle (one finding per impostor profile in the demo world)."""
    with connect(tmp_path) as db:
        rows = db.execute("SELECT f.id, p.handle FROM findings f JOIN profiles p ON p.id = f.profile_id").fetchall()
    return {row["handle"]: row["id"] for row in rows}


def served_avatar(appview, handle: str) -> bytes:
    actor = next(a for a in appview.actors if a["handle"] == handle)
    return appview.images[actor["avatar"]]


def replace_actor(appview, handle: str, **changes) -> None:
    """Change what the server shows, without touching the session-wide world's dicts."""
    index = next(i for i, a in enumerate(appview.actors) if a["handle"] == handle)
    appview.actors[index] = {**appview.actors[index], **changes}


def test_scan_snapshots_each_finding_once_and_again_on_change(tmp_path, enrolled, appview):
    enrolled("scan")
    first = snapshots(tmp_path)
    ids = finding_ids(tmp_path)
    assert set(first) == set(ids.values()) and len(first) >= 10
    for shots in first.values():
        assert [s["reason"] for s in shots] == ["detected"]
        shot = shots[0]
        fields = json.loads(shot["fields"])
        assert set(fields) >= {"handle", "display_name", "bio", "links", "profile_url"}
        assert shot["profile_url"] == fields["profile_url"] and shot["profile_url"].startswith("http")
        assert json.loads(shot["match"])["reasons"]
    paco, maria = ids["pacohernandez.bsky.social"], ids["maria-garcia-noble.bsky.social"]
    for handle, finding in (("pacohernandez.bsky.social", paco), ("maria-garcia-noble.bsky.social", maria)):
        shot = first[finding][0]
        assert shot["avatar_sha256"] == hashlib.sha256(served_avatar(appview, handle)).hexdigest()
        thumb = Image.open(io.BytesIO(shot["thumbnail"]))
        assert thumb.format == "JPEG" and max(thumb.size) <= 128 and min(thumb.size) > 0

    enrolled("scan")  # nothing changed: 304s for the avatars, no new snapshot
    assert appview.not_modified > 0
    assert {f: len(s) for f, s in snapshots(tmp_path).items()} == {f: 1 for f in first}

    replace_actor(appview, "maria-garcia-noble.bsky.social", displayName="Mrs. Garcia's class")
    new_avatar = jpeg(portrait(102).transpose(Image.Transpose.FLIP_LEFT_RIGHT), 85)  # Paco, another file
    appview.images[next(a for a in appview.actors if a["handle"] == "pacohernandez.bsky.social")["avatar"]] = new_avatar
    enrolled("scan")
    after = snapshots(tmp_path)
    changed = {f for f in after if len(after[f]) != len(first[f])}
    assert changed == {paco, maria}
    assert after[maria][-1]["reason"] == "changed: display name"
    assert json.loads(after[maria][-1]["fields"])["display_name"] == "Mrs. Garcia's class"
    assert after[maria][-1]["thumbnail"] == after[maria][0]["thumbnail"]  # same avatar, same thumbnail
    assert after[paco][-1]["reason"] == "changed: avatar"
    assert after[paco][-1]["avatar_sha256"] == hashlib.sha256(new_avatar).hexdigest()
    assert after[paco][-1]["thumbnail"] != after[paco][0]["thumbnail"]


def test_thumbnail_is_fetched_when_the_avatar_was_not_modified(tmp_path, world, watcher, appview):
    watcher("scan")  # nobody enrolled yet: the district's own queries observe profiles and their avatars
    with connect(tmp_path) as db:
        observed = {r["handle"] for r in db.execute("SELECT handle FROM profiles WHERE avatar_sha256 IS NOT NULL")}
    db.close()
    watcher("people", "import", str(write_roster(tmp_path, world)))
    not_modified_before = appview.not_modified
    watcher("scan")
    assert appview.not_modified > not_modified_before  # the avatars known from the first scan were not sent again
    ids = finding_ids(tmp_path)
    on_bluesky = {a["handle"] for a in appview.actors}
    again = [handle for handle in ids if handle in observed and handle in on_bluesky]
    assert again, "no finding on a profile the first scan saw"
    shots = snapshots(tmp_path)
    for handle in again:
        shot = shots[ids[handle]][0]
        assert shot["thumbnail"] and shot["avatar_sha256"] == hashlib.sha256(served_avatar(appview, handle)).hexdigest()
        thumb = Image.open(io.BytesIO(shot["thumbnail"]))  # made from a second fetch: a 304 brings no bytes
        assert thumb.format == "JPEG" and max(thumb.size) <= 128


def banner_image() -> bytes:
    """A 3:1 banner larger than its thumbnail: a portrait on a plain strip."""
    strip = Image.new("RGB", (900, 300), (40, 70, 120))
    strip.paste(portrait(77).resize((300, 300)), (300, 0))
    return jpeg(strip, 85)


def add_banner(appview, handle: str, path: str, data: bytes | None) -> None:
    if data is not None:
        appview.images[path] = data
    replace_actor(appview, handle, banner=path)


def test_a_findings_snapshot_keeps_its_banner_fetched_once_per_address(tmp_path, enrolled, appview):
    impostor, bystander = "jnguyen-mvhs.bsky.social", "davidkim.bsky.social"  # a finding; a namesake, no finding
    banner = banner_image()
    add_banner(appview, impostor, "/img/banner-1.jpg", banner)
    add_banner(appview, bystander, "/img/banner-2.jpg", banner)
    enrolled("scan")
    ids = finding_ids(tmp_path)
    assert impostor in ids and bystander not in ids
    assert appview.requests.count("/img/banner-1.jpg") == 1  # for the snapshot, once
    assert "/img/banner-2.jpg" not in appview.requests  # never for a profile that is not a finding
    (shot,) = snapshots(tmp_path)[ids[impostor]]
    assert shot["banner_url"].endswith("/img/banner-1.jpg")
    assert shot["banner_sha256"] == hashlib.sha256(banner).hexdigest()
    thumb = Image.open(io.BytesIO(shot["banner_thumbnail"]))
    assert thumb.format == "JPEG" and thumb.size == (480, 160)  # within 480×160, the banner's shape kept
    assert len(shot["banner_thumbnail"]) < 40_000
    others = [s for f, shots in snapshots(tmp_path).items() if f != ids[impostor] for s in shots]
    assert all(s["banner_thumbnail"] is None for s in others if s["banner_url"] is None)

    replace_actor(appview, impostor, displayName="Ms. Nguyen")  # a new snapshot, the same banner
    enrolled("scan")
    first, second = snapshots(tmp_path)[ids[impostor]]
    assert second["reason"] == "changed: display name"
    assert (second["banner_sha256"], second["banner_thumbnail"]) == (first["banner_sha256"], first["banner_thumbnail"])
    assert appview.requests.count("/img/banner-1.jpg") == 1  # not downloaded again


def test_a_banner_that_cannot_be_read_leaves_the_snapshot_without_it(tmp_path, enrolled, appview):
    broken, missing = "jnguyen-mvhs.bsky.social", "pacohernandez.bsky.social"
    add_banner(appview, broken, "/img/broken.jpg", b"GIF89a junk")
    add_banner(appview, missing, "/img/missing.jpg", None)  # answered 404
    enrolled("scan")
    ids, shots = finding_ids(tmp_path), snapshots(tmp_path)
    (junk,) = shots[ids[broken]]
    assert junk["reason"] == "detected" and junk["thumbnail"]  # the snapshot and its avatar are there
    assert junk["banner_thumbnail"] is None and junk["banner_sha256"] == hashlib.sha256(b"GIF89a junk").hexdigest()
    (gone,) = shots[ids[missing]]
    assert gone["banner_url"].endswith("/img/missing.jpg") and gone["banner_sha256"] is None
    assert gone["banner_thumbnail"] is None and gone["thumbnail"]


def test_a_banner_the_logo_search_downloaded_is_not_downloaded_again(tmp_path, enrolled, mastodon):
    enrolled("scan")
    header = next(a for a in mastodon.accounts if a["username"] == "svusd_memes")["header"]
    assert mastodon.requests.count(header) == 1  # the logo search's download made the thumbnail too
    finding = next(f for handle, f in finding_ids(tmp_path).items() if handle.startswith("svusd_memes@"))
    (shot,) = snapshots(tmp_path)[finding]
    assert shot["banner_sha256"] == hashlib.sha256(mastodon.images[header]).hexdigest()
    assert Image.open(io.BytesIO(shot["banner_thumbnail"])).size == (480, 160)


def test_unknown_finding_is_one_line_error(enrolled):
    result = enrolled("evidence", "4242", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no finding with id 4242"


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (tests/browser_support.py)."""
    with chromium() as launched:
        yield launched


def test_evidence_page_is_self_contained_and_inert(tmp_path, enrolled, appview, browser):
    handle = "maria-garcia-noble.bsky.social"
    replace_actor(appview, handle, displayName=HOSTILE)
    banner = banner_image()
    add_banner(appview, handle, "/img/banner-3.jpg", banner)
    enrolled("scan")
    finding = finding_ids(tmp_path)[handle]
    out = tmp_path / "page.html"
    assert f"wrote {out}" in enrolled("evidence", str(finding), "--out", str(out)).output

    page = browser.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")

    assert page.title() == f"Evidence: finding {finding}, @{handle} on bluesky"
    assert page.text_content("#handle") == f"@{handle}"
    assert page.text_content("#display-name") == HOSTILE  # shown as text
    assert page.text_content(".shot-display-name") == HOSTILE
    assert page.evaluate("window.pwned") is None  # and never run
    assert page.locator("script").count() == 0
    assert page.locator("section.snapshot").count() == 1
    reasons = page.locator("#reasons li").all_text_contents()
    assert reasons and any("photo" in r for r in reasons)
    link = page.locator("#profile-url a")
    assert link.get_attribute("href") == f"https://bsky.app/profile/{handle}"
    image = page.locator("section.snapshot img")
    assert image.get_attribute("src").startswith("data:image/jpeg;base64,")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    shown = page.locator("#banner img.banner")  # the latest snapshot's banner, with its address and sha256
    assert shown.get_attribute("src").startswith("data:image/jpeg;base64,")
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 480
    assert page.text_content("#banner-sha256") == hashlib.sha256(banner).hexdigest()
    assert page.text_content("#banner-url").endswith("/img/banner-3.jpg")
    assert requests == [out.as_uri()]  # the page itself, nothing else
    assert problems == []  # no CSP refusal (the style sheet is allowed by its hash), no error
    page.close()
