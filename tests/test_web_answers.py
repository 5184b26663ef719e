"""The pages alert links open: a GET shows, the button's POST acts, tokens act only for their own
purpose, person and finding. The real application over a copy of the scanned sample world (Flask's
test client, real SQLite), and the answer policy (watcher/alert_answers.py) on its database."""

from __future__ import annotations

import html
import mailbox
import re
import sqlite3

import pytest
from markupsafe import escape
from web_support import BASE_URL

from notifications.reasons_es import in_spanish
from storage import audit
from storage import findings as findings_store
from storage import people as people_store
from watcher import alert_answers, links, pipeline
from watcher.evidence_page import CSP as EVIDENCE_CSP
from watcher.platform_facts import report_guides
from watcher.removal import remove_person
from watcher.web.words import WORDS
from watcher.web.words_answers import ANSWER_WORDS
from watcher.web.words_staff import STAFF_WORDS

MARIA = "maria.garcia@svusd.example"
PACO = "francisco.hernandez@svusd.example"


def person(site, email):
    return people_store.person_by_email(site.db(), email)


def finding_of(site, email):
    """The first impersonation finding of this person in the scanned world."""
    (found, *_) = findings_store.list_findings(site.db(), person_email=email, kind="impersonation")
    return found


def path_of(site, purpose, email, finding_id=None, *, uid=None):
    """The path and query of a signed link, as an alert carries it."""
    db = site.db()
    uid = uid or people_store.person_uid(db, person(site, email).id)
    url = links.link(BASE_URL, links.link_secret(db), purpose, uid, finding_id, now=site.clock())
    assert url.startswith(BASE_URL + "/")
    return url[len(BASE_URL) :]


def dump(site) -> list[str]:
    conn = sqlite3.connect(site.config.database)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def page(response) -> str:
    return response.get_data(as_text=True)


def alerts_to(site, address) -> int:
    """How many messages to ``address`` the Maildir holds."""
    box = mailbox.Maildir(site.config.email.maildir, create=False)
    return sum(f"To: {address}" in box.get_bytes(key).decode(errors="replace") for key in box.iterkeys())


def audit_actions(site, finding_id=None):
    return [(r["actor"], r["action"]) for r in audit.list_audit(site.db(), finding_id=finding_id)]


# --- GET shows, changes nothing ---------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [links.NOT_A_PROBLEM, links.IMPOSTOR, links.UNSUBSCRIBE, links.EVIDENCE])
def test_a_get_shows_the_link_and_changes_nothing(site, purpose):
    """Attack (by accident): a mail scanner or preview that opens every link must not answer for the person."""
    finding = finding_of(site, MARIA)
    path = path_of(site, purpose, MARIA, finding.id if purpose in links.PER_FINDING else None)
    before = dump(site)
    response = site.client.get(path)
    assert response.status_code == 200
    assert dump(site) == before
    text = page(response)
    if purpose == links.UNSUBSCRIBE:
        assert 'id="answer-form"' in text and 'id="unsubscribe"' in text and MARIA in text
    elif purpose != links.EVIDENCE:
        button = "mine" if purpose == links.NOT_A_PROBLEM else "impostor"
        assert 'id="answer-form"' in text and f'id="{button}"' in text
        assert f"@{finding.handle}" in text and finding.source in text
        assert escape(finding.display_name) in text
        assert text.count("<button") == 1


# --- this account is mine, or not a problem -------------------------------------------------------------


def test_mine_keeps_the_answer_adds_the_account_and_quiets_the_finding(site):
    finding = finding_of(site, MARIA)
    account = f"{finding.source}:{finding.handle.lower()}"
    assert account not in person(site, MARIA).accounts
    path = path_of(site, links.NOT_A_PROBLEM, MARIA, finding.id)
    response = site.post(path, page=path)
    assert response.status_code == 200 and 'id="answered"' in page(response)

    after = findings_store.get_finding(site.db(), finding.id)
    assert after.answer == "mine" and after.answered_at
    assert after.status == "dismissed" and after.review_note == alert_answers.MINE_NOTE
    assert account in person(site, MARIA).accounts
    actions = audit_actions(site, finding.id)
    for action in ("answered", "accounts_changed", "dismissed"):
        assert (MARIA, action) in actions


def test_mine_does_not_undo_the_offices_confirmation(site):
    """A forwarded alert's link answered "mine" after the office confirmed the finding: the answer is kept
    for the office to see; the finding stays confirmed and the account does not become hers."""
    from storage import review as review_store

    finding = finding_of(site, MARIA)
    review_store.review(site.db(), finding.id, "confirm", actor="office:comms@svusd.example")
    path = path_of(site, links.NOT_A_PROBLEM, MARIA, finding.id)
    answered = site.post(path, page=path)
    assert answered.status_code == 200 and escape(WORDS["en"]["answered_mine_noted_text"]) in page(answered)
    after = findings_store.get_finding(site.db(), finding.id)
    assert after.status == "confirmed" and after.answer == "mine"
    assert f"{finding.source}:{finding.handle.lower()}" not in person(site, MARIA).accounts


