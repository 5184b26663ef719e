"""The e-mail templates (``notifications/templates``), shared by every message, and the one way an
automatic message (digest, sign-in links) is put together."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def template_environment() -> Environment:
    """The e-mail templates: HTML autoescaped, a missing value an error rather than a blank."""
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def automatic_message(
    template: str,
    context: dict[str, Any],
    *,
    subject: str,
    sender: str,
    to: object,
    now: datetime | None = None,
    language: str | None = None,
) -> EmailMessage:
    """``template``.txt and ``template``.html rendered with ``context`` as one message, marked
    automatic (``Auto-Submitted``). ``subject`` is ours, never scraped text; ``to`` an address or
    an ``email.headerregistry.Address``."""
    env = template_environment()
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender_domain(sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template(f"{template}.txt").render(context))
    message.add_alternative(env.get_template(f"{template}.html").render(context), subtype="html")
    if language:
        message["Content-Language"] = language  # after the content: setting it drops Content-* headers
    return message


def sender_domain(sender: str) -> str:
    """The domain of the sender's address, for Message-IDs."""
    return parseaddr(sender)[1].rpartition("@")[2] or "identity-watch.invalid"
