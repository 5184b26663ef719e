"""Signed links and the identifiers they name: purpose, expiry, a uid never given again, and
profile addresses linked only on their own platform. Real SQLite files, real migrations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database

from sources.registry import profile_link
from storage import open_database
from storage.migrations import MIGRATIONS
from storage.people import person_uid, save_enrolments
from watcher.config import SourceConfig
from watcher.links import (
    EVIDENCE,
    IMPOSTOR,
    LIFETIMES,
    NOT_A_PROBLEM,
    UNSUBSCRIBE,
    LinkTarget,
    alert_links,
    link,
    link_secret,
    resolve,
    sign,
    verify,
)
from watcher.models import Enrolment
from watcher.removal import remove_person

SECRET = bytes(range(32))
UID = "AAAAAAAAAAAAAAAAAAAAAA"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def enrol(db: Database, email: str, name: str) -> int:
    save_enrolments(db, [Enrolment(name=name, email=email, opt_in=True)])
    (person_id,) = db.execute("SELECT id FROM people WHERE email = ?", [email]).fetchone()
    return person_id


def test_a_token_works_for_its_purpose_person_and_finding_only():
    """Attack: reuse one's own link for another purpose, person or finding by editing the token."""
    token = sign(SECRET, NOT_A_PROBLEM, UID, 42, now=NOW)
    subject = verify(SECRET, NOT_A_PROBLEM, token, now=NOW)
    assert subject is not None and (subject.uid, subject.finding_id) == (UID, 42)
    assert subject.expires == NOW + LIFETIMES[NOT_A_PROBLEM]
    assert verify(SECRET, EVIDENCE, token, now=NOW) is None  # same shape, other purpose
    assert verify(SECRET, UNSUBSCRIBE, token, now=NOW) is None
    assert verify(bytes(32), NOT_A_PROBLEM, token, now=NOW) is None  # another installation's secret
    version, uid, finding, expires, mac = token.split(".")
    edits = [
        (version, "B" + uid[1:], finding, expires, mac),
        (version, uid, "43", expires, mac),
        (version, uid, "-", expires, mac),
        (version, uid, finding, str(int(expires) + 86400), mac),
        (version, uid, finding, expires, mac[:-1] + ("A" if mac[-1] != "A" else "B")),
        ("2", uid, finding, expires, mac),
    ]
    for edit in edits:
        assert verify(SECRET, NOT_A_PROBLEM, ".".join(edit), now=NOW) is None, edit


@pytest.mark.parametrize(
    ("purpose", "still", "gone"),
    [(UNSUBSCRIBE, timedelta(days=89), timedelta(days=91)), (NOT_A_PROBLEM, timedelta(days=29), timedelta(days=31))],
)
def test_links_expire(purpose, still, gone):
    """Attack: an old e-mail's link used months later (a forwarded or leaked message)."""
    finding = 7 if purpose == NOT_A_PROBLEM else None
    token = sign(SECRET, purpose, UID, finding, now=NOW)
    assert verify(SECRET, purpose, token, now=NOW + still) is not None
    assert verify(SECRET, purpose, token, now=NOW + gone) is None
    assert verify(SECRET, purpose, token, now=NOW + LIFETIMES[purpose]) is None  # the moment it expires


def test_a_lifetime_shortened_later_also_shortens_links_already_sent():
    """Attack: a token whose expiry lies beyond any lifetime we give (a leaked secret, a past release)."""
    token = sign(SECRET, UNSUBSCRIBE, UID, now=NOW + timedelta(days=400))
    assert verify(SECRET, UNSUBSCRIBE, token, now=NOW) is None


