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

# What to do, per platform: the steps, and what the platform will ask for.
REPORT_HOWTO = {
    "bluesky": (
        'In the Bluesky app, open the profile, tap the ⋯ menu, choose "Report account" and pick '
        '"Misleading" (impersonation). Bluesky removes impersonation accounts; a parody must say so in its name '
        "and bio.",
        "the link to the profile; you report it from your own account.",
    ),
    "mastodon": (
        'Open the profile from your own Mastodon account, choose "Report", say it breaks the rules '
        '(impersonation), and tick "Forward to the remote server" so that its moderators see it too.',
        "the link to the profile and a sentence saying it is not you; you need an account on any Mastodon server.",
    ),
    "github": (
        'On the profile, choose "Block or report", then "Report abuse", and pick impersonation.',
        "the link to the profile; you report it while signed in to GitHub.",
    ),
}
GENERIC_HOWTO = (
    "Open the profile and use the platform's own report option for impersonation.",
    "the link to the profile; most platforms accept an impersonation report only from the person impersonated, "
    "and many ask for a photo ID.",
)
MAX_SHOWN_NAME = 200  # a display name is shown up to this many characters


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


def render_alert(
    person: Person,
    findings: list[Finding],
    *,
    sender: str,
    district: str,
    reply_to: str | None = None,
    source_types: dict[str, str] | None = None,
    unsubscribe_url: str | None = None,
    not_a_problem_urls: dict[int, str] | None = None,
) -> EmailMessage:
    """One message for one person covering their new findings (and updated ones, marked so).

    With a web front (``unsubscribe_url``) the message carries one-click unsubscribe headers
    (RFC 8058) and signed "not a problem" links; without one it says how to reply instead.
    """
    env = template_environment()
    source_types = source_types or {}
    not_a_problem_urls = not_a_problem_urls or {}
    items = []
    for f in findings:
        steps, needs = REPORT_HOWTO.get(source_types.get(f.source, f.source), GENERIC_HOWTO)
        items.append(
            {
                "finding": f,
                "name": _shown(f.display_name),
                "link": f.profile_url if f.profile_url.startswith(("https://", "http://")) else "",
                "howto": steps,
                "needs": needs,
                "change": _update_note(f),
                "not_a_problem": not_a_problem_urls.get(f.id),
            }
        )
    context = {
        "person": person,
        "items": items,
        "district": district,
        "reply_to": reply_to or parseaddr(sender)[1],
        "unsubscribe_url": unsubscribe_url,
    }
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
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(env.get_template("alert.txt").render(context))
    message.add_alternative(env.get_template("alert.html").render(context), subtype="html")
    return message


_SIGNAL_WORDS = {
    "name": "the name now matches yours",
    "photo": "the profile photo now matches the photo you enrolled",
    "affiliation": "the profile now claims to work for the district",
}


def _update_note(finding: Finding) -> str:
    """For a finding the person was told about before: what is new since."""
    if finding.alerted_signals is None:
        return ""
    gained = [s for s in finding.evidence.get("signals", ()) if s not in finding.alerted_signals]
    words = "; ".join(_SIGNAL_WORDS.get(s, s) for s in gained)
    return f"Update on a profile we told you about before: {words}." if words else ""


def _shown(name: str) -> str:
    return name if len(name) <= MAX_SHOWN_NAME else name[: MAX_SHOWN_NAME - 1] + "…"


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "identity-watch.invalid"
