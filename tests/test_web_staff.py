"""The staff pages of the web front: sign up, the e-mailed link, consent and enrolment with photos,
manage, leave. The real application (Flask's test client) over a copy of the sample world's files."""

from __future__ import annotations

import hashlib
import mailbox
import math
import struct
import zlib
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Watcher, sql
from markupsafe import escape
from web_support import BASE_URL, Site
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storage import people as people_store
from watcher import links, pipeline
from watcher.demo.portraits import jpeg, portrait
from watcher.web.guard import MAX_UPLOAD_BYTES, InMemoryRequest
from watcher.web.staff import PER_CLIENT
from watcher.web.words import WORDS

JOSE = "jose.torres@svusd.example"  # on the roster, opted out, not enrolled on the web yet
MARIA = "maria.garcia@svusd.example"
NOBODY = "nobody@svusd.example"


# --- helpers ------------------------------------------------------------------------------------


def ask_link(site: Site, email: str, client=None, page: str = "/"):
    return site.post("/sign-up", {"email": email}, client=client, page=page)


def all_mails(site: Site) -> int:
    folder = site.config.email.maildir
    return len(mailbox.Maildir(folder, create=False).keys()) if folder.exists() else 0


def token_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["t"][0]


def person(site: Site, email: str):
    db = site.db()
    try:
        return people_store.person_by_email(db, email)
    finally:
        db.close()


def signed_in(site: Site, email: str, client=None):
    """A browser signed in as ``email`` through a sign-in link made as the start page makes it."""
    db = site.db()
    try:
        pid = people_store.person_by_email(db, email).id
        url = links.link(
            BASE_URL, links.link_secret(db), links.SIGN_IN, people_store.person_uid(db, pid), now=site.clock()
        )
    finally:
        db.close()
    client = client or site.new_client()
    path = url.removeprefix(BASE_URL)
    answer = site.post("/sign-in", {"t": token_of(path)}, client=client, page=path)
    assert answer.status_code == 303
    return client


def post_photos(site: Site, client, path: str, photos: list[tuple[bytes, str]], page: str, **fields):
    """A multipart POST as the page's form sends it, encoded here: the test client would spool a large
    body to a temporary file of its own and leave it open."""
    files = [FileStorage(BytesIO(data), filename=name, content_type="image/jpeg") for data, name in photos]
    values = {"csrf": site.csrf(client, page), **fields, "photos": files}
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def enrol(site: Site, client, photos: list[tuple[bytes, str]], **fields):
    data = {"accounts": "", "alerts": "on", "language": "en", "consent": "yes"} | fields
    return post_photos(site, client, "/enrol", photos, "/enrol", **data)


