"""The pages the links in alert e-mails open: "this account is mine, or not a problem", "someone is
pretending to be me", the evidence page, and stopping alerts (also RFC 8058 one-click).

Each link carries a signed token (watcher/links.py) naming the person and, but for unsubscribe, one
finding. A GET only shows what the link is about, with one button; the button's POST acts (what an
answer does is watcher/alert_answers.py). A bad, expired or foreign token gets a 400 page; a finding
that is not the person's (any more) a 404. Pages speak the person's language, down to the finding's
reasons and the platform's report steps.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, make_response, render_template, request, url_for

from notifications.reasons_es import reasons_in
from storage import people as people_store
from watcher import alert_answers, evidence_page, links, platform_facts
from watcher.models import Finding, Person
from watcher.web import guard
from watcher.web.context import config, db, now
from watcher.web.words import page_language, page_words

answers = Blueprint("answers", __name__)


# --- not a problem ------------------------------------------------------------------------------


@answers.get("/not-a-problem")
def not_a_problem() -> str:
    _, finding = _finding_for(links.NOT_A_PROBLEM)
    return _finding_page(finding, "mine", url_for("answers.answer_mine", t=_token()))


@answers.post("/not-a-problem")
def answer_mine() -> str:
    person, finding = _finding_for(links.NOT_A_PROBLEM)
    alert_answers.answer_mine(db(), person, finding)
    # Only what happened is said: an account the office confirmed as an impostor, or that another
    # employee lists, is not made theirs; the answer is kept for the office either way.
    theirs = people_store.account_owner(db(), alert_answers.account_of(finding)) == person.id
    return render_template(
        "answer_answered.html",
        kind="mine" if theirs else "mine_noted",
        finding=finding,
        reasons=_reasons(finding),
        profile_link=platform_facts.profile_links(config().sources, [finding]).get(finding.id, ""),
    )


# --- someone pretending to be me -----------------------------------------------------------------


@answers.get("/impostor")
def impostor() -> str:
    _, finding = _finding_for(links.IMPOSTOR)
    return _finding_page(finding, "impostor", url_for("answers.answer_impostor", t=_token()))


@answers.post("/impostor")
def answer_impostor() -> str:
    person, finding = _finding_for(links.IMPOSTOR)
    alert_answers.answer_impostor(db(), person, finding)
    sources = config().sources
    uid = people_store.person_uid(db(), person.id) or ""
    return render_template(
        "answer_answered.html",
        kind="impostor",
        finding=finding,
        reasons=_reasons(finding),
        guide=platform_facts.report_guides(sources, [finding])[finding.id].in_language(page_language()),
        profile_link=platform_facts.profile_links(sources, [finding]).get(finding.id, ""),
        evidence_url=links.link(
            config().web.public_url, links.link_secret(db()), links.EVIDENCE, uid, finding.id, now=now()
        ),
    )


@answers.get("/evidence")
def evidence() -> Response:
    """The finding's evidence page, under the policy it was written for (its style sheet's hash)."""
    _, finding = _finding_for(links.EVIDENCE)
    page = evidence_page.render_page(db(), finding.id)
    response = make_response(page)
    response.headers["Content-Security-Policy"] = evidence_page.policy()
    return response


# --- stop these alerts -----------------------------------------------------------------------------


@answers.get("/unsubscribe")
def unsubscribe() -> str:
    person = _person_for(links.UNSUBSCRIBE)[0]
    return render_template("answer_unsubscribe.html", person=person, action=url_for("answers.stop", t=_token()))


@answers.post("/unsubscribe")
@guard.one_click
def stop() -> Response | str:
    """Our form's button (with its CSRF token), or a mail client's RFC 8058 one-click POST (the signed
    token in the address stands in for the CSRF token: see guard.one_click)."""
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if one_click:
        target = links.resolve(db(), links.UNSUBSCRIBE, _token(), now=now())
        person = people_store.person(db(), target.person_id) if target else None
        if person is None:
            return Response("This link does not work.\n", status=400, mimetype="text/plain")
        g.person = person
        alert_answers.pause_alerts(db(), person, "one-click")
        return Response(page_words()["one_click_done"] + "\n", status=200, mimetype="text/plain")
    person = _person_for(links.UNSUBSCRIBE)[0]
    alert_answers.pause_alerts(db(), person, "page")
    return render_template("answer_answered.html", kind="unsubscribe", finding=None)


# --- the link's person and finding -----------------------------------------------------------------


def _token() -> str:
    return request.args.get("t", "")


def _person_for(purpose: str) -> tuple[Person, int | None]:
    """The person the link names (their language for the page), or the 400 page."""
    target = links.resolve(db(), purpose, _token(), now=now())
    person = people_store.person(db(), target.person_id) if target else None
    if target is None or person is None:
        abort(_refusal(400, "link-invalid", "answer_link_invalid"))
    g.person = person
    return person, target.finding_id


def _finding_for(purpose: str) -> tuple[Person, Finding]:
    """The person the link names and the finding it names, when it is theirs; else the 400 or 404 page."""
    person, finding_id = _person_for(purpose)
    finding = alert_answers.own_finding(db(), person.id, finding_id)
    if finding is None:
        abort(_refusal(404, "finding-gone", "answer_finding_gone"))
    return person, finding


def _refusal(status: int, page_id: str, words: str) -> Response:
    body = render_template("answer_refused.html", page_id=page_id, title_key=f"{words}_title", text_key=f"{words}_text")
    return make_response(body, status)


def _reasons(finding: Finding) -> list[str]:
    """The finding's reasons in the page's language (matching writes them in English)."""
    return reasons_in(finding.evidence.reasons, page_language())


def _finding_page(finding: Finding, kind: str, action: str) -> str:
    return render_template(
        "answer_finding.html",
        kind=kind,
        finding=finding,
        reasons=_reasons(finding),
        action=action,
        profile_link=platform_facts.profile_links(config().sources, [finding]).get(finding.id, ""),
    )