def test_after_mine_no_alert_speaks_of_the_account_again(site):
    """Even as news not yet told: the finding is dismissed, and a later scan sees one of her own accounts."""
    finding = finding_of(site, MARIA)
    db = site.db()
    db.execute(
        "UPDATE findings SET status = 'new', alerted_at = NULL, alerted_signals = NULL WHERE id = ?", [finding.id]
    )
    db.conn.commit()
    maria = person(site, MARIA).id
    assert maria in findings_store.people_to_alert(db)  # the test can fail: she would be alerted
    path = path_of(site, links.NOT_A_PROBLEM, MARIA, finding.id)
    site.post(path, page=path)

    assert maria not in findings_store.people_to_alert(site.db())
    assert pipeline.queue_alerts(site.config, site.db()) == 0
    mails = alerts_to(site, MARIA)
    pipeline.run_scan(site.config, site.db())
    assert alerts_to(site, MARIA) == mails
    assert findings_store.get_finding(site.db(), finding.id).status == "dismissed"


# --- someone pretending to be me ------------------------------------------------------------------------


def test_impostor_confirms_and_shows_the_report_steps_and_the_evidence_page(site):
    finding = finding_of(site, MARIA)
    path = path_of(site, links.IMPOSTOR, MARIA, finding.id)
    response = site.post(path, page=path)
    text = page(response)
    assert response.status_code == 200 and 'id="answered"' in text and 'id="report-steps"' in text
    guide = report_guides(site.config.sources, [finding])[finding.id]
    assert escape(guide.steps) in text and escape(guide.needs) in text

    after = findings_store.get_finding(site.db(), finding.id)
    assert (after.answer, after.status) == ("impostor", "confirmed")
    assert {(MARIA, "answered"), (MARIA, "confirmed")} <= set(audit_actions(site, finding.id))

    evidence = html.unescape(re.search(r'id="evidence-link"[^>]*href="([^"]+)"', text)[1])
    assert evidence.startswith(BASE_URL + "/evidence?t=")
    token = evidence.split("?t=", 1)[1]
    subject = links.verify(links.link_secret(site.db()), links.EVIDENCE, token, now=site.clock())
    assert subject is not None and subject.finding_id == finding.id
    shown = site.client.get(evidence[len(BASE_URL) :])
    assert shown.status_code == 200 and f"Evidence: finding {finding.id}" in page(shown)
    policy = shown.headers["Content-Security-Policy"]
    assert policy.startswith(EVIDENCE_CSP.split("{")[0]) and "'sha256-" in policy
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page(shown))[1]
    assert policy == html.unescape(meta)


# --- stop these alerts ------------------------------------------------------------------------------


def test_one_click_unsubscribe_works_without_csrf(site):
    """RFC 8058: the mail client POSTs ``List-Unsubscribe=One-Click`` to the header's address, no form."""
    path = path_of(site, links.UNSUBSCRIBE, MARIA)
    response = site.new_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Alerts paused" in page(response)
    assert person(site, MARIA).opt_in is False
    (row,) = audit.list_audit(site.db(), action="alerts_paused")
    assert row["actor"] == MARIA and row["detail"]["how"] == "one-click"


def test_the_unsubscribe_form_needs_its_csrf_token(site):
    """Attack: another site's page posting our form (not one-click) for a visitor holding the link."""
    path = path_of(site, links.UNSUBSCRIBE, MARIA)
    assert site.new_client().post(path, data={}).status_code == 400
    assert person(site, MARIA).opt_in is True
    response = site.post(path, page=path)
    text = page(response)
    assert response.status_code == 200 and 'id="answered"' in text and 'id="manage-link" href="/"' in text
    assert person(site, MARIA).opt_in is False
    (row,) = audit.list_audit(site.db(), action="alerts_paused")
    assert row["detail"]["how"] == "page"


@pytest.mark.parametrize("purpose", [links.NOT_A_PROBLEM, links.IMPOSTOR])
def test_answer_forms_need_their_csrf_token(site, purpose):
    finding = finding_of(site, MARIA)
    path = path_of(site, purpose, MARIA, finding.id)
    before = dump(site)
    assert site.new_client().post(path, data={}).status_code == 400
    assert site.new_client().post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert dump(site) == before


# --- tokens act only for their purpose, person and finding, while valid --------------------------------


