"""The web front in headless Chromium, as staff and the communications office use it: sign up and enrol
with a photo (the thumbnail never leaves the browser), answer an alert from a real scan, review and
export as the office, leave. Every page is served by the real application under waitress over a copy of
a saved sample world; no page may load anything from another origin or trip the Content-Security-Policy.
Screenshots of each page land in test-artifacts/screens/."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import LiveSite, Screens, Watch, chromium
from conftest import copy_state, sql

from storage import admins as admins_store
from watcher import links
from watcher.display import FINDINGS_CSV
from watcher.office_accounts import hash_password
from watcher.pipeline import run_scan

JOSE = "jose.torres@svusd.example"  # opted out on the roster, with a photo in the state folder
MARIA = "maria.garcia@svusd.example"  # opted in, with a photo
OFFICE = "comms@svusd.example"
OFFICE_PASSWORD = "correct horse battery staple"
JOSE_OWN_ACCOUNT = "bluesky:jose-torres-mvhs.bsky.social"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def live(tmp_path, scanned_state, sample_servers):
    """The real application over a copy of the scanned sample world, on a free port of 127.0.0.1."""
    copy_state(scanned_state, tmp_path)
    with LiveSite(tmp_path) as site:
        yield site


@pytest.fixture
def visit(browser, live, request):
    """A fresh browser context on the live site: its page, the watch on its requests, the screenshots."""
    context = browser.new_context(base_url=live.origin, accept_downloads=True)
    watch = Watch(context, live.origin)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page, watch, Screens(request.node.name)
    finally:
        context.close()
    watch.check()


def person_id(live: LiveSite, email: str) -> int:
    rows = sql(live.database, "SELECT id FROM people WHERE email = ?", [email])
    assert rows, f"{email} is not in the database"
    return rows[0][0]


def link_in_new_mail(live: LiveSite, address: str, purpose: str, seen: Collection[str]) -> str:
    """The only link to ``purpose`` in the one new message to ``address`` (not among the ``seen`` keys)."""
    new = live.mails_to(address, besides=seen)
    assert len(new) == 1, f"expected one new e-mail to {address}, found {len(new)}"
    found = live.links(next(iter(new.values())), purpose)
    assert len(found) == 1, f"expected one /{purpose} link to this site in the new mail to {address}, found {found}"
    return found[0]


def sign_in_by_mail(live: LiveSite, page, shot, email: str) -> None:
    """Ask for a link on the sign-up page, open the e-mailed one and continue (as the link's page asks)."""
    page.goto("/")
    shot(page, "sign-up")
    seen = live.mails()
    page.fill("#sign-up input[name=email]", email)
    page.click("#send-link")
    page.locator("#sent").wait_for()
    shot(page, "sent")
    page.goto(link_in_new_mail(live, email, links.SIGN_IN, seen))
    shot(page, "sign-in-link")
    page.click("#continue")


def enrol_with_photo(live: LiveSite, page, shot, photo: Path) -> None:
    """The consent page and the enrolment form, filled in as a person would; lands on /manage."""
    page.wait_for_url("**/enrol")
    assert page.locator("#consent").is_visible()
    page.set_input_files("#photos", str(photo))
    thumbnail = page.locator("#preview img").first
    thumbnail.wait_for()
    assert thumbnail.get_attribute("src").startswith("blob:")  # made by the browser from the file it holds
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    page.fill("#accounts", JOSE_OWN_ACCOUNT)
    page.check("input[name=alerts][value=on]")
    page.select_option("#language", "es")
    page.check("#agree")
    shot(page, "enrol")
    page.click("#finish")
    page.wait_for_url("**/manage")
    page.locator("#summary").wait_for()
    shot(page, "manage")


def forget_reference_photos(live: LiveSite, email: str) -> None:
    """Drop what the roster import hashed, so that only the enrolment in the browser can bring it back."""
    pid = person_id(live, email)
    sql(live.database, "DELETE FROM reference_views WHERE person_id = ?", [pid])
    sql(live.database, "DELETE FROM reference_prints WHERE person_id = ?", [pid])


def test_staff_sign_up_consent_and_enrol_with_a_photo(live, visit):
    page, _, shot = visit
    photo = live.folder / "photos" / "jose.torres.jpg"
    forget_reference_photos(live, JOSE)
    pid = person_id(live, JOSE)
    assert sql(live.database, "SELECT opt_in, consented_at FROM people WHERE id = ?", [pid]) == [(0, None)]

    sign_in_by_mail(live, page, shot, JOSE)
    enrol_with_photo(live, page, shot, photo)

    assert sql(live.database, "SELECT count(*) FROM reference_views WHERE person_id = ?", [pid])[0][0] >= 1
    opt_in, consented_at, language = sql(
        live.database, "SELECT opt_in, consented_at, language FROM people WHERE id = ?", [pid]
    )[0]
    assert (opt_in, language) == (1, "es") and consented_at
    source, _, handle = JOSE_OWN_ACCOUNT.partition(":")
    assert sql(live.database, "SELECT person_id FROM accounts WHERE source = ? AND handle = ?", [source, handle]) == [
        (pid,)
    ]
    sql(live.database, "PRAGMA wal_checkpoint(TRUNCATE)")
    stored = b"".join(p.read_bytes() for p in live.database.parent.glob(live.database.name + "*"))
    data = photo.read_bytes()
    assert data not in stored and data[len(data) // 2 : len(data) // 2 + 256] not in stored  # hashed, then discarded


def test_an_alert_from_a_scan_is_answered_this_is_mine(live, visit):
    page, _, shot = visit
    forget_reference_photos(live, JOSE)
    sign_in_by_mail(live, page, shot, JOSE)
    enrol_with_photo(live, page, shot, live.folder / "photos" / "jose.torres.jpg")

    seen = live.mails()
    db = live.db()
    try:
        run_scan(live.config, db)  # against the session's stand-ins; José opted in, so he is alerted now
    finally:
        db.close()
    alerts = list(live.mails_to(JOSE, besides=seen).values())
    assert len(alerts) == 1, f"expected one alert e-mail to José after the scan, found {len(alerts)}"
    answer_links = live.links(alerts[0], links.NOT_A_PROBLEM)
    assert answer_links, "the alert has no 'this is mine / not a problem' link to this site"
    token = parse_qs(urlsplit(answer_links[0]).query)["t"][0]
    db = live.db()
    try:
        target = links.resolve(db, links.NOT_A_PROBLEM, token)
    finally:
        db.close()
    assert target is not None and target.person_id == person_id(live, JOSE)

    page.goto(answer_links[0])
    shot(page, "answer")
    assert sql(live.database, "SELECT answer FROM findings WHERE id = ?", [target.finding_id]) == [(None,)]  # GET
    page.click("#mine")
    page.locator("#answered").wait_for()
    shot(page, "answered")
    assert sql(live.database, "SELECT answer FROM findings WHERE id = ?", [target.finding_id]) == [("mine",)]


def test_the_office_filters_confirms_and_exports(live, visit):
    page, _, shot = visit
    db = live.db()
    try:
        admins_store.add_admin(db, OFFICE, hash_password(OFFICE_PASSWORD))
    finally:
        db.close()
    alerted = {row[0] for row in sql(live.database, "SELECT id FROM findings WHERE status = 'alerted'")}
    assert alerted, "the scanned sample world has no alerted finding"

    page.goto("/office/sign-in")
    shot(page, "sign-in")
    form = page.locator("#password-sign-in")
    form.locator("input[name=email]").fill(OFFICE)
    form.locator("input[name=password]").fill(OFFICE_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(re.compile(r".*/office/?$"))
    shot(page, "dashboard")

    page.goto("/office/findings")
    shot(page, "queue")
    page.select_option("#filters select[name=status]", "alerted")
    page.click("#apply")
    page.wait_for_url(re.compile(r".*/office/findings\?.*status=alerted"))
    shot(page, "queue-alerted")
    opened = page.locator("#queue tr.finding a.open")
    assert opened.count() >= 1
    shown = {int(href.rsplit("/", 1)[1]) for href in (a.get_attribute("href") for a in opened.all())}
    assert shown <= alerted

    opened.first.click()
    page.wait_for_url(re.compile(r".*/office/findings/\d+$"))
    finding = int(page.url.rsplit("/", 1)[1])
    assert finding in alerted
    page.locator("#finding").wait_for()
    shot(page, "finding")
    audit_rows = page.locator("#audit tr").count()
    page.fill("#review textarea[name=note]", "reported to the platform")
    with page.expect_navigation():
        page.click("#review button[name=action][value=confirm]")
    page.locator("#audit").wait_for()
    shot(page, "confirmed")
    assert page.locator("#audit tr").count() == audit_rows + 1
    assert page.locator("#audit tr", has_text=f"office:{OFFICE}").count() >= 1
    assert sql(live.database, "SELECT status FROM findings WHERE id = ?", [finding]) == [("confirmed",)]
    assert sql(
        live.database, "SELECT count(*) FROM audit WHERE finding_id = ? AND actor = ?", [finding, f"office:{OFFICE}"]
    ) == [(1,)]

    page.goto("/office/findings")
    with page.expect_download() as download_info:
        page.click("#export")
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == list(FINDINGS_CSV)
    assert len(rows) > 1
    statuses = {int(row[0]): row[FINDINGS_CSV.index("status")] for row in rows[1:]}
    assert statuses[finding] == "confirmed"


def test_a_person_leaves_and_their_hashes_are_gone(live, visit):
    page, _, shot = visit
    pid = person_id(live, MARIA)
    sql(live.database, "UPDATE people SET consented_at = '2026-01-05T08:00:00+00:00' WHERE id = ?", [pid])
    assert sql(live.database, "SELECT count(*) FROM reference_views WHERE person_id = ?", [pid])[0][0] >= 1

    sign_in_by_mail(live, page, shot, MARIA)
    page.wait_for_url("**/manage")
    shot(page, "manage")
    page.click("#leave-link")
    page.wait_for_url("**/leave")
    shot(page, "leave")
    page.click("#leave")
    page.locator("#left").wait_for()
    shot(page, "left")

    assert sql(live.database, "SELECT count(*) FROM reference_views WHERE person_id = ?", [pid]) == [(0,)]
    assert sql(live.database, "SELECT count(*) FROM reference_prints WHERE person_id = ?", [pid]) == [(0,)]
    assert sql(live.database, "SELECT count(*) FROM accounts WHERE person_id = ?", [pid]) == [(0,)]
    assert sql(live.database, "SELECT count(*) FROM people WHERE email = ?", [MARIA]) == [(0,)]
