"""Alert e-mails: one per person and scan, capped per day, again only when the evidence grows.

Each test serves its own profiles from a local Bluesky stand-in and reads the real Maildir back.
"""

from __future__ import annotations

import io
import mailbox
import re
from datetime import datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import Watcher, write_config, write_roster
from markupsafe import escape
from PIL import Image

from notifications.alert_mail import render_alert
from notifications.reasons_es import in_spanish
from sources.registry import source_types
from storage import findings as findings_store
from storage import open_database
from storage import people as people_store
from watcher.config import SourceConfig, load_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.fake_mastodon import account as mastodon_account
from watcher.demo.portraits import jpeg, recompressed
from watcher.demo.sample import roster_rows
from watcher.errors import ConfigError
from watcher.links import EVIDENCE, IMPOSTOR, NOT_A_PROBLEM, UNSUBSCRIBE, link, link_secret, resolve, verify
from watcher.models import AlertLinks, Evidence, Finding, Person, ReportGuide
from watcher.platform_facts import profile_links, report_guides
from watcher.weeks import last_complete_week, parse_week

MARIA = "maria.garcia@svusd.example"


def messages(tmp_path):
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in sorted(box.keys())]


def raw_messages(tmp_path) -> list[bytes]:
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    return [box.get_bytes(key) for key in sorted(box.keys())]


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
        assert "List-Unsubscribe" not in first  # no web front configured: the office's address instead
        assert "write to the communications office: communications@svusd.example" in text_of(first)  # [digest] to
        assert "reply" not in text_of(first).lower()

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


def token_of(url: str) -> str:
    (token,) = parse_qs(urlsplit(url).query)["t"]
    return token


def test_with_a_web_front_alerts_carry_signed_one_click_links(tmp_path, world, maria_only):
    """Attack: act for someone else from one's own alert. The links name the person by a random uid
    (no id to count up), and each token works for its own purpose and finding only."""
    copy = impostor("did:plc:copy", "Maria Garcia", avatar="/img/m.jpg")
    with FakeAppView([copy], {"/img/m.jpg": maria_copy(world)}) as server:
        watcher = maria_only(server, '[web]\nbase_url = "https://watch.svusd.example/"\n')
        watcher("scan")
    (message,) = messages(tmp_path)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (raw,) = raw_messages(tmp_path)
    # The URL itself, on one line: folded into an encoded-word, no mail client would open it.
    header = re.search(rb"^List-Unsubscribe: (.*)$", raw, re.MULTILINE)[1].decode()
    assert re.fullmatch(r"<https://watch\.svusd\.example/unsubscribe\?t=[A-Za-z0-9._-]+>", header), header
    url = header.strip("<>")
    assert "id" not in parse_qs(urlsplit(url).query)  # nothing but the signed token
    db = open_database(load_config(watcher.config).database)
    secret = link_secret(db)
    (uid,) = db.execute("SELECT uid FROM people WHERE email = ?", [MARIA]).fetchone()
    (finding_id,) = db.execute("SELECT id FROM findings").fetchone()
    subject = verify(secret, UNSUBSCRIBE, token_of(url))
    assert subject is not None and subject.uid == uid and subject.finding_id is None
    assert verify(secret, NOT_A_PROBLEM, token_of(url)) is None  # a token works for its own purpose only
    assert resolve(db, UNSUBSCRIBE, token_of(url)).person_id == people_store.person_by_uid(db, uid)
    text = text_of(message)
    answer = re.search(r"This account is mine, or not a problem: (\S+)", text)[1]
    assert answer.startswith("https://watch.svusd.example/not-a-problem?t=")
    assert verify(secret, NOT_A_PROBLEM, token_of(answer)).finding_id == finding_id
    assert verify(secret, UNSUBSCRIBE, token_of(answer)) is None
    assert f"Stop these alerts: {url}" in text and "reply" not in text.lower()


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


