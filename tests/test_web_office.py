"""The communications office's sign-in (password, e-mailed link, throttle), queue of findings (filters,
order, pages, counts, CSV) and finding page (evidence, review, audit), over the scanned sample world:
the real Flask application, a real SQLite copy, the Maildir for its e-mails, an injected clock."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import mailbox
import re
from contextlib import closing
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from web_support import Site

from storage import admins as admins_store
from storage import review as review_store
from storage import web_state
from watcher import evidence_page, links
from watcher.cli import cli
from watcher.display import FINDINGS_CSV
from watcher.errors import InputError
from watcher.office_accounts import hash_password
from watcher.web import guard
from watcher.weeks import parse_week, week_name

EMAIL = "comms@svusd.example"
PASSWORD = "a long office passphrase"
_ROW_IDS = re.compile(r'<tr class="finding" data-id="(\d+)"')


@pytest.fixture
def office(site: Site) -> Site:
    """The site with one office account (EMAIL, PASSWORD)."""
    db = site.db()
    admins_store.add_admin(db, EMAIL, hash_password(PASSWORD))
    db.close()
    return site


def sign_in(site: Site, client=None, *, email: str = EMAIL, password: str = PASSWORD, after: str = ""):
    return site.post(
        "/office/sign-in",
        {"email": email, "password": password, "next": after},
        client=client,
        page="/office/sign-in",
    )


@pytest.fixture
def signed_in(office: Site) -> Site:
    assert sign_in(office).status_code == 303
    return office


def sql(site: Site, statement: str, params: tuple | list = ()) -> list[tuple]:
    db = site.db()
    try:
        rows = db.execute(statement, list(params)).fetchall()
        db.conn.commit()
        return rows
    finally:
        db.close()


def queue_ids(site: Site, query: str = "") -> list[int]:
    response = site.client.get("/office/findings" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in _ROW_IDS.findall(response.get_data(as_text=True))]


def mails_to(site: Site, address: str) -> list:
    """The Maildir's messages to ``address`` (read by key: iterating a Maildir yields messages, not keys)."""
    box = mailbox.Maildir(site.config.email.maildir, create=False)
    found = [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
    return [m for m in found if m["To"].addresses[0].addr_spec == address]


# --- sign-in --------------------------------------------------------------------------------------


def test_a_password_signs_in_and_goes_back_where_it_was_asked(office):
    asked = office.client.get("/office/findings?status=new")
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/office/sign-in?next=")
    answer = sign_in(office, after="/office/findings?status=new")
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/findings?status=new"
    assert office.client.get("/office/findings").status_code == 200
    (row,) = office.audit_rows("signed_in")
    assert row["actor"] == f"office:{EMAIL}" and row["detail"] == {"how": "password"}
    with closing(office.db()) as db:
        assert admins_store.admin_by_email(db, EMAIL).last_sign_in_at is not None


def test_after_sign_in_only_our_office_pages(office):
    for next_path, goes_to in (
        ("/office/findings/3", "/office/findings/3"),
        ("//evil.example/office", "/office"),
        ("https://evil.example/office", "/office"),
        ("/\\evil.example/office", "/office"),
        ("/sign-up", "/office"),
        ("/office\r\nSet-Cookie: a=b", "/office"),
        ("", "/office"),
    ):
        assert sign_in(office, after=next_path).headers["Location"] == goes_to, next_path


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(office):
    wrong = sign_in(office, password="not the passphrase at all")
    unknown = sign_in(office, email="nobody@svusd.example")
    for answer in (wrong, unknown):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'id="sign-in-failed"' in page
    assert office.client.get("/office/findings").status_code == 302
    assert [r["detail"] for r in office.audit_rows("sign_in_failed")] == [
        {"email": EMAIL},
        {"email": "nobody@svusd.example"},
    ]
    assert {r["actor"] for r in office.audit_rows("sign_in_failed")} == {"office-sign-in"}


def test_five_failures_lock_the_account_for_fifteen_minutes(office):
    for _ in range(5):
        assert "sign-in-failed" in sign_in(office, password="wrong wrong wrong").get_data(as_text=True)
    locked = sign_in(office)  # the right password: not even checked
    assert locked.status_code == 429 and "too many sign-in attempts" in locked.get_data(as_text=True).lower()
    assert len(office.audit_rows("sign_in_failed")) == 5
    office.clock.advance(minutes=14)
    assert sign_in(office).status_code == 429
    office.clock.advance(minutes=2)
    assert sign_in(office).status_code == 303


def test_a_success_forgets_the_failures(office):
    for _ in range(4):
        sign_in(office, password="wrong wrong wrong")
    assert sign_in(office).status_code == 303
    for _ in range(4):
        sign_in(office, password="wrong wrong wrong")
    assert sign_in(office).status_code == 303


def test_one_client_guessing_many_addresses_is_stopped(office):
    for n in range(20):
        assert sign_in(office, email=f"guess{n}@svusd.example", password="x").status_code == 200
    assert sign_in(office).status_code == 429  # this client, whatever the account
    assert sign_in(office, client=office.new_client()).status_code == 429  # same address, another cookie jar


def _ask_link(site: Site, email: str = EMAIL):
    answer = site.post("/office/sign-in-link", {"email": email}, page="/office/sign-in")
    assert answer.status_code == 200 and 'id="sent"' in answer.get_data(as_text=True)
    return answer


def test_a_sign_in_link_works_once(office):
    _ask_link(office)
    (mail,) = mails_to(office, EMAIL)
    (path,) = Site.links(mail, links.OFFICE_SIGN_IN)
    browser = office.new_client()
    shown = browser.get(path)
    assert shown.status_code == 200 and 'id="continue-form"' in shown.get_data(as_text=True)
    assert browser.get("/office/findings").status_code == 302  # a GET signs nobody in
    token = path.split("t=", 1)[1]
    used = office.post("/office-sign-in", {"t": token}, client=browser, page=path)
    assert used.status_code == 303 and used.headers["Location"] == "/office"
    assert browser.get("/office/findings").status_code == 200
    assert office.audit_rows("signed_in")[-1]["detail"] == {"how": "link"}
    other = office.new_client()
    again = office.post("/office-sign-in", {"t": token}, client=other, page="/office/sign-in")
    assert again.status_code == 400 and 'id="link-invalid"' in again.get_data(as_text=True)
    assert other.get("/office/findings").status_code == 302


def test_a_sign_in_link_expires_after_fifteen_minutes(office):
    _ask_link(office)
    (path,) = Site.links(mails_to(office, EMAIL)[0], links.OFFICE_SIGN_IN)
    office.clock.advance(minutes=16)
    assert office.client.get(path).status_code == 400
    used = office.post("/office-sign-in", {"t": path.split("t=", 1)[1]}, page="/office/sign-in")
    assert used.status_code == 400 and office.client.get("/office/findings").status_code == 302


def test_a_link_for_an_unknown_address_answers_alike_and_sends_nothing(office):
    before = len(mailbox.Maildir(office.config.email.maildir))
    _ask_link(office, "nobody@svusd.example")
    assert len(mailbox.Maildir(office.config.email.maildir)) == before


def test_sign_in_links_are_throttled_per_address(office):
    for _ in range(4):
        _ask_link(office)
    assert len(mails_to(office, EMAIL)) == 3
    office.clock.advance(minutes=61)
    _ask_link(office)
    assert len(mails_to(office, EMAIL)) == 4


def test_sign_out_ends_the_session(signed_in):
    assert signed_in.post("/office/sign-out", page="/office/findings").status_code == 303
    assert signed_in.client.get("/office/findings").status_code == 302


# --- authorisation --------------------------------------------------------------------------------

SIGN_IN_PAGES = {"office.sign_in", "office.password_sign_in", "office.send_sign_in_link"}
SIGN_IN_PAGES |= {"office.link_sign_in", "office.use_sign_in_link"}


def office_routes(site: Site) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every office route but the sign-in pages, with a real finding id."""
    routes = []
    for rule in site.app.url_map.iter_rules():
        if not rule.rule.startswith("/office") or rule.endpoint in SIGN_IN_PAGES:
            continue
        path = re.sub(r"<(?:int:)?([a-z_]+)>", lambda m: "3" if m[1].endswith("id") else "x", rule.rule)
        routes += [(method, path, rule.endpoint) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def assert_refused(site: Site, client, method: str, path: str) -> None:
    if method == "GET":
        answer = client.get(path)
    else:  # with this session's own CSRF token: the refusal must come from the missing office session
        answer = client.post(path, data={"csrf": site.csrf(client, "/office/sign-in"), "action": "confirm"})
    assert answer.status_code in (302, 303), (method, path, answer.status_code)
    assert answer.headers["Location"].startswith("/office/sign-in"), (method, path)


def test_every_office_route_needs_an_office_session(office):
    routes = office_routes(office)
    assert {"office.findings", "office.finding", "office.review_finding", "office.finding_evidence"} <= {
        e for _, _, e in routes
    }
    for method, path, _ in routes:
        assert_refused(office, office.new_client(), method, path)
    assert sql(office, "SELECT status FROM findings WHERE id = 3") == [("alerted",)]


def test_a_staff_session_does_not_open_the_office(office):
    staff = office.new_client()
    uid = sql(office, "SELECT uid FROM people WHERE email = 'maria.garcia@svusd.example'")[0][0]
    db = office.db()
    sid = web_state.open_session(db, "staff", uid, now=office.clock())
    db.close()
    with staff.session_transaction() as session:
        session["staff"], session["staff_at"], session["sid"] = uid, office.clock().isoformat(), sid
    for method, path, _ in office_routes(office):
        assert_refused(office, staff, method, path)


def test_a_removed_account_is_signed_out(signed_in):
    assert signed_in.client.get("/office/findings").status_code == 200
    with closing(signed_in.db()) as db:
        admins_store.remove_admin(db, EMAIL)
    assert signed_in.client.get("/office/findings").status_code == 302


def test_an_office_session_lasts_eight_hours(signed_in):
    signed_in.clock.advance(hours=8, minutes=1)
    assert signed_in.client.get("/office/findings").status_code == 302


def test_every_office_post_wants_the_csrf_token(signed_in):
    for method, path, _ in office_routes(signed_in):
        if method == "POST":
            answer = signed_in.client.post(path, data={"action": "confirm"})
            assert answer.status_code == 400, path
    for path in ("/office/sign-in", "/office/sign-in-link", "/office-sign-in"):
        assert signed_in.new_client().post(path, data={"email": EMAIL, "password": PASSWORD}).status_code == 400
    assert sql(signed_in, "SELECT status FROM findings WHERE id = 3") == [("alerted",)]


# --- the queue ------------------------------------------------------------------------------------

_JOINS = "FROM findings f JOIN profiles pr ON pr.id = f.profile_id LEFT JOIN people p ON p.id = f.person_id"


FILTERED = (
    ("kind=logo_misuse", "f.kind = 'logo_misuse'"),
    ("kind=impersonation", "f.kind = 'impersonation'"),
    ("status=new", "f.status = 'new'"),
    ("status=alerted", "f.status = 'alerted'"),
    ("source=mastodon", "pr.source = 'mastodon'"),
    ("school=Mesa+Verde+High+School", "p.school = 'Mesa Verde High School'"),
    ("band=strong", "f.score >= 0.9"),
    ("band=medium", "f.score >= 0.75 AND f.score < 0.9"),
    ("band=weak", "f.score < 0.75"),
    (
        "kind=impersonation&source=bluesky&band=strong",
        "f.kind = 'impersonation' AND pr.source = 'bluesky' AND f.score >= 0.9",
    ),
)


def test_each_filter_narrows_the_queue(signed_in):
    everything = {r[0] for r in sql(signed_in, "SELECT id FROM findings")}
    for query, where in FILTERED:
        expected = {r[0] for r in sql(signed_in, f"SELECT f.id {_JOINS} WHERE {where}")}
        assert set(queue_ids(signed_in, "?" + query)) == expected, query
        assert expected < everything, query  # each filter really leaves some out


def test_the_week_filter_is_the_districts_week(signed_in):
    """A finding first seen on a Monday at 06:30 UTC was seen on Sunday evening in the district (UTC-8
    or -7): it belongs to the week before, though UTC's calendar says otherwise."""
    zone = ZoneInfo(signed_in.config.timezone)
    seen = datetime.fromisoformat(sql(signed_in, "SELECT first_seen FROM findings WHERE id = 3")[0][0])
    this_week = week_name(seen.astimezone(zone).date())
    monday = datetime.combine(parse_week(this_week), time(6, 30), tzinfo=UTC)
    week_before = week_name(parse_week(this_week) - timedelta(days=7))
    sql(signed_in, "UPDATE findings SET first_seen = ? WHERE id = 4", [monday.isoformat(timespec="seconds")])
    assert queue_ids(signed_in, f"?week={week_before}") == [4]
    others = {r[0] for r in sql(signed_in, "SELECT id FROM findings WHERE id != 4")}
    assert set(queue_ids(signed_in, f"?week={this_week}")) == others
    page = signed_in.client.get("/office/findings").get_data(as_text=True)
    assert f'<option value="{week_before}">' in page  # a week some finding was first seen in is offered


def test_newest_and_strongest_first(signed_in):
    sql(signed_in, "UPDATE findings SET first_seen = '2026-01-01T00:00:00+00:00' WHERE id = 12")
    newest = queue_ids(signed_in, "?sort=newest")
    rows = sql(signed_in, "SELECT id FROM findings ORDER BY first_seen DESC, id DESC")
    assert newest == [r[0] for r in rows] and newest[-1] == 12
    strongest = queue_ids(signed_in, "?sort=strongest")
    scores = dict(sql(signed_in, "SELECT id, score FROM findings"))
    assert [scores[i] for i in strongest] == sorted(scores.values(), reverse=True)
    assert strongest != newest


def _more_findings(site: Site, count: int) -> None:
    """``count`` more findings, copies of finding 1 under new keys, each seen a second later."""
    for n in range(count):
        sql(
            site,
            """INSERT INTO findings (finding_key, kind, person_id, profile_id, scan_run_id, score, rule, evidence,
                   status, first_seen, last_seen)
               SELECT 'copy:' || ?, kind, person_id, profile_id, scan_run_id, score, rule, evidence, status,
                   ?, last_seen FROM findings WHERE id = 1""",
            [n, f"2026-12-07T00:{n // 60:02d}:{n % 60:02d}+00:00"],
        )


def test_the_queue_comes_in_pages_of_fifty(signed_in):
    _more_findings(signed_in, 50)  # 13 + 50 = 63, of them 4 + 50 about the logo
    first, second = queue_ids(signed_in), queue_ids(signed_in, "?page=2")
    assert len(first) == 50 and len(second) == 13 and not set(first) & set(second)
    assert queue_ids(signed_in, "?page=3") == []
    page = signed_in.client.get("/office/findings?page=2&kind=logo_misuse").get_data(as_text=True)
    assert "54 findings" in page and "Page 2 of 2" in page and len(_ROW_IDS.findall(page)) == 4
    pager = signed_in.client.get("/office/findings?kind=logo_misuse").get_data(as_text=True)
    assert 'href="/office/findings?page=2&amp;kind=logo_misuse"' in pager


def test_counts_per_status_under_the_other_filters(signed_in):
    page = signed_in.client.get("/office/findings?source=bluesky&status=new").get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)".*?<b class="count">(\d+)</b>', page))
    expected = dict(sql(signed_in, f"SELECT f.status, COUNT(*) {_JOINS} WHERE pr.source = 'bluesky' GROUP BY 1"))
    assert {s: int(n) for s, n in counts.items() if int(n)} == expected
    assert set(counts) == {"new", "alerted", "confirmed", "dismissed", "resolved"}