def old_style_token(action: str, subject: int) -> str:
    """The token links carried before: an HMAC of ``action:id``, no expiry, no purpose check of its own."""
    digest = hmac.new(SECRET, f"{action}:{subject}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "1....",
        old_style_token(UNSUBSCRIBE, 1),
        "é" * 30,
        "1.\u0660" * 5,  # Arabic-Indic digits: digits to str.isdigit, not to us
        "1." + UID + ".-.1900000000." + "A" * 22 + "==",  # base64 padding
        "1." + UID + ".-.01900000000." + "A" * 22,
        "1." + UID + "=.-.1900000000." + "A" * 22,
        "1." + UID + ".-.1900000000." + "A" * 22 + "\n",
        "1" + "." * 10_000,
        "A" * 100_000,
        "\x00\udcff",
        None,
        b"1.AAAA",
        12345,
    ],
    ids=lambda t: repr(t)[:30],
)
def test_bad_tokens_fail_quietly(token):
    """Attack: crash or confuse the web front with non-ASCII, padded, over-long, old-format or non-text tokens."""
    assert verify(SECRET, UNSUBSCRIBE, token, now=NOW) is None
    assert verify(SECRET, NOT_A_PROBLEM, token, now=NOW) is None


def test_old_format_links_no_longer_verify():
    """Attack: a link from before this release (an id and a token that never expires) still acting."""
    assert verify(SECRET, UNSUBSCRIBE, old_style_token(UNSUBSCRIBE, 1), now=NOW) is None


@given(st.text(max_size=300), st.sampled_from([*sorted(LIFETIMES), "", "other"]))
def test_verify_never_raises_on_any_text(token, purpose):
    """Attack: any text at all as a token (hypothesis): refused, never an exception."""
    assert verify(SECRET, purpose, token) is None


@given(st.integers(0, 4), st.text(max_size=30))
def test_verify_never_raises_on_a_valid_token_with_a_field_replaced(field, text):
    """Attack: a real token with one field replaced by arbitrary text."""
    parts = sign(SECRET, NOT_A_PROBLEM, UID, 9, now=NOW).split(".")
    original = parts[field]
    parts[field] = text
    result = verify(SECRET, NOT_A_PROBLEM, ".".join(parts), now=NOW)
    assert result is None or text == original


def test_a_link_is_the_web_fronts_address_and_a_token():
    url = link("https://watch.svusd.example/", SECRET, UNSUBSCRIBE, UID, now=NOW)
    assert re.fullmatch(r"https://watch\.svusd\.example/unsubscribe\?t=1\.[A-Za-z0-9_-]{22}\.-\.\d+\.[\w-]{22}", url)
    assert len(url) < 120
    with pytest.raises(ValueError):
        sign(SECRET, UNSUBSCRIBE, UID, 3)  # an unsubscribe link names a person, not a finding
    with pytest.raises(ValueError):
        sign(SECRET, NOT_A_PROBLEM, "1")  # nor a row id


def test_an_old_link_never_acts_on_the_next_person_enrolled(tmp_path):
    """Attack: keep A's link, wait for A to leave, and use it on whoever is enrolled next. SQLite gave
    a removed person's id to the next one enrolled, so an id-based link acted on them."""
    db = open_database(tmp_path / "watcher.db")
    enrol(db, "first@svusd.example", "First Person")
    a = enrol(db, "ana@svusd.example", "Ana Ruiz")
    a_uid = person_uid(db, a)
    token = sign(link_secret(db), UNSUBSCRIBE, a_uid)
    assert resolve(db, UNSUBSCRIBE, token).person_id == a

    remove_person(db, "ana@svusd.example")
    b = enrol(db, "beto@svusd.example", "Beto Gómez")
    assert b != a  # ids are never given again
    assert person_uid(db, b) != a_uid
    assert resolve(db, UNSUBSCRIBE, token) is None
    assert resolve(db, UNSUBSCRIBE, sign(link_secret(db), UNSUBSCRIBE, person_uid(db, b))).person_id == b