def test_the_profile_link_goes_only_to_the_platform_the_finding_came_from(tmp_path, world):
    """Attack: a Mastodon account whose ``url`` field points at a look-alike sign-in page. The alert
    and the digest must not link it (nor print it, which a mail client would link): the account is
    named as text, with its evidence page. An account whose page is on its own server stays linked."""
    bio = "<p>Maestra at Noble Avenue Elementary. Parents, DM me.</p>"
    phishing = mastodon_account(7, "maria_garcia", "Maria Garcia", bio, url="https://evil.example/login?next=svusd")
    remote = mastodon_account(8, "mgarcia", "María García", bio, acct="mgarcia@remote.example")
    remote["url"] = "https://remote.example/@mgarcia"  # Mastodon shows a remote account on its own server
    with FakeAppView([]) as appview, FakeMastodon([phishing, remote]) as mastodon:
        config = write_config(tmp_path, appview.base_url, mastodon.base_url)
        config.write_text(config.read_text() + '\n[web]\nbase_url = "https://watch.svusd.example"\n')
        watcher = Watcher(config)
        rows = [r for r in roster_rows(world) if r["email"] == MARIA]
        watcher("people", "import", str(write_roster(tmp_path, world, rows)))
        watcher("scan")
    alerts = messages(tmp_path)  # one, or one per finding as the scan goes
    text = "".join(map(text_of, alerts))
    html = "".join(m.get_body(("html",)).get_content() for m in alerts)
    assert "evil.example" not in text + html + "".join(headers_of(m).decode() for m in alerts)
    assert "Profile: not linked: the address it gives is not a mastodon page" in text
    assert "Profile: https://remote.example/@mgarcia" in text and 'href="https://remote.example/@mgarcia"' in html
    item = re.search(r"@maria_garcia@\S+.*?(?=\n\d+\. |\n\nOnly you)", text, re.DOTALL)[0]
    evidence = re.search(r"Evidence page: (\S+)", item)[1]
    assert evidence.startswith("https://watch.svusd.example/evidence?t=")
    db = open_database(load_config(config).database)
    (finding_id,) = db.execute(
        "SELECT f.id FROM findings f JOIN profiles p ON p.id = f.profile_id WHERE p.handle LIKE 'maria_garcia@%'"
    ).fetchone()
    assert verify(link_secret(db), EVIDENCE, token_of(evidence)).finding_id == finding_id

    week = last_complete_week(ZoneInfo("America/Los_Angeles"))
    monday = datetime.combine(parse_week(week), time(12), tzinfo=ZoneInfo("America/Los_Angeles"))
    db.execute("UPDATE findings SET first_seen = ?", [(monday + timedelta(days=2)).isoformat(timespec="seconds")])
    db.conn.commit()
    watcher("digest", "--week", week, "--send")
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    (digest,) = [
        m
        for m in map(BytesParser(policy=policy.default).parsebytes, map(box.get_bytes, box.keys()))
        if str(m["Subject"]).startswith("Identity Watch weekly digest")
    ]
    body = text_of(digest) + digest.get_body(("html",)).get_content()
    assert "@maria_garcia@" in body and "evil.example" not in body


SOCIAL = SourceConfig("social", "mastodon", "https://social.example")


def alert_about(finding: Finding, **options) -> EmailMessage:
    """The alert to María about one finding of the ``social`` Mastodon source, rendered directly."""
    return render_alert(
        Person(id=1, email=MARIA, name="María García López"),
        [finding],
        sender="Watch <w@svusd.example>",
        district="SVUSD",
        report_guides=report_guides([SOCIAL], [finding]),
        profile_links=profile_links([SOCIAL], [finding]),
        **options,
    )


def test_scraped_text_stays_out_of_headers_and_link_attributes():
    """Attack: scraped text that breaks out of an href (a quote in a profile address on the right
    host), into a header (CR LF in a name), or into the signed links. Headers carry only our own
    address and tokens; every scraped string in the HTML is escaped."""
    finding = Finding(
        id=5,
        kind="impersonation",
        person_email=MARIA,
        source="social",
        handle="ana@remote.example",
        display_name="Ana\r\nBcc: everyone@svusd.example",
        profile_url='https://remote.example/@ana"><script>alert(1)</script>',
        score=0.9,
        status="new",
        evidence=Evidence(reasons=("<img src=x onerror=alert(1)>",)),
    )
    secret, uid = b"k" * 32, "Q" * 22
    links = AlertLinks(
        unsubscribe=link("https://watch.svusd.example", secret, UNSUBSCRIBE, uid),
        not_a_problem={5: link("https://watch.svusd.example", secret, NOT_A_PROBLEM, uid, 5)},
        evidence={5: link("https://watch.svusd.example", secret, EVIDENCE, uid, 5)},
        impostor={5: link("https://watch.svusd.example", secret, IMPOSTOR, uid, 5)},
        manage="https://watch.svusd.example/",
    )
    message = alert_about(finding, links=links)
    raw = message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    for fragment in (b"script", b"everyone@", b"remote.example", b"Bcc", b"onerror"):
        assert fragment not in headers
    assert f"List-Unsubscribe: <{links.unsubscribe}>".encode() in headers
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<img" not in html and "&lt;img src=x" in html
    assert 'href="https://remote.example/@ana&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    text = text_of(message)
    assert f"This account is mine, or not a problem: {links.not_a_problem[5]}" in text
    assert f"Yes, this is someone pretending to be me: {links.impostor[5]}" in text