UNKNOWN = [
    "kind=spam",
    "status=deleted",
    "source=myspace",
    "school=Hogwarts",
    "week=2026-W60",
    "week=last",
    "band=huge",
    "sort=oldest",
    "page=0",
    "page=two",
    "kind=impersonation'--",
]


def test_an_unknown_filter_value_is_refused(signed_in):
    for query in UNKNOWN:
        answer = signed_in.client.get("/office/findings?" + query)
        assert answer.status_code == 400, query
        assert len(answer.get_data(as_text=True).split("<p>")[1].split("</p>")[0].splitlines()) == 1
        if not query.startswith("page="):  # the export has no pages
            assert signed_in.client.get("/office/findings.csv?" + query).status_code == 400, query
    assert signed_in.audit_rows("exported") == []


def test_the_csv_export_has_the_filtered_rows_formula_safe(signed_in):
    sql(
        signed_in,
        "UPDATE profiles SET display_name = '=HYPERLINK(\"http://x\")' WHERE id = "
        "(SELECT profile_id FROM findings WHERE id = 9)",
    )
    answer = signed_in.client.get("/office/findings.csv?source=mastodon&sort=strongest")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    day = signed_in.clock().astimezone(ZoneInfo(signed_in.config.timezone)).date().isoformat()
    assert answer.headers["Content-Disposition"] == f'attachment; filename="findings-{day}.csv"'
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == list(FINDINGS_CSV)
    assert [int(r[0]) for r in rows[1:]] == queue_ids(signed_in, "?source=mastodon&sort=strongest")
    (hostile,) = [r for r in rows[1:] if r[0] == "9"]
    assert hostile[FINDINGS_CSV.index("display_name")] == '\'=HYPERLINK("http://x")'
    (row,) = signed_in.audit_rows("exported")
    assert row["actor"] == f"office:{EMAIL}"
    assert row["detail"] == {"filters": {"source": "mastodon", "sort": "strongest"}, "rows": 5}


