"""Alert e-mails: one per person and scan, capped per day, again only when the evidence grows.

Each test serves its own profiles from a local Bluesky stand-in and reads the real Maildir back.
"""

from __future__ import annotations

import io
import mailbox
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Watcher, write_config, write_roster
from PIL import Image

from storage import open_database
from watcher.config import load_config
from watcher.demo.appview import FakeAppView
from watcher.demo.portraits import jpeg, recompressed
from watcher.demo.sample import roster_rows
from watcher.links import NOT_A_PROBLEM, UNSUBSCRIBE, link_secret, verify

MARIA = "maria.garcia@svusd.example"


def messages(tmp_path):
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in sorted(box.keys())]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def headers_of(message) -> bytes:
    return bytes(message).split(b"\n\n", 1)[0]


def maria_copy(world) -> bytes:
    return jpeg(recompressed(Image.open(io.BytesIO(world.photos[MARIA])).convert("RGB")))


def impostor(did: str, name: str, bio: str = "", avatar: str | None = None) -> dict:
    actor = {"did": did, "handle": f"{did.rsplit(':', 1)[1]}.bsky.social", "displayName": name, "description": bio}
    if avatar:
        actor["avatar"] = avatar
    return actor


@pytest.fixture
def maria_only(tmp_path, world):
    """A watcher enrolling María García López alone, against a server the test fills."""

    def start(server: FakeAppView, extra_config: str = "") -> Watcher:
        config = write_config(tmp_path, server.base_url)
        config.write_text(config.read_text() + extra_config)
        watcher = Watcher(config)
        rows = [r for r in roster_rows(world) if r["email"] == MARIA]
        watcher("people", "import", str(write_roster(tmp_path, world, rows)))
        return watcher

    return start


def test_a_new_signal_alerts_again_once_and_says_what_changed(tmp_path, world, maria_only):
    claim = impostor("did:plc:claim", "Maria Garcia", "Maestra at Noble Avenue Elementary. Parents, DM me.")
    with FakeAppView([claim], {"/img/maria.jpg": maria_copy(world)}) as server:
        watcher = maria_only(server)
        watcher("scan")
        (first,) = messages(tmp_path)
        assert "Update on a profile" not in text_of(first)
        assert "List-Unsubscribe" not in first  # no web front configured: reply instructions instead
        assert 'reply with "opt out"' in text_of(first)

        claim["description"] = "Maestra at Noble Avenue Elementary. Now on Bluesky!"  # same signals: quiet
        watcher("scan")
        assert len(messages(tmp_path)) == 1

        claim["avatar"] = "/img/maria.jpg"  # the photo starts matching: a material change
        watcher("scan")
        assert len(messages(tmp_path)) == 2
        update = text_of(messages(tmp_path)[1])
        assert "Update on a profile we told you about before: the profile photo now matches" in update

        watcher("scan")
        assert len(messages(tmp_path)) == 2


def test_the_daily_cap_holds_findings_back_and_carries_them_into_the_next_alert(tmp_path, world, maria_only):
    copy = maria_copy(world)
    first = impostor("did:plc:first", "Maria Garcia", avatar="/img/maria.jpg")
    second = impostor("did:plc:second", "María García", "Teacher", avatar="/img/maria.jpg")
    with FakeAppView([first], {"/img/maria.jpg": copy}) as server:
        watcher = maria_only(server, "[alerts]\nmax_per_person_per_day = 1\n")
        watcher("scan")
        assert len(messages(tmp_path)) == 1

        server.actors.append(second)
        watcher("scan")
        assert len(messages(tmp_path)) == 1  # over today's cap: held back, not lost
        db = open_database(load_config(watcher.config).database)
        waiting = db.execute("SELECT COUNT(*) FROM findings WHERE alerted_at IS NULL AND status = 'new'").fetchone()
        assert waiting[0] == 1

        db.execute("UPDATE outbox SET created_at = '2000-01-01T00:00:00+00:00'")  # as if that alert was yesterday
        watcher("scan")
    carried = messages(tmp_path)
    assert len(carried) == 2
    text = text_of(carried[1])
    assert "@second.bsky.social" in text and "@first.bsky.social" not in text


def test_with_a_web_front_alerts_carry_signed_one_click_links(tmp_path, world, maria_only):
    copy = impostor("did:plc:copy", "Maria Garcia", avatar="/img/m.jpg")
    with FakeAppView([copy], {"/img/m.jpg": maria_copy(world)}) as server:
        watcher = maria_only(server, '[web]\nbase_url = "https://watch.svusd.example/"\n')
        watcher("scan")
    (message,) = messages(tmp_path)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert url.startswith("https://watch.svusd.example/unsubscribe?")
    query = parse_qs(urlsplit(url).query)
    secret = link_secret(open_database(load_config(watcher.config).database))
    person_id = int(query["id"][0])
    assert verify(secret, UNSUBSCRIBE, person_id, query["t"][0])
    assert not verify(secret, UNSUBSCRIBE, person_id + 1, query["t"][0])  # no guessing another person's link
    assert not verify(secret, NOT_A_PROBLEM, person_id, query["t"][0])
    text = text_of(message)
    assert "This is me, or not a problem: https://watch.svusd.example/not-a-problem?id=" in text
    assert url in text and "reply to this e-mail" not in text


@pytest.mark.parametrize(
    "name",
    [
        "Maria Garcia <script>alert(1)</script>",
        "Maria Garcia\r\nBcc: everyone@svusd.example\r\nSubject: pwned",
        "Maria Garcia \u202erehcaet\u202c",
        "Maria Garcia " + "Z" * 5000,
    ],
    ids=["script", "crlf", "rtl-override", "5000-chars"],
)
def test_hostile_display_names_are_escaped_shortened_and_kept_out_of_headers(tmp_path, world, maria_only, name):
    evil = impostor("did:plc:evil", name, avatar="/img/m.jpg")
    with FakeAppView([evil], {"/img/m.jpg": maria_copy(world)}) as server:
        watcher = maria_only(server)
        watcher("scan")
    (message,) = messages(tmp_path)
    headers = headers_of(message)
    for fragment in (b"script", b"everyone@", b"pwned", b"ZZZ", "\u202e".encode()):
        assert fragment not in headers
    assert message["Bcc"] is None and message["Subject"].startswith("Identity Watch: 1 possible")
    html = message.get_body(("html",)).get_content()
    text = text_of(message)
    assert "<script>" not in html and "\u202e" not in html + text
    if "script" in name:
        assert "&lt;script&gt;" in html
    assert "Z" * 200 not in text and "Z" * 200 not in html  # a name is shown up to 200 characters
    assert all(len(line) < 400 for line in text.splitlines())
