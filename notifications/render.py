"""Alert e-mails: plain text and HTML from the same findings, scraped text always escaped.

Nothing scraped ever reaches a header: the subject only counts findings, and List-Unsubscribe
holds our web front's address and a signed token. A profile's address is a link only when it
leads to the platform the finding came from (notifications/profile_links.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.profile_links import link_checker, profile_link
from watcher.config import SourceConfig
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
MAX_HEADER_URL = 900  # a header line may hold 998 characters
# Headers set raw (List-Unsubscribe) are written as they are: folding would wrap a long URL in an
# encoded-word, which no mail client opens as a link (RFC 2369 wants the URL itself).
_URL_HEADERS = policy.default.clone(refold_source="none")


@dataclass(frozen=True)
class AlertLinks:
    """The signed links of one alert (watcher/links.py makes them): unsubscribe, and per finding
    "not a problem" and its evidence page."""

    unsubscribe: str
    not_a_problem: dict[int, str] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)


def template_environment(sources: Sequence[SourceConfig] | None = None) -> Environment:
    """The e-mail templates: HTML autoescaped, a missing value an error rather than a blank.

    ``profile_link(url, handle, source)`` in a template gives the address only when it is a page
    of that configured source's platform; with no ``sources`` it links nothing.
    """
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["profile_link"] = link_checker(sources)
    return env


def render_alert(
    person: Person,
    findings: list[Finding],
    *,
    sender: str,
    district: str,
    reply_to: str | None = None,
    source_types: dict[str, str] | None = None,
    sources: Sequence[SourceConfig] = (),
    links: AlertLinks | None = None,
) -> EmailMessage:
    """One message for one person covering their new findings (and updated ones, marked so).

    With a web front (``links``) the message carries one-click unsubscribe headers (RFC 8058) and
    signed "not a problem" links; without one it says how to reply instead. A profile's address is
    linked only when it is on its ``sources`` entry's platform; otherwise the account is named as
    text, with its evidence page.
    """
    env = template_environment(sources)
    by_name = {s.name: s for s in sources}
    source_types = {s.name: s.type for s in sources} | (source_types or {})
    items = []
    for f in findings:
        steps, needs = REPORT_HOWTO.get(source_types.get(f.source, f.source), GENERIC_HOWTO)
        items.append(
            {
                "finding": f,
                "name": _shown(f.display_name),
                "link": profile_link(f.profile_url, f.handle, by_name.get(f.source)),
                "howto": steps,
                "needs": needs,
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
    gained = [s for s in finding.evidence.get("signals", ()) if s not in finding.alerted_signals]
    words = "; ".join(_SIGNAL_WORDS.get(s, s) for s in gained)
    return f"Update on a profile we told you about before: {words}." if words else ""


def _shown(name: str) -> str:
    return name if len(name) <= MAX_SHOWN_NAME else name[: MAX_SHOWN_NAME - 1] + "…"


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "identity-watch.invalid"