@pytest.mark.parametrize(
    ("made_for", "used_at"),
    [
        (links.NOT_A_PROBLEM, links.IMPOSTOR),
        (links.IMPOSTOR, links.NOT_A_PROBLEM),
        (links.EVIDENCE, links.IMPOSTOR),
        (links.NOT_A_PROBLEM, links.EVIDENCE),
        (links.UNSUBSCRIBE, links.NOT_A_PROBLEM),
        (links.SIGN_IN, links.UNSUBSCRIBE),
    ],
)
def test_a_token_for_one_purpose_is_refused_at_another(site, made_for, used_at):
    """Attack: one's own "evidence" link (harmless) edited into an "impostor" answer, and the like."""
    finding = finding_of(site, MARIA)
    path = path_of(site, made_for, MARIA, finding.id if made_for in links.PER_FINDING else None)
    forged = f"/{used_at}?" + path.split("?", 1)[1]
    before = dump(site)
    response = site.client.get(forged)
    assert response.status_code == 400 and 'id="link-invalid"' in page(response)
    if used_at != links.EVIDENCE:
        assert site.client.post(forged, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert dump(site) == before


@pytest.mark.parametrize("purpose", [links.NOT_A_PROBLEM, links.UNSUBSCRIBE])
def test_an_expired_link_is_refused(site, purpose):
    """Attack: an old alert's link used long after (a forwarded or leaked message)."""
    finding = finding_of(site, MARIA)
    path = path_of(site, purpose, MARIA, finding.id if purpose in links.PER_FINDING else None)
    csrf = site.csrf(page=path)
    site.clock.advance(days=91 if purpose == links.UNSUBSCRIBE else 31)
    before = dump(site)
    assert site.client.get(path).status_code == 400
    response = site.client.post(path, data={"csrf": csrf})
    assert response.status_code == 400 and 'id="link-invalid"' in page(response)
    assert dump(site) == before


@pytest.mark.parametrize("purpose", [links.NOT_A_PROBLEM, links.IMPOSTOR, links.EVIDENCE])
def test_one_persons_token_cannot_touch_anothers_finding(site, purpose):
    """Attack: Paco signs nothing, but a token naming him with María's finding id must do nothing to it
    (as if our secret leaked, or a finding moved to someone else)."""
    maria_finding = finding_of(site, MARIA)
    mine = path_of(site, purpose, PACO, finding_of(site, PACO).id)
    forged = path_of(site, purpose, PACO, maria_finding.id)
    before = dump(site)
    response = site.client.get(forged)
    assert response.status_code == 404 and 'id="finding-gone"' in page(response)
    if purpose != links.EVIDENCE:
        assert site.post(forged, page=mine).status_code == 404
    assert dump(site) == before


def test_a_removed_persons_link_acts_on_nobody(site):
    finding = finding_of(site, MARIA)
    paths = [path_of(site, p, MARIA, finding.id) for p in (links.NOT_A_PROBLEM, links.IMPOSTOR, links.EVIDENCE)]
    paths.append(path_of(site, links.UNSUBSCRIBE, MARIA))
    db = site.db()
    remove_person(db, MARIA)
    for path in paths:
        response = site.client.get(path)
        assert response.status_code == 400 and 'id="link-invalid"' in page(response), path
    assert site.client.post(paths[-1], data={"List-Unsubscribe": "One-Click"}).status_code == 400


@pytest.mark.parametrize("token", ["", "1.x", "A" * 5000, "1." + "A" * 22 + ".-.99999999999." + "A" * 22])
def test_bad_tokens_get_the_invalid_link_page(site, token):
    response = site.client.get("/unsubscribe", query_string={"t": token})
    assert response.status_code == 400 and 'id="link-invalid"' in page(response)


# --- language and hostile text ---------------------------------------------------------------------------


def test_the_pages_speak_the_persons_language(site):
    db = site.db()
    people_store.set_language(db, person(site, MARIA).id, "es")
    finding = finding_of(site, MARIA)
    path = path_of(site, links.NOT_A_PROBLEM, MARIA, finding.id)
    text = page(site.client.get(path, headers={"Accept-Language": "en"}))
    assert '<html lang="es">' in text and escape(WORDS["es"]["mine_button"]) in text
    answered = page(site.post(path, page=path))
    assert escape(WORDS["es"]["answered_mine_title"]) in answered
    one_click = site.new_client().post(path_of(site, links.UNSUBSCRIBE, MARIA), data={"List-Unsubscribe": "One-Click"})
    assert page(one_click).strip() == WORDS["es"]["one_click_done"]


def test_every_answer_word_exists_in_both_languages_and_shadows_no_other():
    assert set(ANSWER_WORDS["en"]) == set(ANSWER_WORDS["es"])
    assert not set(ANSWER_WORDS["en"]) & set(STAFF_WORDS["en"])  # merged into one ``w``: a clash would overwrite


@pytest.mark.parametrize(
    "name",
    ['<script>alert(1)</script>"><img src=x onerror=alert(1)>', "Maria \u202erehcaet\u202c", "Z" * 5000],
    ids=["script", "rtl-override", "5000-chars"],
)
def test_a_hostile_display_name_is_escaped(site, name):
    finding = finding_of(site, MARIA)
    db = site.db()
    db.execute(
        "UPDATE profiles SET display_name = ? WHERE id = (SELECT profile_id FROM findings WHERE id = ?)",
        [name, finding.id],
    )
    db.conn.commit()
    for purpose in (links.NOT_A_PROBLEM, links.IMPOSTOR):
        text = page(site.client.get(path_of(site, purpose, MARIA, finding.id)))
        assert "<script>" not in text and "<img" not in text
        assert "Z" * 201 not in text
        if "script" in name:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x" in text
        if "\u202e" in name:
            assert "<bdi>Maria \u202erehcaet\u202c</bdi>" in text


# --- the policy, without the web ------------------------------------------------------------------------


def test_answers_on_a_finding_the_office_already_decided(site):
    """The answer is kept either way; a status the office chose stays (dismissed stays dismissed, a
    second "mine" dismisses nothing twice, "impostor" confirms only a new or alerted finding)."""
    db = site.db()
    maria = person(site, MARIA)
    finding = finding_of(site, MARIA)
    assert alert_answers.answer_mine(db, maria, finding) is True
    assert alert_answers.answer_mine(db, maria, finding) is False
    assert alert_answers.answer_impostor(db, maria, finding) is False
    after = findings_store.get_finding(db, finding.id)
    assert (after.answer, after.status) == ("impostor", "dismissed")
    assert [a for _, a in audit_actions(site, finding.id)].count("accounts_changed") == 1

    paco = person(site, PACO)
    theirs = finding_of(site, PACO)
    assert alert_answers.own_finding(db, paco.id, finding.id) is None
    assert alert_answers.own_finding(db, paco.id, theirs.id).id == theirs.id
    assert alert_answers.own_finding(db, paco.id, None) is None
    assert alert_answers.answer_impostor(db, paco, theirs) is True
    assert alert_answers.answer_impostor(db, paco, theirs) is False  # confirmed already
    assert findings_store.get_finding(db, theirs.id).status == "confirmed"


def test_pausing_alerts_is_recorded_each_time(site):
    db = site.db()
    maria = person(site, MARIA)
    assert alert_answers.pause_alerts(db, maria, "page") is True
    assert alert_answers.pause_alerts(db, maria, "one-click") is False
    rows = audit.list_audit(db, action="alerts_paused")
    assert [(r["detail"]["how"], r["detail"]["changed"]) for r in rows] == [("page", True), ("one-click", False)]
    with pytest.raises(ValueError, match="unknown way"):
        alert_answers.pause_alerts(db, maria, "carrier pigeon")


# --- the reasons and the report steps in the page's language -----------------------------------------------


def test_a_spanish_speaker_sees_the_reasons_and_the_report_steps_in_spanish(site):
    """Matching writes the reasons in English and the adapter its steps in both: a Spanish speaker's
    pages say both in Spanish, whatever the browser prefers."""
    people_store.set_language(site.db(), person(site, MARIA).id, "es")
    finding = finding_of(site, MARIA)
    reasons = finding.evidence.reasons
    assert reasons and all(in_spanish(r) != r for r in reasons)  # each a shape Spanish knows
    mine = path_of(site, links.NOT_A_PROBLEM, MARIA, finding.id)
    impostor = path_of(site, links.IMPOSTOR, MARIA, finding.id)
    shown = [page(site.client.get(p, headers={"Accept-Language": "en"})) for p in (mine, impostor)]
    answered = page(site.post(impostor, page=impostor))
    for text in (*shown, answered):
        assert '<html lang="es">' in text and 'id="reasons"' in text
        assert all(escape(in_spanish(r)) in text for r in reasons)
        assert not any(escape(r) in text for r in reasons)
    guide = report_guides(site.config.sources, [finding])[finding.id]
    assert escape(guide.steps_es) in answered and escape(guide.needs_es) in answered
    assert escape(guide.steps) not in answered and escape(guide.needs) not in answered


def test_an_english_speaker_sees_the_reasons_and_the_report_steps_as_written(site):
    finding = finding_of(site, MARIA)
    path = path_of(site, links.IMPOSTOR, MARIA, finding.id)
    shown = page(site.client.get(path))
    answered = page(site.post(path, page=path))
    guide = report_guides(site.config.sources, [finding])[finding.id]
    for text in (shown, answered):
        assert '<html lang="en">' in text
        assert all(escape(r) in text for r in finding.evidence.reasons)
        assert not any(escape(in_spanish(r)) in text for r in finding.evidence.reasons)
    assert escape(guide.steps) in answered and escape(guide.steps_es) not in answered