def test_an_alert_carries_every_link_signed_for_its_purpose_person_and_finding(tmp_path):
    """Attack: an alert's "impostor" link reused as "not a problem", or for another finding."""
    db = open_database(tmp_path / "watcher.db")
    ana = enrol(db, "ana@svusd.example", "Ana Ruiz")
    found = alert_links(db, "https://watch.svusd.example/", link_secret(db), ana, [4, 9], now=NOW)
    assert found is not None and found.manage == "https://watch.svusd.example/"
    per_finding = {NOT_A_PROBLEM: found.not_a_problem, IMPOSTOR: found.impostor, EVIDENCE: found.evidence}
    for purpose, urls in per_finding.items():
        assert set(urls) == {4, 9}
        for finding_id, url in urls.items():
            assert url.startswith(f"https://watch.svusd.example/{purpose}?t=")
            token = url.split("?t=", 1)[1]
            assert resolve(db, purpose, token, now=NOW) == LinkTarget(ana, finding_id)
            for other in (*per_finding, UNSUBSCRIBE):
                assert other == purpose or resolve(db, other, token, now=NOW) is None
    assert resolve(db, UNSUBSCRIBE, found.unsubscribe.split("?t=", 1)[1], now=NOW) == LinkTarget(ana, None)
    assert alert_links(db, None, link_secret(db), ana, [4], now=NOW) is None  # no web front: no links
    remove_person(db, "ana@svusd.example")
    assert alert_links(db, "https://watch.svusd.example", link_secret(db), ana, [4], now=NOW) is None


def test_uids_are_random_url_safe_and_distinct(tmp_path):
    db = open_database(tmp_path / "watcher.db")
    save_enrolments(db, [Enrolment(name=f"Person {n}", email=f"p{n}@svusd.example") for n in range(200)])
    uids = [row[0] for row in db.execute("SELECT uid FROM people ORDER BY id")]
    assert len(set(uids)) == 200 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", u) for u in uids)
    assert len({u[:4] for u in uids}) > 150  # not a counter in disguise


def test_the_upgrade_gives_everyone_a_uid_and_keeps_ids_rows_and_references(tmp_path):
    """Attack: the rebuild that makes ids never reused must not lose anyone's accounts, photos or findings
    (a DROP with foreign keys on would cascade), and must stop the next person taking a removed id."""
    path = tmp_path / "watcher.db"
    old = Database(path)
    old.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(old, stop_before="0009_person_uids")
    now = "2026-01-05T00:00:00+00:00"
    for n, email in enumerate(("a@svusd.example", "b@svusd.example", "c@svusd.example"), start=1):
        old["people"].insert({"id": n, "email": email, "name": f"P{n}", "created_at": now, "updated_at": now})
        old["accounts"].insert({"person_id": n, "source": "bluesky", "handle": f"p{n}.bsky.social"})
        old["reference_views"].insert(
            {"person_id": n, "photo": 1, "views": "full", "hashes": b"\0" * 24, "created_at": now}
        )
    old["profiles"].insert(
        {"id": 1, "source": "bluesky", "platform_id": "did:plc:x", "handle": "x", "first_seen": now, "last_seen": now}
    )
    finding = {"kind": "impersonation", "profile_id": 1, "score": 0.9, "rule": "photo", "first_seen": now}
    old["findings"].insert({"id": 1, "finding_key": "k1", "person_id": 3, "last_seen": now, **finding})
    old.conn.commit()
    old.close()

    db = open_database(path)
    rows = list(db.query("SELECT id, email, uid FROM people ORDER BY id"))
    assert [(r["id"], r["email"]) for r in rows] == [
        (1, "a@svusd.example"),
        (2, "b@svusd.example"),
        (3, "c@svusd.example"),
    ]
    assert len({r["uid"] for r in rows}) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", r["uid"]) for r in rows)
    assert db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 3
    assert db.execute("SELECT COUNT(*) FROM reference_views").fetchone()[0] == 3
    assert db.execute("SELECT person_id FROM findings").fetchone()[0] == 3
    assert (
        db.execute("PRAGMA foreign_keys").fetchone()[0] == 1 and db.execute("PRAGMA foreign_key_check").fetchall() == []
    )

    remove_person(db, "c@svusd.example")  # the highest id
    assert db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 2  # still cascades to the new table
    assert db.execute("SELECT person_id FROM findings").fetchone()[0] is None
    assert enrol(db, "d@svusd.example", "Dora Díaz") == 4  # not 3 again
    db.close()
    again = open_database(path)  # applied once, recorded
    assert [r[0] for r in again.execute("SELECT id FROM people ORDER BY id")] == [1, 2, 4]


