"""The communications office's sign-in: a password (scrypt, throttled per account and per client) or a
link by e-mail (15 minutes, once), and sign-out. The queue and the finding pages are on the same
blueprint (office_findings.py).

A failed sign-in answers the same whether the address has an account or not, and a throttled one is
refused before the password is even looked at: the answer never tells which guess was right.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from notifications.office_mail import render_office_sign_in
from storage import admins as admins_store
from storage import audit
from storage.db import write_transaction
from watcher import links
from watcher.errors import InputError
from watcher.office_accounts import password_matches
from watcher.roster import check_email
from watcher.web import guard
from watcher.web.context import WebContext, db, now
from watcher.web.mailing import after_response, send

office = Blueprint("office", __name__)

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)
LINKS_PER_ADDRESS = 3
LINKS_PER_CLIENT = 20
LINK_WINDOW = timedelta(hours=1)
MAX_EMAIL = 320  # characters of an address worth looking up
SIGN_IN_ACTOR = "office-sign-in"  # the audit's actor of a failed sign-in: nobody is known yet


def _email() -> str:
    return request.form.get("email", "").strip().lower()[:MAX_EMAIL]


def _next_path(value: str | None) -> str:
    """Where to go after signing in: one of our office pages, never another site."""
    if value and value.startswith("/office") and "\\" not in value and value.isprintable() and " " not in value:
        return request.script_root + value
    return url_for("overview.dashboard")


def _signed_in(admin_id: int, uid: str, email: str, how: str) -> None:
    guard.sign_in_office(uid)
    admins_store.signed_in(db(), admin_id)
    with write_transaction(db()):
        audit.record(db(), actor=f"office:{email}", action="signed_in", detail={"how": how})


@office.get("/office/sign-in")
def sign_in() -> str:
    return render_template("office_sign_in.html", next=request.args.get("next", ""))


@office.post("/office/sign-in")
def password_sign_in() -> Response | tuple[str, int]:
    email, password = _email(), request.form.get("password", "")
    account_bucket = f"office-password:account:{email}"
    client_ok = guard.allowed(f"office-password:client:{guard.client_address()}", FAILURES_PER_CLIENT, FAILURE_WINDOW)
    if not (client_ok and guard.allowed(account_bucket, FAILURES_PER_ACCOUNT, FAILURE_WINDOW)):
        return render_template("office_throttled.html"), 429
    admin = admins_store.admin_by_email(db(), email) if email else None
    stored = admins_store.password_hash(db(), admin.id) if admin else None
    if admin is None or not password_matches(stored, password):
        with write_transaction(db()):
            typed = email[:200] if _is_address(email) else "(not an e-mail address)"  # never a password typed there
            audit.record(db(), actor=SIGN_IN_ACTOR, action="sign_in_failed", detail={"email": typed})
        return render_template("office_sign_in.html", next=request.form.get("next", ""), email=email, failed=True), 200
    guard.clear_throttle(account_bucket)
    _signed_in(admin.id, admin.uid, admin.email, "password")
    return redirect(_next_path(request.form.get("next")), 303)


@office.post("/office/sign-in-link")
def send_sign_in_link() -> str:
    """The same answer whatever the address; a link only to an existing account, within the throttle."""
    email = _email()
    if (
        email
        and guard.allowed(f"office-link:client:{guard.client_address()}", LINKS_PER_CLIENT, LINK_WINDOW)
        and guard.allowed(f"office-link:address:{email}", LINKS_PER_ADDRESS, LINK_WINDOW)
    ):
        after_response(lambda web: _mail_link(web, email), "the office sign-in e-mail")
    return render_template("office_link_sent.html")


def _mail_link(web: WebContext, email: str) -> None:
    """After the answer (watcher/web/mailing.py): a link for an existing account, nothing otherwise."""
    admin = admins_store.admin_by_email(web.db(), email)
    if admin is None:
        return
    link = links.link(
        web.config.web.public_url, links.link_secret(web.db()), links.OFFICE_SIGN_IN, admin.uid, now=web.now()
    )
    minutes = int(links.LIFETIMES[links.OFFICE_SIGN_IN].total_seconds() // 60)
    message = render_office_sign_in(
        admin.email, link, sender=web.config.email.sender, district=web.config.district.name, minutes=minutes
    )
    outbox_id = send(web, message, kind="office_sign_in")
    audit.record(web.db(), actor=f"office:{admin.email}", action="sign_in_link_sent", outbox_id=outbox_id)


@office.get("/office-sign-in")
def link_sign_in() -> str | tuple[str, int]:
    """What a sign-in link opens: a button (a GET never signs anyone in; mail scanners open links)."""
    token = request.args.get("t", "")
    if links.resolve_admin(db(), token, now=now()) is None:
        return render_template("office_link_invalid.html"), 400
    return render_template("office_continue.html", token=token)


@office.post("/office-sign-in")
def use_sign_in_link() -> Response | tuple[str, int]:
    token = request.form.get("t", "")
    admin = links.resolve_admin(db(), token, now=now())
    if admin is None or not links.use_once(db(), links.OFFICE_SIGN_IN, token, now=now()):
        return render_template("office_link_invalid.html"), 400
    _signed_in(admin.id, admin.uid, admin.email, "link")
    return redirect(url_for("overview.dashboard"), 303)


@office.post("/office/sign-out")
@guard.office_required
def sign_out() -> Response:
    audit.record(db(), actor=guard.office_actor(), action="signed_out")
    guard.sign_out()
    return redirect(url_for("office.sign_in"), 303)


def _is_address(text: str) -> bool:
    try:
        check_email(text)
    except InputError:
        return False
    return True
