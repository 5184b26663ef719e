"""The web front under test: a copy of a saved state served by the real Flask application (its test
client), the Maildir its e-mails land in, an adjustable clock, and the CSRF token its forms carry."""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from storage import audit, open_database
from watcher.config import load_config
from watcher.web import create_app

BASE_URL = "http://127.0.0.1:8080"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Clock:
    """The web front's clock: real time at first, moved on by tests (sessions, links, the throttle)."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def enable_web(config_path: Path, extra: str = "") -> None:
    """Give a saved state's config a web front at ``BASE_URL`` (and ``extra`` lines of ``[web]``)."""
    text = config_path.read_text()
    if "[web]" not in text:
        config_path.write_text(text + f'\n[web]\nbase_url = "{BASE_URL}"\n{extra}')


class ClosingClient(FlaskClient):
    """A test client that reads each answer to its end and closes it, as a real server does: what the
    application does once the page has been sent (its sign-in e-mails) happens before the call returns."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


class Site:
    """The application over the state in ``folder`` (its watcher.toml, with a web front)."""

    def __init__(self, folder: Path, clock: Clock | None = None) -> None:
        self.folder = folder
        enable_web(folder / "watcher.toml")
        self.config = load_config(folder / "watcher.toml")
        self.clock = clock or Clock()
        self.app: Flask = create_app(self.config, clock=self.clock)
        self.app.testing = False  # errors are answered as a visitor sees them, not raised
        self.app.test_client_class = ClosingClient
        self.client: FlaskClient = self.app.test_client()

    def db(self):
        return open_database(self.config.database)

    def audit_rows(self, action: str | None = None, finding_id: int | None = None) -> list[dict]:
        """The audit trail's rows (with ``detail`` decoded), oldest first, of one action or finding."""
        db = self.db()
        try:
            return audit.list_audit(db, action=action, finding_id=finding_id)
        finally:
            db.close()

    def new_client(self) -> FlaskClient:
        """Another browser: its own cookies."""
        return self.app.test_client()

    def csrf(self, client: FlaskClient | None = None, page: str = "/") -> str:
        """The CSRF token of ``client``'s session, read from a form on ``page``."""
        html = (client or self.client).get(page).get_data(as_text=True)
        match = _CSRF.search(html)
        assert match, f"no CSRF field on {page}"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, *, client: FlaskClient | None = None, page: str = "/", **kw):
        """POST a form as the page's own form would: with the session's CSRF token."""
        client = client or self.client
        return client.post(path, data={"csrf": self.csrf(client, page), **(data or {})}, **kw)

    def mails(self) -> list[EmailMessage]:
        """Every message in the Maildir, oldest first."""
        if not (self.config.email.maildir / "new").is_dir():
            return []
        box = mailbox.Maildir(self.config.email.maildir, create=False)
        messages = [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
        return sorted(messages, key=lambda m: (m["Date"].datetime if m["Date"] else datetime.min, m["Message-ID"]))

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails() if m["To"].addresses[0].addr_spec == address]

    @staticmethod
    def links(message: EmailMessage, purpose: str) -> list[str]:
        """The paths (with query) of the links to ``purpose`` in a message's plain text."""
        text = message.get_body(("plain",)).get_content()
        found = re.findall(re.escape(BASE_URL) + r"/" + re.escape(purpose) + r"\?t=[A-Za-z0-9._%-]+", text)
        return [urlsplit(u).path + "?" + urlsplit(u).query for u in found]