MASTODON = SourceConfig("social", "mastodon", "https://social.example/", options={"account_domain": "example.org"})
SOURCES = {
    "bluesky": SourceConfig("bluesky", "bluesky", "https://public.api.bsky.app"),
    "github": SourceConfig("github", "github", "https://api.github.com"),
    "ghe": SourceConfig("ghe", "github", "https://git.district.example/api/v3"),
    "lichess": SourceConfig("lichess", "profile_pages", "https://lichess.org", options={"site": "lichess"}),
    "social": MASTODON,
    "odd": SourceConfig("odd", "myspace", "https://myspace.example"),
}


@pytest.mark.parametrize(
    ("source", "handle", "url", "linked"),
    [
        ("bluesky", "ana.bsky.social", "https://bsky.app/profile/ana.bsky.social", True),
        ("bluesky", "ana.bsky.social", "https://BSKY.app/profile/ana.bsky.social", True),
        ("bluesky", "ana.bsky.social", "http://bsky.app/profile/ana.bsky.social", False),
        ("bluesky", "ana.bsky.social", "https://bsky.app:8443/profile/ana", False),
        ("bluesky", "ana.bsky.social", "https://public.api.bsky.app/profile/ana", False),
        ("bluesky", "ana.bsky.social", "https://bsky.app.evil.example/profile/ana", False),
        ("bluesky", "ana.bsky.social", "https://evil.example/bsky.app", False),
        ("bluesky", "ana.bsky.social", "https://bsky.app@evil.example/", False),
        ("bluesky", "ana.bsky.social", "https://evil.example\\@bsky.app/", False),
        ("bluesky", "ana.bsky.social", "https://bsky.app\\@evil.example/", False),
        ("bluesky", "ana.bsky.social", "javascript:alert(1)//https://bsky.app/", False),
        ("bluesky", "ana.bsky.social", "https://bsky.app/profile/a b", False),
        ("bluesky", "ana.bsky.social", "", False),
        ("social", "ana@example.org", "https://social.example/@ana", True),
        ("social", "ana@example.org", "https://example.org/@ana", True),
        ("social", "ana@remote.example", "https://remote.example/@ana", True),
        ("social", "ana@remote.example", "https://social.example/@ana@remote.example", True),
        ("social", "ana@remote.example", "https://evil.example/@ana", False),
        ("social", "ana@remote.example", "https://sub.remote.example/@ana", False),
        ("github", "ana", "https://github.com/ana", True),
        ("github", "ana", "https://api.github.com/users/ana", False),
        ("github", "ana", "https://gist.github.com/ana", False),
        ("ghe", "ana", "https://git.district.example/ana", True),
        ("ghe", "ana", "https://github.com/ana", False),
        ("lichess", "ana", "https://lichess.org/@/ana", True),
        ("lichess", "ana", "https://lichess.org.evil.example/@/ana", False),
        ("odd", "ana", "https://myspace.example/ana", False),  # an unknown type links nothing
        (None, "ana", "https://bsky.app/profile/ana", False),  # nor an unknown source
    ],
)
def test_profile_links_stay_on_the_findings_platform(source, handle, url, linked):
    """Attack: a profile's own address field pointing at another host (a look-alike sign-in page)."""
    assert profile_link(url, handle, SOURCES.get(source)) == (url if linked else "")
