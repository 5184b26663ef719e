"""Signed links in e-mails: one-click unsubscribe, "not a problem", the evidence page.

A link names a person by their public ``uid`` (random, 128 bits, never given to anyone else; see
storage/people.py), never by a row id, and a finding by its id. Its token carries what it is for
and when it stops working, with an HMAC of all of that under the installation's secret (kept in
the database, made on first use). So nobody can act for someone else by guessing, a link made for
one purpose does nothing at another, an old link stops working, and a link made for a person since
removed acts on nobody, whoever is enrolled after them.

The token, URL-safe: ``1.<uid>.<finding id, or ->.<expiry, Unix seconds>.<mac>``. The web front
answers ``{base_url}/{purpose}?t=<token>`` with ``resolve``: a GET shows what the link is about,
only the page's button (a POST) acts; for ``unsubscribe`` the POST of RFC 8058 one-click too.
Links from before this format (``?id=…&t=…``, no expiry) no longer verify. Sign-in links (staff:
24 hours; the office: 15 minutes) work once: ``use_once`` keeps the mac of a spent one until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlite_utils import Database

from storage import admins as admins_store
from storage import people as people_store
from storage import web_state
from storage.settings import setting
from watcher.models import Admin, AlertLinks

UNSUBSCRIBE = "unsubscribe"
NOT_A_PROBLEM = "not-a-problem"  # "this account is mine, or not a problem"
IMPOSTOR = "impostor"  # "yes, this is someone pretending to be me"
EVIDENCE = "evidence"
SIGN_IN = "sign-in"  # a staff member's e-mailed link to enrol or manage their enrolment: used once
OFFICE_SIGN_IN = "office-sign-in"  # a communications-office account's sign-in link: used once
# How long a link works. An unsubscribe link must keep working while its message is still read;
# answers about one finding matter while the finding is fresh; the web front asks for a new link after.
# A sign-in link is a key to someone's enrolment: a day for staff (who may read mail tomorrow
# morning), a quarter of an hour for the office.
LIFETIMES = {
    UNSUBSCRIBE: timedelta(days=90),
    NOT_A_PROBLEM: timedelta(days=30),
    IMPOSTOR: timedelta(days=30),
    EVIDENCE: timedelta(days=30),
    SIGN_IN: timedelta(hours=24),
    OFFICE_SIGN_IN: timedelta(minutes=15),
}
PER_FINDING = frozenset({NOT_A_PROBLEM, IMPOSTOR, EVIDENCE})  # the others name a person only
SINGLE_USE = frozenset({SIGN_IN, OFFICE_SIGN_IN})  # ``use_once`` refuses them the second time

VERSION = "1"
MAX_TOKEN = 200  # characters; ours are about 90
_MAC_BYTES = 16
_UID = re.compile(r"[A-Za-z0-9_-]{22}")
_FINDING = re.compile(r"[1-9][0-9]{0,17}")
_EXPIRY = re.compile(r"[1-9][0-9]{0,11}")
_MAC = re.compile(r"[A-Za-z0-9_-]{22}")
_SECRET_KEY = "link_secret"


@dataclass(frozen=True)
class LinkSubject:
    """What a verified token names: a person's uid, the finding for per-finding purposes, and when it expires."""

    uid: str
    finding_id: int | None
    expires: datetime


@dataclass(frozen=True)
class LinkTarget:
    """A verified link resolved to the person enrolled now (and the finding it names, if any)."""

    person_id: int
    finding_id: int | None


def link_secret(db: Database) -> bytes:
    """The installation's signing secret, created once."""
    return bytes.fromhex(setting(db, _SECRET_KEY, lambda: secrets.token_hex(32)))


