"""Alert e-mails: plain text and HTML from the same findings, scraped text always escaped.

Nothing scraped ever reaches a header: the subject only counts findings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from watcher.models import Finding, Person

REPORT_HOWTO = {
    "bluesky": 'In the Bluesky app, open the profile, tap the ⋯ menu, choose "Report account" and pick '
    '"Misleading" (impersonation). Bluesky removes impersonation accounts.',
    "mastodon": 'Open the profile from your own Mastodon account, choose "Report", say it breaks the rules '
    '(impersonation), and tick "Forward to the remote server" so that its moderators see it too.',
    "github": 'On the profile, choose "Block or report", then "Report abuse", and pick impersonation.',
}
GENERIC_HOWTO = (
    "Open the profile and use the platform's report option for impersonation. "
    "Most platforms accept such a report only from the person impersonated and may ask for a photo ID."
)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_alert(
    person: Person,
    findings: list[Finding],
    *,
    sender: str,
    district: str,
    reply_to: str | None = None,
    source_types: dict[str, str] | None = None,
) -> EmailMessage:
    """One message for one person covering their new findings."""
    env = _environment()
    source_types = source_types or {}
    items = [
        {
            "finding": f,
            "howto": REPORT_HOWTO.get(source_types.get(f.source, f.source), GENERIC_HOWTO),
        }
        for f in findings
    ]
    context = {"person": person, "items": items, "district": district, "reply_to": reply_to or parseaddr(sender)[1]}
    message = EmailMessage()
    count = len(findings)
    message["Subject"] = f"Identity Watch: {count} possible impersonation account{'s' if count != 1 else ''} found"
    message["From"] = sender
    message["To"] = Address(addr_spec=person.email)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("alert.txt").render(context))
    message.add_alternative(env.get_template("alert.html").render(context), subtype="html")
    return message


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "identity-watch.invalid"