# --- the finding page -----------------------------------------------------------------------------


def test_the_finding_page_shows_the_evidence(signed_in):
    page = signed_in.client.get("/office/findings/3").get_data(as_text=True)
    for part in ('id="finding"', 'id="reasons"', 'id="snapshots"', 'id="answer"', 'id="audit"', 'id="report-steps"'):
        assert part in page
    assert 'src="data:image/jpeg;base64,' in page  # the captured avatar, from the database
    assert "maria-garcia-noble.bsky.social" in page and "no answer yet" in page
    assert "the profile photo matches the photo you enrolled" in page
    assert 'href="/office/findings/3/evidence"' in page
    for action in review_store.REVIEW_ACTIONS:
        assert f'<button name="action" value="{action}"' in page
    assert signed_in.client.get("/office/findings/999").status_code == 404


def test_the_finding_page_shows_the_captured_banner(signed_in):
    """The Mastodon logo fan page wears the logo on its banner: its thumbnail is shown beside the avatar."""
    (finding, url, thumbnail), *_ = sql(
        signed_in,
        "SELECT e.finding_id, e.banner_url, e.banner_thumbnail FROM evidence e JOIN findings f ON f.id = e.finding_id"
        " JOIN profiles pr ON pr.id = f.profile_id WHERE pr.handle LIKE 'svusd_memes@%'",
    )
    assert thumbnail and url
    page = signed_in.client.get(f"/office/findings/{finding}").get_data(as_text=True)
    pictures = page.split('id="thumbnails"', 1)[1].split("</div>", 1)[0]
    banner = f'<img class="banner" src="data:image/jpeg;base64,{base64.b64encode(thumbnail).decode()}"'
    assert banner in pictures and pictures.index('class="thumb"') < pictures.index(banner)  # beside the avatar
    assert f'<span class="mono">{url}</span>' in page  # and its address as text
    plain = signed_in.client.get("/office/findings/3").get_data(as_text=True)  # a profile without a banner
    assert 'class="banner"' not in plain and 'id="banner-url"' not in plain