def enrolled(site: Site, email: str, **fields):
    client = signed_in(site, email)
    answer = enrol(site, client, [(jpeg(portrait(301)), "me.jpg")], **fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client


def views_of(site: Site, email: str) -> list[tuple]:
    return sql(
        site.config.database,
        "SELECT photo FROM reference_views WHERE person_id = (SELECT id FROM people WHERE email = ?)",
        [email],
    )


def html(answer) -> str:
    return answer.get_data(as_text=True)


def giant_png(pixels: int) -> bytes:
    """A small file that decodes to more than ``pixels`` pixels (one bit each, all zero)."""
    side = math.isqrt(pixels) + 64
    rows = (b"\x00" + bytes((side + 7) // 8)) * side

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


# --- words --------------------------------------------------------------------------------------


def test_both_languages_have_every_word():
    assert set(WORDS["en"]) == set(WORDS["es"])
    assert all(WORDS["es"].values()) and all(WORDS["en"].values())


# --- the whole way: sign up, e-mail, link, consent, photo ---------------------------------------


def test_sign_up_to_enrolment_keeps_hashes_and_never_the_photo(enrolled_site):
    site = enrolled_site
    photo = (site.folder / "photos" / "jose.torres.jpg").read_bytes()
    second = jpeg(portrait(302))
    client = site.new_client()
    assert 'id="sign-up"' in html(client.get("/"))
    answer = ask_link(site, JOSE, client)
    assert answer.status_code == 200 and 'id="sent"' in html(answer)

    (mail,) = site.mails_to(JOSE)
    assert mail["Subject"] == "Your Identity Watch link" and mail["Auto-Submitted"] == "auto-generated"
    assert mail["From"].addresses[0].addr_spec == "watch@svusd.example" and mail["Message-ID"] and mail["Date"]
    text = mail.get_body(("plain",)).get_content()
    assert "enrol" in text and "24 hours" in text and "did not make this request" in text
    (path,) = Site.links(mail, "sign-in")

    page = client.get(path)
    assert page.status_code == 200 and 'id="continue-form"' in html(page)
    answer = site.post("/sign-in", {"t": token_of(path)}, client=client, page=path)
    assert answer.status_code == 303 and answer.location.endswith("/enrol")

    page = html(client.get("/enrol"))
    assert 'id="consent"' in page and 'id="enrol"' in page and "/static/preview.js" in page
    assert "180 days" in page and "30 days" in page  # the retention config, said in the consent
    answer = enrol(
        site,
        client,
        [(photo, "jose.torres.jpg"), (second, "second.jpg")],
        accounts="bluesky:@JoseT.bsky.social\n\nmastodon:jose@social.example",
        alerts="off",
        language="es",
    )
    assert answer.status_code == 303 and answer.location.endswith("/manage")
    page = html(client.get("/manage"))
    assert 'id="summary"' in page and "José Luis Torres" in page and "Su inscripción está completa" in page

    me = person(site, JOSE)
    assert me.consented_at and me.opt_in is False and me.language == "es"
    assert me.accounts == {"bluesky:joset.bsky.social", "mastodon:jose@social.example"}
    assert sorted(views_of(site, JOSE)) == [(1,), (2,)]
    assert site.app.request_class is InMemoryRequest  # uploads are never spooled to a temporary file
    (row,) = site.audit_rows("enrolled")
    assert row["actor"] == JOSE and row["detail"] == {"photos": 2, "accounts": 2, "alerts": "off", "language": "es"}
    stored = b"".join(p.read_bytes() for p in site.folder.glob("watcher.db*"))
    for picture in (photo, second):
        assert picture[400:464] not in stored and picture[-64:] not in stored


def test_the_answer_is_the_same_for_anyone_and_only_staff_get_mail(enrolled_site):
    site = enrolled_site
    before = all_mails(site)
    unknown = ask_link(site, NOBODY, site.new_client())
    assert all_mails(site) == before
    known = ask_link(site, JOSE, site.new_client())
    assert all_mails(site) == before + 1
    assert unknown.status_code == known.status_code == 200 and html(unknown) == html(known)


def test_a_malformed_address_gets_the_form_again(enrolled_site):
    answer = ask_link(enrolled_site, "not an address<script>")
    assert answer.status_code == 400
    page = html(answer)
    assert 'id="sign-up"' in page and "That is not an e-mail address" in page and "<script>" not in page


def test_sign_up_mails_are_throttled_per_address_and_client(enrolled_site):
    site = enrolled_site
    for _ in range(4):
        answer = ask_link(site, JOSE, site.new_client())
        assert 'id="sent"' in html(answer)
    assert len(site.mails_to(JOSE)) == 3  # three an hour
    for _ in range(3):
        site.clock.advance(minutes=61)
        ask_link(site, JOSE, site.new_client())
    assert len(site.mails_to(JOSE)) == 6  # six a day
    site.clock.advance(minutes=61)
    ask_link(site, JOSE, site.new_client())
    assert len(site.mails_to(JOSE)) == 6
    # one client: a hundred an hour, whatever the addresses
    site.clock.advance(days=2)
    for number in range(PER_CLIENT[1]):
        ask_link(site, f"someone{number}@svusd.example")
    answer = ask_link(site, MARIA)
    assert 'id="sent"' in html(answer) and site.mails_to(MARIA) == []


def test_a_sign_in_link_works_once_and_for_a_day(enrolled_site):
    site = enrolled_site
    client = site.new_client()
    ask_link(site, JOSE, client)
    (path,) = Site.links(site.mails_to(JOSE)[-1], "sign-in")
    assert client.get(path).status_code == 200 and client.get(path).status_code == 200  # a GET spends nothing
    assert site.post("/sign-in", {"t": token_of(path)}, client=client, page=path).status_code == 303
    again = site.post("/sign-in", {"t": token_of(path)}, client=site.new_client())
    assert again.status_code == 400 and 'id="link-invalid"' in html(again)

    ask_link(site, JOSE, client)
    (path,) = Site.links(site.mails_to(JOSE)[-1], "sign-in")
    site.clock.advance(hours=25)
    assert client.get(path).status_code == 400
    late = site.post("/sign-in", {"t": token_of(path)}, client=site.new_client())
    assert late.status_code == 400 and 'id="link-invalid"' in html(late)
    assert client.get("/sign-in?t=forged").status_code == 400


def test_every_staff_post_needs_the_csrf_token(enrolled_site):
    site = enrolled_site
    client = signed_in(site, JOSE)
    for path in ("/sign-up", "/sign-in", "/enrol", "/manage/photos", "/manage/accounts", "/manage/alerts"):
        assert client.post(path, data={"email": JOSE, "alerts": "off"}).status_code == 400, path
    for path in ("/manage/language", "/leave", "/sign-out"):
        assert client.post(path, data={"language": "es"}).status_code == 400, path
    me = person(site, JOSE)
    assert me is not None and me.consented_at is None and site.mails_to(JOSE) == []


@pytest.mark.parametrize(
    ("photos", "error"),
    [
        ([(b"hello, I am text", "note.jpg")], "The photo note.jpg cannot be used"),
        ([(jpeg(portrait(n)), f"p{n}.jpg") for n in range(4)], "Choose at most 3 photos."),
        ([(b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES), "huge.jpg")], "The photo huge.jpg is larger than 10 MB."),
        ([(b"", "empty.jpg")], "The photo empty.jpg is empty."),
        ([], "Choose at least one photo."),
        ("giant", "The photo giant.png cannot be used"),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_saved(enrolled_site, photos, error):
    site = enrolled_site
    if photos == "giant":
        photos = [(giant_png(site.config.network.max_image_pixels), "giant.png")]
    before = views_of(site, JOSE)
    client = signed_in(site, JOSE)
    answer = enrol(site, client, photos, accounts="bluesky:jose.bsky.social")
    assert answer.status_code == 400
    page = html(answer)
    assert error in page and 'id="enrol"' in page and "bluesky:jose.bsky.social" in page
    me = person(site, JOSE)
    assert me.consented_at is None and views_of(site, JOSE) == before and me.accounts == frozenset()
    assert site.audit_rows("enrolled") == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"consent": ""}, "Tick the box"),
        ({"alerts": "maybe"}, "Choose whether you want e-mail alerts."),
        ({"language": "fr"}, "Choose English or Spanish."),
        ({"accounts": "bluesky:ok.bsky.social\nno handle here"}, "Line 2 of your accounts"),
        ({"accounts": "\n".join(f"bluesky:h{n}.bsky.social" for n in range(21))}, "at most 20 accounts"),
    ],
)
def test_a_bad_enrolment_form_is_refused(enrolled_site, fields, error):
    site = enrolled_site
    client = signed_in(site, JOSE)
    answer = enrol(site, client, [(jpeg(portrait(301)), "me.jpg")], **fields)
    assert answer.status_code == 400 and error in html(answer)
    assert person(site, JOSE).consented_at is None


