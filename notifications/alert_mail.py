"""Alert e-mails: plain text and HTML from the same findings, scraped text always escaped.

Nothing scraped ever reaches a header: the subject only counts findings, and List-Unsubscribe
holds our web front's address and a signed token. A profile's address is a link only when it
leads to the platform the finding came from: the caller checks it (sources/registry.py
``profile_link``) and hands over, per finding, the address to link and how to report it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from notifications.templating import template_environment
from watcher.models import AlertLinks, Finding, Person, ReportGuide

MAX_SHOWN_NAME = 200  # a display name is shown up to this many characters
MAX_HEADER_URL = 900  # a header line may hold 998 characters
# Headers set raw (List-Unsubscribe) are written as they are: folding would wrap a long URL in an
# encoded-word, which no mail client opens as a link (RFC 2369 wants the URL itself).
_URL_HEADERS = policy.default.clone(refold_source="none")


def render_alert(
    person: Person,
    findings: list[Finding],
    *,
    sender: str,
    district: str,
    reply_to: str | None = None,
    report_guides: Mapping[int, ReportGuide],
    profile_links: Mapping[int, str] | None = None,
    links: AlertLinks | None = None,
    staff_page: str | None = None,
) -> EmailMessage:
    """One message for one person covering their new findings (and updated ones, marked so).

    With a web front (``links``) the message carries one-click unsubscribe headers (RFC 8058) and
    signed "not a problem" links; without one it says how to reply instead. Per finding id,
    ``report_guides`` says how to report it, and ``profile_links`` gives the profile's address when
    it is on its source's platform; otherwise the account is named as text, with its evidence page.
    ``staff_page``: where the district publishes the plain guide for staff (docs/staff.md).
    """
    env = template_environment()
    items = []
    for f in findings:
        guide = report_guides[f.id]
        items.append(
            {
                "finding": f,
                "name": _shown(f.display_name),
                "link": (profile_links or {}).get(f.id, ""),
                "howto": guide.steps,
                "needs": guide.needs,
                "change": _update_note(f),
                "not_a_problem": links.not_a_problem.get(f.id) if links else None,
                "evidence": links.evidence.get(f.id) if links else None,
            }
        )
    unsubscribe_url = links.unsubscribe if links else None
    context = {
        "person": person,
        "items": items,
        "district": district,
        "reply_to": reply_to or parseaddr(sender)[1],
        "unsubscribe_url": unsubscribe_url,
        "staff_page": staff_page,
    }
    message = EmailMessage(policy=_URL_HEADERS)
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
        message.set_raw("List-Unsubscribe", f"<{_header_url(unsubscribe_url)}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(env.get_template("alert.txt").render(context))
    message.add_alternative(env.get_template("alert.html").render(context), subtype="html")
    return message


def _header_url(url: str) -> str:
    """A URL for a header as it is: our web front's address and a token, printable ASCII, no spaces."""
    if not url or not all("!" <= ch <= "~" for ch in url) or len(url) > MAX_HEADER_URL:
        raise ValueError("the unsubscribe address is not a plain URL of printable ASCII")
    return url


_SIGNAL_WORDS = {
    "name": "the name now matches yours",
    "photo": "the profile photo now matches the photo you enrolled",
    "affiliation": "the profile now claims to work for the district",
}


def _update_note(finding: Finding) -> str:
    """For a finding the person was told about before: what is new since."""
    if finding.alerted_signals is None:
        return ""
    gained = [s for s in finding.evidence.signals if s not in finding.alerted_signals]
    words = "; ".join(_SIGNAL_WORDS.get(s, s) for s in gained)
    return f"Update on a profile we told you about before: {words}." if words else ""


def _shown(name: str) -> str:
    return name if len(name) <= MAX_SHOWN_NAME else name[: MAX_SHOWN_NAME - 1] + "…"


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "identity-watch.invalid"