def test_an_alert_links_the_staff_page_when_the_district_publishes_one(tmp_path):
    """``[alerts] staff_page_url``: every alert points the employee at the plain page (docs/staff.md)
    saying what an alert means, how to report and how to leave; without one, no dangling line."""
    finding = Finding(
        id=3,
        kind="impersonation",
        person_email=MARIA,
        source="social",
        handle="maria",
        display_name="María",
        profile_url="https://social.example/@maria",
        score=0.9,
        status="new",
        evidence=Evidence(rule="name+photo", signals=("name", "photo"), reasons=("the photo is yours",)),
    )
    page = "https://intranet.svusd.example/identity-watch/staff"
    with_page = alert_about(finding, staff_page=page)
    assert f"What this alert means and what to do, in plain words: {page}" in text_of(with_page)
    assert f'<a href="{page}">What this alert means' in with_page.get_body(("html",)).get_content()
    without = alert_about(finding)
    assert "What this alert means" not in text_of(without) + without.get_body(("html",)).get_content()

    config = tmp_path / "watcher.toml"
    config.write_text(f'[alerts]\nstaff_page_url = "{page}"\n')
    assert load_config(config).alerts.staff_page_url == page
    config.write_text('[alerts]\nstaff_page_url = "javascript:alert(1)"\n')
    with pytest.raises(ConfigError, match="staff_page_url must start with https://"):
        load_config(config)


WATCH = "https://watch.svusd.example"


def answer_links(uid: str = "Q" * 22, secret: bytes = b"k" * 32) -> AlertLinks:
    return AlertLinks(
        unsubscribe=link(WATCH, secret, UNSUBSCRIBE, uid),
        not_a_problem={3: link(WATCH, secret, NOT_A_PROBLEM, uid, 3)},
        evidence={3: link(WATCH, secret, EVIDENCE, uid, 3)},
        impostor={3: link(WATCH, secret, IMPOSTOR, uid, 3)},
        manage=f"{WATCH}/",
    )


def a_finding(**changes) -> Finding:
    values = {
        "id": 3,
        "kind": "impersonation",
        "person_email": MARIA,
        "source": "social",
        "handle": "maria",
        "display_name": "María <b>García</b>",
        "profile_url": "https://social.example/@maria",
        "score": 0.9,
        "status": "new",
        "evidence": Evidence(rule="name+photo", signals=("name", "photo"), reasons=("the photo is yours",)),
    }
    return Finding(**(values | changes))


def spanish_alert(finding: Finding, **options) -> EmailMessage:
    return render_alert(
        Person(id=1, email=MARIA, name="María García López", language="es"),
        [finding],
        sender="Watch <w@svusd.example>",
        district="SVUSD",
        reply_to="Comunicaciones <comms@svusd.example>",
        report_guides=report_guides([SOCIAL], [finding]),
        profile_links=profile_links([SOCIAL], [finding]),
        **options,
    )


@pytest.mark.parametrize("with_links", [True, False], ids=["web front", "no web front"])
def test_a_spanish_speaking_person_gets_the_alert_in_spanish(with_links):
    """Subject, text and HTML in Spanish; scraped text escaped as ever; the reasons and the platform's
    steps shown as recorded; without a web front the office's address, not a request to reply."""
    finding = a_finding()
    links = answer_links() if with_links else None
    message = spanish_alert(finding, links=links)
    assert message["Subject"] == "Identity Watch: 1 posible cuenta de suplantación encontrada"
    text, html = text_of(message), message.get_body(("html",)).get_content()
    assert text.startswith("Hola, María García López:") and '<html lang="es">' in html
    guide = report_guides([SOCIAL], [finding])[3].in_language("es")
    assert "   - the photo is yours" in text and f"Qué hacer: {guide.steps}" in text
    assert "<b>" not in html and "&lt;b&gt;García&lt;/b&gt;" in html
    if with_links:
        assert f"Esta cuenta es mía, o no es un problema: {links.not_a_problem[3]}" in text
        assert f"Sí, es alguien que se hace pasar por mí: {links.impostor[3]}" in text
        assert f"Dejar de recibir estos avisos: {links.unsubscribe}" in text
        assert f"Gestionar su inscripción o darse de baja: {WATCH}/" in text
        assert f'href="{links.impostor[3]}"' in html
    else:
        assert "dígaselo a la oficina de\ncomunicaciones (comms@svusd.example)" in text
        assert "List-Unsubscribe" not in message
    two = render_alert(
        Person(id=1, email=MARIA, name="María", language="es"),
        [finding, a_finding(id=4)],
        sender="w@svusd.example",
        district="SVUSD",
        report_guides=report_guides([SOCIAL], [finding, a_finding(id=4)]),
    )
    assert two["Subject"] == "Identity Watch: 2 posibles cuentas de suplantación encontradas"