# --- manage -------------------------------------------------------------------------------------


def test_manage_changes_are_saved_and_audited(enrolled_site):
    site = enrolled_site
    client = enrolled(site, JOSE)
    assert views_of(site, JOSE) == [(1,)]

    photos = [(jpeg(portrait(303)), "a.jpg"), (jpeg(portrait(304)), "b.jpg"), (jpeg(portrait(305)), "c.jpg")]
    answer = post_photos(site, client, "/manage/photos", photos, "/manage")
    assert answer.status_code == 303
    assert sorted(views_of(site, JOSE)) == [(1,), (2,), (3,)]
    assert site.audit_rows("photos_replaced")[0]["detail"] == {"photos": 3}

    answer = site.post("/manage/accounts", {"accounts": "bluesky:jose.bsky.social"}, client=client, page="/manage")
    assert answer.status_code == 303 and person(site, JOSE).accounts == {"bluesky:jose.bsky.social"}
    assert site.audit_rows("accounts_changed")[0]["detail"] == {"accounts": 1}

    answer = site.post("/manage/alerts", {"alerts": "off"}, client=client, page="/manage")
    assert answer.status_code == 303 and person(site, JOSE).opt_in is False
    assert site.audit_rows("alerts_paused")[0]["actor"] == JOSE
    site.post("/manage/alerts", {"alerts": "on"}, client=client, page="/manage")
    assert person(site, JOSE).opt_in is True and len(site.audit_rows("alerts_on")) == 1

    answer = site.post("/manage/language", {"language": "es"}, client=client, page="/manage")
    assert answer.status_code == 303 and person(site, JOSE).language == "es"
    assert site.audit_rows("language_changed")[0]["detail"] == {"language": "es"}
    page = html(client.get("/manage"))
    assert '<html lang="es">' in page and "Gestionar mi inscripción" in page and "le escribiremos en español" in page


