"""The staff pages: sign up with a district address, the e-mailed sign-in link, consent and enrolment,
managing one's enrolment, leaving.

No account and no password: a signed, single-use link sent to the address on the roster signs the
person in for an hour (guard.staff_required). Staff URLs carry no ids: every page reaches only the
signed-in person's own data (``g.person``). The start page answers the same whether or not the
address is on the roster, and whether or not it was throttled, so it tells nobody who works here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from notifications.sign_in_mail import render_sign_in
from storage import audit
from storage import findings as findings_store
from storage import people as people_store
from storage.db import write_transaction
from watcher import links
from watcher.errors import InputError
from watcher.models import Enrolment
from watcher.removal import remove_person
from watcher.roster import MAX_HANDLES, check_email
from watcher.web import guard
from watcher.web.context import WebContext, config, db, now
from watcher.web.mailing import after_response, send
from watcher.web.uploads import UploadRefused, hash_uploaded_photos, read_accounts
from watcher.web.words import LANGUAGES, WORDS, chosen_language, page_language, page_words

staff = Blueprint("staff", __name__)
log = logging.getLogger("watcher.web")

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# Sign-up e-mails: (bucket, limit, window). Enough for someone who lost a mail or two; too few to
# flood an inbox, or to probe the roster from one place.
PER_ADDRESS = (("sign-up-hour", 3, HOUR), ("sign-up-day", 6, DAY))
# Per client address: a school's staff often share one address (its network's), and a rollout
# sends many of them to the page in the same hour; the per-address limits protect each inbox.
PER_CLIENT = ("sign-up-client", 100, HOUR)
MAX_EMAIL_CHARS = 320
LINK_HOURS = int(links.LIFETIMES[links.SIGN_IN] / HOUR)
ALERTS = ("on", "off")


@staff.context_processor
def _page_helpers() -> dict[str, Any]:
    return {"lang_url": _lang_url, "max_handles": MAX_HANDLES, "max_upload": guard.MAX_UPLOAD_BYTES}


_KEPT_ARGS = ("t", "expired")


def _lang_url(code: str) -> str:
    """This page in another language (a form's answer: the start page)."""
    if request.method == "GET" and request.endpoint:
        # Only the page's own arguments (the link's token): url_for reads "_anchor", "_method" and the
        # like as instructions, and a query string must not give it any.
        kept = {key: value for key, value in request.args.items() if key in _KEPT_ARGS}
        return url_for(request.endpoint, **(request.view_args or {}), **kept, lang=code)
    return url_for("staff.sign_up", lang=code)


def _own_pages(*, enrolled: bool) -> Callable:
    """staff_required, then: the enrolment pages (``enrolled`` False) only for someone who has not
    enrolled themselves yet (who has is sent to the manage pages); the manage pages for anyone signed
    in, those the district's roster enrolled included (they can pause alerts or leave without
    enrolling first). Until someone chooses, their stored language is only a default: their pages are
    in the language they browse in."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.person.consented_at is None:
                person = g.pop("person")
                g.person = replace(person, language=page_language())
            if not enrolled and g.person.consented_at is not None:
                return redirect(url_for("staff.manage"), 303)
            return view(*args, **kwargs)

        return guard.staff_required(wrapped)

    return decorate


# --- sign up and sign in ------------------------------------------------------------------------


@staff.get("/")
def sign_up() -> str:
    return render_template("staff_sign_up.html", expired=bool(request.args.get("expired")), error=None, email="")


@staff.post("/sign-up")
def send_link() -> Any:
    """Mail a sign-in link to an address on the roster; the answer is the same for any address."""
    typed = request.form.get("email", "")[:MAX_EMAIL_CHARS]
    try:
        email = check_email(typed)
    except InputError:
        return render_template(
            "staff_sign_up.html", expired=False, error=page_words()["email_malformed"], email=typed
        ), 400
    if _may_send(email):
        language = page_language()
        after_response(lambda web: _mail_link(web, email, language), "the sign-in e-mail")
    return render_template("staff_sent.html")


def _may_send(email: str) -> bool:
    """Count one sign-up for the client and the address; False once either had its share. The
    throttle keeps a digest of the address, not the address someone typed."""
    bucket, limit, window = PER_CLIENT
    if not guard.allowed(f"{bucket}:{guard.client_address()}", limit, window):
        log.warning("sign-up e-mails from %s held back: %d this hour already", guard.client_address(), limit)
        return False
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    if all(guard.allowed(f"{bucket}:{digest}", limit, window) for bucket, limit, window in PER_ADDRESS):
        return True
    log.info("a sign-up e-mail held back: its address had its share")
    return False


def _mail_link(web: WebContext, email: str, page_language: str) -> None:
    """After the answer (watcher/web/mailing.py): a link for someone on the roster, nothing for anyone
    else. Someone who has consented gets it in the language they chose; anyone else, in the page's."""
    db = web.db()
    person = people_store.person_by_email(db, email)
    uid = people_store.person_uid(db, person.id) if person else None
    if person is None or uid is None:
        return
    language = chosen_language(person) or page_language
    url = links.link(web.config.web.public_url, links.link_secret(db), links.SIGN_IN, uid, now=web.now())
    message = render_sign_in(
        person,
        f"{url}&lang={language}",
        language=language,
        enrolling=person.consented_at is None,
        sender=web.config.email.sender,
        district=web.config.district.name,
        hours=LINK_HOURS,
        now=web.now(),
    )
    outbox_id = send(web, message, kind="sign_in", person_id=person.id)
    audit.record(db, actor=person.email, action="sign_in_requested", outbox_id=outbox_id)


@staff.get("/sign-in")
def sign_in() -> Any:
    """What the e-mailed link opens: a button (a GET changes nothing, and a mail scanner following
    the link does not spend it)."""
    token = request.args.get("t", "")
    if links.resolve(db(), links.SIGN_IN, token, now=now()) is None:
        return _link_invalid()
    return render_template("staff_sign_in.html", token=token)


@staff.post("/sign-in")
def continue_sign_in() -> Any:
    token = request.form.get("t", "")
    target = links.resolve(db(), links.SIGN_IN, token, now=now())
    if target is None or not links.use_once(db(), links.SIGN_IN, token, now=now()):
        return _link_invalid()
    person = people_store.person(db(), target.person_id)
    uid = people_store.person_uid(db(), target.person_id)
    if person is None or uid is None:
        return _link_invalid()
    language = session.get("lang")
    guard.sign_in_staff(uid)
    if language in LANGUAGES:
        session["lang"] = language
    audit.record(db(), actor=person.email, action="signed_in")
    return redirect(url_for("staff.manage" if person.consented_at else "staff.enrol"), 303)


def _link_invalid() -> tuple[str, int]:
    return render_template("staff_link_invalid.html"), 400


@staff.post("/sign-out")
def sign_out() -> Response:
    uid = session.get("staff")
    person = people_store.person(db(), people_store.person_by_uid(db(), uid)) if isinstance(uid, str) else None
    language = chosen_language(person) or page_language()
    if person is not None:
        audit.record(db(), actor=person.email, action="signed_out")
    guard.sign_out()
    session["lang"] = language
    flash(WORDS[language]["signed_out"])
    return redirect(url_for("staff.sign_up"), 303)


# --- consent and enrolment ----------------------------------------------------------------------


@staff.get("/enrol")
@_own_pages(enrolled=False)
def enrol() -> Any:
    accounts = "\n".join(sorted(g.person.accounts))
    return _enrol_form(None, 200, accounts, "on", page_language())


def _enrol_form(error: str | None, status: int, accounts: str, alerts: str | None, language: str | None) -> Any:
    retention = config().retention
    return render_template(
        "staff_enrol.html",
        error=error,
        accounts_text=accounts,
        alerts=alerts,
        chosen_language=language if language in LANGUAGES else page_language(),
        evidence_days=retention.evidence_days,
        observations_days=retention.observations_days,
    ), status


@staff.post("/enrol")
@_own_pages(enrolled=False)
def finish_enrolment() -> Any:
    person, form = g.person, request.form
    accounts_text, alerts, language = form.get("accounts", ""), form.get("alerts"), form.get("language")
    try:
        if form.get("consent") != "yes":
            raise UploadRefused("consent_missing")
        if alerts not in ALERTS:
            raise UploadRefused("choose_alerts")
        if language not in LANGUAGES:
            raise UploadRefused("choose_language")
        accounts = _unclaimed(read_accounts(accounts_text))
        hashed = hash_uploaded_photos(request.files.getlist("photos"), config().network.max_image_pixels)
    except UploadRefused as problem:
        return _enrol_form(problem.words(page_words()), 400, accounts_text, alerts, language)
    enrolment = Enrolment(
        email=person.email,
        name=person.name,
        accounts=accounts,
        photos=hashed.photos,
        prints=hashed.prints,
        opt_in=alerts == "on",
        language=language,
    )
    detail = {"photos": len(hashed.photos), "accounts": len(accounts), "alerts": alerts, "language": language}
    with write_transaction(db()):
        people_store.save_enrolments(db(), [enrolment], by_person=True)
        people_store.set_consent(db(), person.id)
        audit.record(db(), actor=person.email, action="enrolled", detail=detail)
    flash(WORDS[language]["enrolled_flash"])
    return redirect(url_for("staff.manage"), 303)


# --- manage -------------------------------------------------------------------------------------


@staff.get("/manage")
@_own_pages(enrolled=True)
def manage() -> Any:
    return _manage_page(None, 200)


def _manage_page(error: str | None, status: int, accounts: str | None = None) -> Any:
    photos = people_store.photo_count(db(), g.person.id)
    shown = "\n".join(sorted(g.person.accounts)) if accounts is None else accounts
    return render_template("staff_manage.html", error=error, photos=photos, accounts_text=shown), status


@staff.post("/manage/photos")
@_own_pages(enrolled=True)
def replace_photos() -> Any:
    person = g.person
    if person.consented_at is None:  # photos and accounts come with the consent page
        return redirect(url_for("staff.enrol"), 303)
    try:
        hashed = hash_uploaded_photos(request.files.getlist("photos"), config().network.max_image_pixels)
    except UploadRefused as problem:
        return _manage_page(problem.words(page_words()), 400)
    enrolment = Enrolment(email=person.email, name=person.name, photos=hashed.photos, prints=hashed.prints)
    with write_transaction(db()):
        people_store.save_enrolments(db(), [enrolment], by_person=True)
        audit.record(db(), actor=person.email, action="photos_replaced", detail={"photos": len(hashed.photos)})
    return _done("photos_replaced_flash")


@staff.post("/manage/accounts")
@_own_pages(enrolled=True)
def edit_accounts() -> Any:
    person, text = g.person, request.form.get("accounts", "")
    if person.consented_at is None:
        return redirect(url_for("staff.enrol"), 303)
    try:
        accounts = _unclaimed(read_accounts(text))
    except UploadRefused as problem:
        return _manage_page(problem.words(page_words()), 400, text)
    with write_transaction(db()):
        people_store.save_enrolments(
            db(), [Enrolment(email=person.email, name=person.name, accounts=accounts)], by_person=True
        )
        audit.record(db(), actor=person.email, action="accounts_changed", detail={"accounts": len(accounts)})
    return _done("accounts_saved_flash")


def _unclaimed(accounts: tuple[str, ...]) -> tuple[str, ...]:
    """The accounts, when none is another employee's nor found impersonating one: nobody can make an
    account "theirs" (and so never flagged) by listing it; moving one between people is the office's."""
    for account in accounts:
        taken = people_store.account_owner(db(), account) not in (None, g.person.id)
        if taken or findings_store.about_someone_else(db(), account, g.person.id):
            raise UploadRefused("account_taken", account=account[:120])
    return accounts


@staff.post("/manage/alerts")
@_own_pages(enrolled=True)
def set_alerts() -> Any:
    alerts = request.form.get("alerts")
    if alerts not in ALERTS:
        return _manage_page(page_words()["choose_alerts"], 400)
    with write_transaction(db()):
        changed = people_store.set_opt_in(db(), g.person.id, alerts == "on")
        action = "alerts_on" if alerts == "on" else "alerts_paused"
        audit.record(db(), actor=g.person.email, action=action, detail={"changed": changed})
    return _done("alerts_on_flash" if alerts == "on" else "alerts_paused_flash")


@staff.post("/manage/language")
@_own_pages(enrolled=True)
def set_language() -> Any:
    language = request.form.get("language")
    if language not in LANGUAGES:
        return _manage_page(page_words()["choose_language"], 400)
    with write_transaction(db()):
        people_store.set_language(db(), g.person.id, language)
        audit.record(db(), actor=g.person.email, action="language_changed", detail={"language": language})
    return _done("language_saved_flash", language)


def _done(words: str, language: str | None = None) -> Response:
    flash(WORDS[language or page_language()][words])
    return redirect(url_for("staff.manage"), 303)


# --- leave --------------------------------------------------------------------------------------


@staff.get("/leave")
@_own_pages(enrolled=True)
def leave() -> str:
    return render_template("staff_leave.html")


@staff.post("/leave")
@_own_pages(enrolled=True)
def confirm_leave() -> str:
    """Everything kept about the person goes (watcher.removal, as ``watcher people remove``); the
    audit keeps that someone left, and nothing that says who. A digest of the address is kept so
    that the next roster import does not enrol them again with alerts on (storage/people.py)."""
    with write_transaction(db()):
        removed = remove_person(db(), g.person.email) or {}
        people_store.remember_departure(db(), g.person.email)
        audit.record(db(), actor="staff", action="person_left")
    guard.sign_out()
    return render_template("staff_left.html", left=True, findings=removed.get("findings_anonymised", 0))