def test_an_update_note_speaks_the_persons_language():
    told = a_finding(alerted_signals=("name",))
    assert "Novedad sobre un perfil del que ya le avisamos: la foto del perfil ahora coincide" in text_of(
        spanish_alert(told)
    )
    assert "Update on a profile we told you about before: the profile photo now matches" in text_of(alert_about(told))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("with_links", [True, False], ids=["web front", "no web front"])
def test_no_alert_asks_for_a_reply(language, with_links):
    """Nobody reads replies automatically: no "reply" (nor "responda") in any alert, in either language."""
    finding = a_finding()
    message = render_alert(
        Person(id=1, email=MARIA, name="María", language=language),
        [finding],
        sender="Watch <w@svusd.example>",
        district="SVUSD",
        reply_to="comms@svusd.example",
        report_guides=report_guides([SOCIAL], [finding]),
        links=answer_links() if with_links else None,
    )
    body = (text_of(message) + message.get_body(("html",)).get_content()).lower()
    for word in ("reply", "respond", "responda", "conteste", "with its number", "su número"):
        assert word not in body, word


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_link_of_a_real_alert_is_present_and_signed_for_its_purpose(tmp_path, world, maria_only, language):
    """A scan with a web front: per finding the "mine", "impostor" and evidence links, each verifying for
    its own purpose, person and finding only; the footer's unsubscribe and manage links; the RFC 8058
    headers; in the person's language."""
    copy = impostor("did:plc:copy", "Maria Garcia", avatar="/img/m.jpg")
    other = impostor("did:plc:other", "María García", "Maestra at Noble Avenue Elementary", avatar="/img/m.jpg")
    with FakeAppView([copy, other], {"/img/m.jpg": maria_copy(world)}) as server:
        watcher = maria_only(server, f'[web]\nbase_url = "{WATCH}"\n')
        db = open_database(load_config(watcher.config).database)
        people_store.set_language(db, people_store.person_by_email(db, MARIA).id, language)
        watcher("scan")
    alerts = messages(tmp_path)
    assert alerts
    secret = link_secret(db)
    (uid,) = db.execute("SELECT uid FROM people WHERE email = ?", [MARIA]).fetchone()
    finding_ids = {row[0] for row in db.execute("SELECT id FROM findings")}
    assert len(finding_ids) == 2
    seen: dict[str, set[int]] = {NOT_A_PROBLEM: set(), IMPOSTOR: set(), EVIDENCE: set()}
    for message in alerts:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        header = str(message["List-Unsubscribe"]).strip("<>")
        assert verify(secret, UNSUBSCRIBE, token_of(header)).uid == uid
        assert message["Subject"].startswith("Identity Watch: ")
        assert ("posible" in message["Subject"]) == (language == "es")
        text = text_of(message)
        urls = re.findall(re.escape(WATCH) + r"/\S*", text)
        assert f"{WATCH}/" in urls and header in urls  # manage, and the unsubscribe link in the text too
        for url in urls:
            purpose = urlsplit(url).path.strip("/")
            if purpose in seen:
                subject = verify(secret, purpose, token_of(url))
                assert subject is not None and subject.uid == uid and subject.finding_id in finding_ids
                assert all(verify(secret, p, token_of(url)) is None for p in (*seen, UNSUBSCRIBE) if p != purpose)
                seen[purpose].add(subject.finding_id)
        html = message.get_body(("html",)).get_content()
        assert all(f'href="{u}"' in html for u in urls)
    assert all(ids == finding_ids for ids in seen.values()), seen


# --- reasons and report steps in the person's language ----------------------------------------------------

REASONS = (
    "the display name is your name written with look-alike letters; one letter off (“María García López”, 92% alike)",
    "the profile photo is a copy of the photo you enrolled, mirrored (212 matching points, 100% of its layout the"
    " same)",
    "the profile says it is a maestra at Noble Avenue Elementary",
    "the platform's moderators have marked this account: impersonation",
)
REASONS_ES = (
    "el nombre visible se parece a su nombre: su nombre escrito con letras parecidas; una letra distinta"
    " (“María García López”, 92% de parecido)",
    "la foto del perfil es una copia de la foto que usted inscribió, en espejo (212 puntos coincidentes; el 100% de"
    " su disposición coincide)",
    "el perfil dice que es maestra en Noble Avenue Elementary",
    "los moderadores de la plataforma han marcado esta cuenta: suplantación de identidad",
)