def test_manage_refuses_bad_input_with_one_line(enrolled_site):
    site = enrolled_site
    client = enrolled(site, JOSE)
    answer = post_photos(site, client, "/manage/photos", [(b"GIF89a nonsense", "x.gif")], "/manage")
    assert answer.status_code == 400 and "The photo x.gif cannot be used" in html(answer)
    assert views_of(site, JOSE) == [(1,)]
    answer = site.post("/manage/accounts", {"accounts": "just-a-handle"}, client=client, page="/manage")
    assert answer.status_code == 400 and "Line 1 of your accounts" in html(answer)
    assert site.audit_rows("photos_replaced") == site.audit_rows("accounts_changed") == []


def test_nobody_makes_a_colleagues_account_their_own(enrolled_site):
    """An account another employee lists stays theirs: listing it would keep it from ever being flagged."""
    site = enrolled_site
    client = enrolled(site, JOSE)
    maria = "bluesky:mgarcia-teaches.bsky.social"  # María's own account on the roster
    answer = site.post(
        "/manage/accounts", {"accounts": f"bluesky:jose.bsky.social\n{maria}"}, client=client, page="/manage"
    )
    assert answer.status_code == 400 and "is listed as another employee&#39;s own account" in html(answer)
    assert person(site, JOSE).accounts == frozenset() and maria in person(site, MARIA).accounts


def test_a_session_reaches_only_its_own_person_and_expires(enrolled_site):
    site = enrolled_site
    jose = enrolled(site, JOSE)
    maria = signed_in(site, MARIA)
    maria_page = html(maria.get("/manage"))  # the roster enrolled her: she manages without enrolling herself
    assert 'id="roster-only"' in maria_page and 'id="replace-photos"' not in maria_page
    assert "María García López" in maria_page and "José" not in maria_page
    maria_page = html(maria.get("/enrol"))
    assert "María García López" in maria_page and "José" not in maria_page
    jose_page = html(jose.get("/manage"))
    assert "José Luis Torres" in jose_page and "María" not in jose_page and "mgarcia" not in jose_page
    site.clock.advance(hours=2)
    for path in ("/manage", "/enrol", "/leave"):
        answer = jose.get(path)
        assert answer.status_code == 302 and answer.location.endswith("/?expired=1")
    assert 'id="expired"' in html(jose.get("/?expired=1"))


def test_sign_out_ends_the_session(enrolled_site):
    site = enrolled_site
    client = enrolled(site, JOSE)
    answer = site.post("/sign-out", client=client, page="/manage")
    assert answer.status_code == 303 and "You are signed out." in html(client.get("/"))
    assert client.get("/manage").status_code == 302


# --- leave --------------------------------------------------------------------------------------