def sign(secret: bytes, purpose: str, uid: str, finding_id: int | None = None, *, now: datetime | None = None) -> str:
    """A token for ``purpose`` on person ``uid`` (and ``finding_id``), valid for the purpose's lifetime from ``now``."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    if (finding_id is not None) != (purpose in PER_FINDING):
        raise ValueError(f"a {purpose} link names {'a finding' if purpose in PER_FINDING else 'a person only'}")
    if not _UID.fullmatch(uid):
        raise ValueError("a link names a person by their uid")
    expires = str(int(((now or datetime.now(UTC)) + LIFETIMES[purpose]).timestamp()))
    finding = str(finding_id) if finding_id is not None else "-"
    return ".".join((VERSION, uid, finding, expires, _mac(secret, purpose, uid, finding, expires)))


def verify(secret: bytes, purpose: str, token: object, *, now: datetime | None = None) -> LinkSubject | None:
    """What ``token`` names, when it was signed with ``secret`` for ``purpose`` and has not expired; else None.

    Never raises: any text (or anything else) that is not such a token is just refused. A token
    whose expiry lies further ahead than the purpose's lifetime is refused too, so that shortening
    a lifetime also shortens the links already sent.
    """
    if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN or purpose not in LIFETIMES:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    _, uid, finding, expires, mac = parts
    per_finding = _FINDING.fullmatch(finding) is not None
    if per_finding != (purpose in PER_FINDING) or (not per_finding and finding != "-"):
        return None
    if not (_UID.fullmatch(uid) and _EXPIRY.fullmatch(expires) and _MAC.fullmatch(mac)):
        return None
    if not hmac.compare_digest(_mac(secret, purpose, uid, finding, expires), mac):
        return None
    moment = (now or datetime.now(UTC)).timestamp()
    if not moment < int(expires) <= moment + LIFETIMES[purpose].total_seconds():
        return None
    return LinkSubject(uid, int(finding) if per_finding else None, datetime.fromtimestamp(int(expires), UTC))


def link(
    base_url: str, secret: bytes, purpose: str, uid: str, finding_id: int | None = None, *, now: datetime | None = None
) -> str:
    """``{base_url}/{purpose}?t=…``: what the web front answers."""
    query = urlencode({"t": sign(secret, purpose, uid, finding_id, now=now)})
    return f"{base_url.rstrip('/')}/{purpose}?{query}"


def alert_links(
    db: Database,
    base_url: str | None,
    secret: bytes,
    person_id: int,
    finding_ids: Iterable[int],
    *,
    now: datetime | None = None,
) -> AlertLinks | None:
    """Every link an alert to this person about these findings carries; None without a web front
    (``base_url``) or for someone no longer enrolled."""
    uid = people_store.person_uid(db, person_id)
    if not base_url or uid is None:
        return None
    ids = list(finding_ids)
    return AlertLinks(
        unsubscribe=link(base_url, secret, UNSUBSCRIBE, uid, now=now),
        not_a_problem={i: link(base_url, secret, NOT_A_PROBLEM, uid, i, now=now) for i in ids},
        evidence={i: link(base_url, secret, EVIDENCE, uid, i, now=now) for i in ids},
        impostor={i: link(base_url, secret, IMPOSTOR, uid, i, now=now) for i in ids},
        manage=f"{base_url.rstrip('/')}/",
    )


def resolve(db: Database, purpose: str, token: object, *, now: datetime | None = None) -> LinkTarget | None:
    """The person enrolled now whom a valid ``purpose`` token names; None for a bad, expired or
    foreign token, or one made for someone no longer enrolled. Whether the finding still concerns
    that person is the caller's to check when it acts on it."""
    subject = verify(link_secret(db), purpose, token, now=now)
    if subject is None:
        return None
    person_id = people_store.person_by_uid(db, subject.uid)
    return None if person_id is None else LinkTarget(person_id, subject.finding_id)


def resolve_admin(db: Database, token: object, *, now: datetime | None = None) -> Admin | None:
    """The office account a valid ``office-sign-in`` token names, while it exists; else None."""
    subject = verify(link_secret(db), OFFICE_SIGN_IN, token, now=now)
    return None if subject is None else admins_store.admin_by_uid(db, subject.uid)


def use_once(db: Database, purpose: str, token: str, *, now: datetime | None = None) -> bool:
    """Spend a single-use token (already verified): True the first time, False ever after. What is
    kept is its mac until it expires, then nothing (the token no longer verifies by then)."""
    if purpose not in SINGLE_USE:
        raise ValueError(f"a {purpose} link is not used once")
    subject = verify(link_secret(db), purpose, token, now=now)
    if subject is None:
        return False
    return web_state.use_link(db, token.rsplit(".", 1)[1], subject.expires, now=now)


def _mac(secret: bytes, purpose: str, uid: str, finding: str, expires: str) -> str:
    message = "\n".join(("identity-watch link", VERSION, purpose, uid, finding, expires)).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