@pytest.mark.parametrize("with_links", [True, False], ids=["web front", "no web front"])
def test_a_spanish_alert_says_the_reasons_and_the_report_steps_in_spanish(with_links):
    """The reasons matching wrote (English) and the platform's steps, in Spanish for a Spanish speaker,
    in the text and the HTML alike; an English speaker's alert keeps them as written."""
    finding = a_finding(evidence=Evidence(rule="name+photo", signals=("name", "photo"), reasons=REASONS))
    guide = report_guides([SOCIAL], [finding])[3]
    links = answer_links() if with_links else None
    spanish = spanish_alert(finding, links=links)
    text, html = text_of(spanish), spanish.get_body(("html",)).get_content()
    for english, said in zip(REASONS, REASONS_ES, strict=True):
        assert f"   - {said}\n" in text and f"<li>{escape(said)}</li>" in html
        assert english not in text and escape(english) not in html
    assert f"Qué hacer: {guide.steps_es}" in text and f"Lo que pedirá la plataforma: {guide.needs_es}" in text
    assert guide.steps not in text and guide.needs not in text
    assert "Qué hacer: Abra el perfil desde su propia cuenta de Mastodon" in html  # quotes escaped, words the same
    for word in ("alike", "matching points", "enrolled", "says it is", "moderators", "Open the profile"):
        assert word not in text + html, word

    english = alert_about(finding, links=links)
    text, html = text_of(english), english.get_body(("html",)).get_content()
    for reason in REASONS:
        assert f"   - {reason}\n" in text and f"<li>{escape(reason)}</li>" in html
    assert f"What to do: {guide.steps}" in text and f"The platform will want: {guide.needs}" in text
    assert "Qué hacer" not in text and guide.steps_es not in text and "parecido" not in text + html


def test_every_platform_says_how_to_report_in_both_languages():
    """Each adapter's report steps (and the generic advice for a profile page or an unknown type) in
    English and Spanish; a language with no translation gets English."""
    sources = [SourceConfig(t, t, "https://example.invalid") for t in source_types()]
    findings = [a_finding(id=i, source=s.name) for i, s in enumerate([*sources, SourceConfig("x", "gone", "")])]
    guides = report_guides(sources, findings)
    assert len({g.steps for g in guides.values()}) == len(source_types())  # profile pages: the generic advice
    for guide in guides.values():
        spanish = guide.in_language("es")
        assert spanish.steps and spanish.needs and (spanish.steps, spanish.needs) == (guide.steps_es, guide.needs_es)
        assert spanish.steps != guide.steps and spanish.needs != guide.needs
        assert guide.in_language("en") == ReportGuide(guide.steps, guide.needs)
        assert guide.in_language("fr") == ReportGuide(guide.steps, guide.needs)
    assert ReportGuide("Open it.", "a link").in_language("es") == ReportGuide("Open it.", "a link")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_real_scan_alerts_in_the_persons_language_down_to_the_reasons(tmp_path, world, maria_only, language):
    """A scan against the Bluesky stand-in: the alert's reasons and Bluesky's steps in the person's language."""
    claim = impostor("did:plc:claim", "Maria Garcia", "Maestra at Noble Avenue Elementary. Parents, DM me.")
    with FakeAppView([claim], {}) as server:
        watcher = maria_only(server)
        db = open_database(load_config(watcher.config).database)
        people_store.set_language(db, people_store.person_by_email(db, MARIA).id, language)
        watcher("scan")
    (message,) = messages(tmp_path)
    text = text_of(message)
    (finding,) = findings_store.list_findings(db)
    reasons = finding.evidence.reasons
    assert len(reasons) == 2 and reasons[1] == "the profile says it is a maestra at Noble Avenue Elementary"
    bluesky = report_guides(load_config(watcher.config).sources, [finding])[finding.id]
    if language == "es":
        assert all(f"   - {in_spanish(r)}\n" in text and in_spanish(r) != r for r in reasons)
        assert "   - el perfil dice que es maestra en Noble Avenue Elementary\n" in text
        assert f"Qué hacer: {bluesky.steps_es}" in text and bluesky.steps not in text
    else:
        assert all(f"   - {r}\n" in text for r in reasons)
        assert f"What to do: {bluesky.steps}" in text and bluesky.steps_es not in text