def test_leaving_deletes_the_person_and_anonymises_their_findings(site):
    maria_id = person(site, MARIA).id
    findings = sql(site.config.database, "SELECT id FROM findings WHERE person_id = ?", [maria_id])
    assert findings
    client = enrolled(site, MARIA, accounts="bluesky:mgarcia-teaches.bsky.social")
    assert 'id="leave-form"' in html(client.get("/leave"))
    answer = site.post("/leave", client=client, page="/leave")
    assert answer.status_code == 200
    page = html(answer)
    assert 'id="left"' in page and f"from {len(findings)} finding(s)" in page

    db = site.config.database
    assert sql(db, "SELECT COUNT(*) FROM people WHERE email = ?", [MARIA]) == [(0,)]
    for table in ("reference_views", "reference_prints", "accounts"):
        assert sql(db, f"SELECT COUNT(*) FROM {table} WHERE person_id = ?", [maria_id]) == [(0,)], table
    marks = ", ".join("?" for _ in findings)
    assert sql(db, f"SELECT DISTINCT person_id FROM findings WHERE id IN ({marks})", [f[0] for f in findings]) in (
        [(None,)],
        [],
    )
    (left,) = site.audit_rows("person_left")
    assert left["actor"] == "staff" and left["detail"] == {}
    assert sql(db, "SELECT COUNT(*) FROM audit WHERE actor LIKE ? OR detail LIKE ?", ["%maria%", "%maria%"]) == [(0,)]
    assert client.get("/manage").status_code == 302  # the session went with her


# --- languages and hostile text ----------------------------------------------------------------


def test_spanish_pages_and_mail(enrolled_site):
    site = enrolled_site
    client = site.new_client()
    page = html(client.get("/?lang=es"))
    assert '<html lang="es">' in page and "Enviarme un enlace" in page
    ask_link(site, JOSE, client)
    (mail,) = site.mails_to(JOSE)
    assert mail["Subject"] == "Su enlace de Identity Watch"
    assert "Hola, José Luis Torres" in mail.get_body(("plain",)).get_content()
    (path,) = Site.links(mail, "sign-in")
    page = html(client.get(path))
    assert "Continuar" in page
    site.post("/sign-in", {"t": token_of(path)}, client=client, page=path)
    page = html(client.get("/enrol"))
    assert "Lo que guardamos sobre usted" in page and '<option value="es" selected>' in page


def test_a_person_who_chose_spanish_gets_spanish_mail_from_an_english_page(enrolled_site):
    site = enrolled_site
    enrolled(site, JOSE, language="es")
    ask_link(site, JOSE, site.new_client(), page="/?lang=en")
    mail = site.mails_to(JOSE)[-1]
    assert mail["Subject"] == "Su enlace de Identity Watch"
    assert "gestionar su inscripción" in mail.get_body(("plain",)).get_content()