def test_the_employees_answer_in_words(signed_in):
    sql(signed_in, "UPDATE findings SET answer = 'impostor', answered_at = '2026-12-06T20:00:00+00:00' WHERE id = 3")
    page = signed_in.client.get("/office/findings/3").get_data(as_text=True)
    assert "the employee confirms it is someone pretending to be them" in page


def test_scraped_text_is_escaped_on_the_finding_page(signed_in):
    hostile = "<img src=x onerror=alert(1)>"
    sql(
        signed_in,
        "UPDATE profiles SET display_name = ? WHERE id = (SELECT profile_id FROM findings WHERE id = 3)",
        [hostile],
    )
    fields = json.loads(sql(signed_in, "SELECT fields FROM evidence WHERE finding_id = 3")[0][0])
    sql(
        signed_in,
        "UPDATE evidence SET fields = ? WHERE finding_id = 3",
        [json.dumps(fields | {"display_name": hostile, "bio": "</dd><script>alert(2)</script>"})],
    )
    for path in ("/office/findings/3", "/office/findings"):
        page = signed_in.client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page and "<script>" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_confirming_is_audited_on_the_page(signed_in):
    answer = signed_in.post(
        "/office/findings/3/review", {"action": "confirm", "note": "reported to Bluesky"}, page="/office/findings/3"
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/findings/3"
    page = signed_in.client.get("/office/findings/3").get_data(as_text=True)
    assert "Finding 3: alerted → confirmed." in page
    audit_table = page.split('id="audit"', 1)[1].split("</table>", 1)[0]
    assert re.search(rf"<td>office:{EMAIL}</td><td>confirmed</td><td>[^<]*reported to Bluesky", audit_table)
    assert sql(signed_in, "SELECT status, review_note FROM findings WHERE id = 3") == [
        ("confirmed", "reported to Bluesky")
    ]


def test_an_action_not_allowed_now_changes_nothing(signed_in):
    signed_in.post("/office/findings/3/review", {"action": "confirm"}, page="/office/findings/3")
    again = signed_in.post("/office/findings/3/review", {"action": "confirm"}, page="/office/findings/3")
    assert again.status_code == 303
    page = signed_in.client.get("/office/findings/3").get_data(as_text=True)
    assert "finding 3 is already confirmed" in page
    for action, note in (("promote", ""), ("dismiss", "x" * 1001)):
        signed_in.post("/office/findings/3/review", {"action": action, "note": note}, page="/office/findings/3")
    assert len(signed_in.audit_rows("confirmed")) == 1 and signed_in.audit_rows("dismissed") == []
    assert sql(signed_in, "SELECT status FROM findings WHERE id = 3") == [("confirmed",)]


def test_official_adds_the_account_to_the_persons_own(signed_in):
    person_id, handle = sql(signed_in, f"SELECT f.person_id, pr.handle {_JOINS} WHERE f.id = 6")[0]
    signed_in.post("/office/findings/6/review", {"action": "official"}, page="/office/findings/6")
    assert ("bluesky", handle.lower()) in sql(
        signed_in, "SELECT source, handle FROM accounts WHERE person_id = ?", [person_id]
    )
    status, quiet = sql(signed_in, "SELECT status, alerted_signals FROM findings WHERE id = 6")[0]
    assert status == "dismissed" and quiet is not None
    (row,) = signed_in.audit_rows("dismissed")
    assert row["detail"]["reason"] == "official account" and row["actor"] == f"office:{EMAIL}"
    accounts = sql(signed_in, "SELECT COUNT(*) FROM accounts")
    signed_in.post("/office/findings/1/review", {"action": "official"}, page="/office/findings/1")  # the logo's
    assert sql(signed_in, "SELECT status FROM findings WHERE id = 1") == [("dismissed",)]
    assert sql(signed_in, "SELECT COUNT(*) FROM accounts") == accounts  # nobody's account


def test_namesake_and_the_cli(signed_in):
    signed_in.post("/office/findings/5/review", {"action": "namesake"}, page="/office/findings/5")
    assert signed_in.audit_rows("dismissed")[0]["detail"]["reason"] == "namesake"
    done = CliRunner().invoke(cli, ["--config", str(signed_in.folder / "watcher.toml"), "review", "13", "official"])
    assert done.exit_code == 0 and "finding 13: alerted -> dismissed" in done.output
    with (
        closing(signed_in.db()) as db,
        pytest.raises(InputError, match=r"\(confirm, dismiss, reopen, official, namesake\)"),
    ):
        review_store.review(db, 13, "promote", actor="test")


def test_the_evidence_page_has_its_own_policy(signed_in):
    answer = signed_in.client.get("/office/findings/3/evidence")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Evidence: finding 3" in page
    style = re.search(r"<style>(.*?)</style>", page, re.S)[1]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert answer.headers["Content-Security-Policy"] == evidence_page.CSP.format(style=f"sha256-{digest}")
    assert answer.headers["Content-Security-Policy"] != guard.CSP
    assert answer.headers["Content-Disposition"] == 'inline; filename="evidence-3.html"'
    assert signed_in.client.get("/office/findings/999/evidence").status_code == 404


def test_office_pages_keep_the_sites_policy(signed_in):
    for path in ("/office/sign-in", "/office/findings", "/office/findings/3"):
        answer = signed_in.client.get(path)
        assert answer.headers["Content-Security-Policy"] == guard.CSP
        assert " style=" not in answer.get_data(as_text=True) and "<script" not in answer.get_data(as_text=True)


def test_a_password_reset_ends_the_accounts_sessions(signed_in):
    """Resetting a password (watcher admin add EMAIL again) signs out every browser the account had."""
    assert signed_in.client.get("/office/findings").status_code == 200
    db = signed_in.db()
    admins_store.add_admin(db, EMAIL, hash_password("another long password"))
    db.close()
    assert signed_in.client.get("/office/findings").status_code == 302
