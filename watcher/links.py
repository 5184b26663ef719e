"""Signed links in e-mails: one-click unsubscribe and "this is me / not a problem".

A link carries what it acts on and an HMAC of it under the installation's secret (kept in the
database, made on first use), so nobody can unsubscribe or dismiss for someone else by guessing
numbers. The web front that answers these links verifies them with ``verify``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from sqlite_utils import Database

from storage.db import write_transaction

UNSUBSCRIBE = "unsubscribe"
NOT_A_PROBLEM = "not-a-problem"
_SECRET_KEY = "link_secret"


def link_secret(db: Database) -> bytes:
    """The installation's signing secret, created once."""
    with write_transaction(db):
        row = db.execute("SELECT value FROM settings WHERE key = ?", [_SECRET_KEY]).fetchone()
        if row is None:
            value = secrets.token_hex(32)
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [_SECRET_KEY, value])
        else:
            value = row[0]
    return bytes.fromhex(value)


def sign(secret: bytes, action: str, subject: int) -> str:
    digest = hmac.new(secret, f"{action}:{subject}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def verify(secret: bytes, action: str, subject: int, token: str) -> bool:
    return hmac.compare_digest(sign(secret, action, subject), token)


def link(base_url: str, secret: bytes, action: str, subject: int) -> str:
    """``{base_url}/{action}?id=…&t=…``: what the web front answers."""
    query = urlencode({"id": subject, "t": sign(secret, action, subject)})
    return f"{base_url.rstrip('/')}/{action}?{query}"