def test_a_hostile_roster_name_is_escaped(enrolled_site):
    site = enrolled_site
    sql(site.config.database, "UPDATE people SET name = ? WHERE email = ?", ["<script>alert(1)</script> T", JOSE])
    ask_link(site, JOSE, site.new_client())
    (mail,) = site.mails_to(JOSE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.get_body(("html",)).get_content()
    assert "<script>" not in mail.get_body(("html",)).get_content() and "script" not in mail["Subject"]
    client = signed_in(site, JOSE)
    page = html(client.get("/enrol"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "script-src 'self'" in client.get("/enrol").headers["Content-Security-Policy"]


def test_a_roster_import_keeps_what_people_chose_and_does_not_bring_back_who_left(enrolled_site):
    """The roster says José's alerts are off and lists no account; he chose alerts on, an account and a photo
    of his own on the web: a re-import keeps his choices. María leaves on the web: the next import adds her
    back from the staff list, but with no alerts, photos or accounts until she signs up herself."""
    site = enrolled_site
    enrolled(site, JOSE, accounts="bluesky:jose.bsky.social", alerts="on")
    maria = enrolled(site, MARIA, alerts="on")
    assert site.post("/leave", client=maria, page="/leave").status_code == 200
    result, _, _ = pipeline.import_roster(site.config, site.db(), site.folder / "roster.csv")
    assert result.left == [MARIA] and result.kept == [JOSE]
    jose = person(site, JOSE)
    assert jose.opt_in is True and jose.accounts == {"bluesky:jose.bsky.social"} and views_of(site, JOSE) == [(1,)]
    assert person(site, MARIA) is None  # not enrolled again by the import
    (digest,) = sql(site.config.database, "SELECT digest FROM departed")[0]
    assert MARIA not in digest and hashlib.sha256(MARIA.encode()).hexdigest() != digest  # keyed, not the address
    # IT may add her back by hand: her name only, no alerts, accounts or photos until she signs up herself
    watcher = Watcher(site.folder / "watcher.toml")
    added = watcher("people", "add", "--name", "María García López", "--email", MARIA, "--opt-in")
    assert "left Identity Watch on the web front" in added.output
    again = person(site, MARIA)
    assert again.opt_in is False and again.accounts == frozenset() and views_of(site, MARIA) == []
    enrolled(site, MARIA, alerts="on")  # she signs up again herself: the mark of her leaving goes
    assert person(site, MARIA).opt_in is True and sql(site.config.database, "SELECT COUNT(*) FROM departed") == [(0,)]


def test_nobody_lists_an_account_found_posing_as_a_colleague(site):
    """An impostor of María's, listed by José as his own, would never be flagged again: refused."""
    from storage import findings as findings_store

    (finding, *_) = findings_store.list_findings(site.db(), person_email=MARIA, kind="impersonation")
    account = f"{finding.source}:{finding.handle.lower()}"
    client = enrolled(site, JOSE)
    answer = site.post("/manage/accounts", {"accounts": account}, client=client, page="/manage")
    assert answer.status_code == 400 and "was found posing as one" in html(answer)
    assert person(site, JOSE).accounts == frozenset()


def test_signing_out_ends_the_session_on_the_server_too(enrolled_site):
    """A copy of the cookie taken before signing out (another browser, a stolen one) opens nothing after."""
    site = enrolled_site
    client = enrolled(site, JOSE)
    cookie = client.get_cookie("iw_session").value
    assert site.post("/sign-out", client=client, page="/manage").status_code == 303
    copy = site.new_client()
    copy.set_cookie("iw_session", cookie)
    answer = copy.get("/manage")
    assert answer.status_code == 302 and "/?expired=1" in answer.headers["Location"]
    assert sql(site.config.database, "SELECT COUNT(*) FROM web_sessions") == [(0,)]


def test_someone_the_roster_enrolled_can_pause_alerts_or_leave_without_enrolling(site):
    """María is on the roster, opted in, with a photo: an alert's "manage or leave" works for her as is."""
    maria = signed_in(site, MARIA)
    assert site.post("/manage/alerts", {"alerts": "off"}, client=maria, page="/manage").status_code == 303
    assert person(site, MARIA).opt_in is False
    answer = site.post("/manage/accounts", {"accounts": "bluesky:x.bsky.social"}, client=maria, page="/manage")
    assert answer.status_code == 303 and answer.location.endswith("/enrol")  # accounts come with consent
    assert site.post("/leave", client=maria, page="/leave").status_code == 200
    assert person(site, MARIA) is None


def test_error_pages_speak_the_pages_language(enrolled_site):
    client = enrolled_site.new_client()
    client.get("/?lang=es")
    refused = client.post("/sign-up", data={"email": JOSE})  # no form token
    assert refused.status_code == 400 and escape(WORDS["es"]["error_form"]) in refused.get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and WORDS["es"]["error_404"] in missing.get_data(as_text=True)
    wrong = client.put("/sign-up")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]


def test_a_phones_full_size_photo_is_accepted(enrolled_site):
    """24 megapixels (a phone's default) is over the configured cap of 16, but a JPEG is decoded scaled down."""
    from PIL import Image

    big = BytesIO()
    Image.open(BytesIO(jpeg(portrait(301)))).convert("RGB").resize((4000, 6000)).save(big, "JPEG", quality=80)
    site = enrolled_site
    client = signed_in(site, JOSE)
    assert enrol(site, client, [(big.getvalue(), "IMG_0001.jpg")]).status_code == 303
    assert views_of(site, JOSE) == [(1,)]
