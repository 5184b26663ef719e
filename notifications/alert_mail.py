"""Alert e-mails: plain text and HTML from the same findings, scraped text always escaped, in the
person's language (English, or Spanish: ``alert_es.txt``/``.html``).

Nothing scraped ever reaches a header: the subject only counts findings, and List-Unsubscribe
holds our web front's address and a signed token. A profile's address is a link only when it
leads to the platform the finding came from: the caller checks it (sources/registry.py
``profile_link``) and hands over, per finding, the address to link and how to report it there.
No alert asks for a reply (nobody reads replies automatically): with a web front, each finding has
its signed answer links; without one, the alert names the communications office's address.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from notifications.reasons_es import reasons_in
from notifications.templating import sender_domain, template_environment
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
    office: str | None = None,
    report_guides: Mapping[int, ReportGuide],
    profile_links: Mapping[int, str] | None = None,
    links: AlertLinks | None = None,
    staff_page: str | None = None,
) -> EmailMessage:
    """One message for one person covering their new findings (and updated ones, marked so).

    With a web front (``links``) the message carries one-click unsubscribe headers (RFC 8058) and,
    per finding, signed "this account is mine, or not a problem", "someone is pretending to be me"
    and evidence links, and the footer links to stop alerts and to manage the enrolment; without
    one it names the communications office (``office``, else ``reply_to``) as the address to write to. Per finding id,
    ``report_guides`` says how to report it, and ``profile_links`` gives the profile's address when
    it is on its source's platform; otherwise the account is named as text, with its evidence page.
    ``staff_page``: where the district publishes the plain guide for staff (docs/staff.md).
    The person's ``language`` picks the templates and the subject, and says the reasons and the
    report steps in it.
    """
    env = template_environment()
    language = person.language if person.language in SUBJECTS else "en"
    items = []
    for f in findings:
        guide = report_guides[f.id].in_language(language)
        items.append(
            {
                "finding": f,
                "name": _shown(f.display_name),
                "link": (profile_links or {}).get(f.id, ""),
                "reasons": reasons_in(f.evidence.reasons, language),
                "howto": guide.steps,
                "needs": guide.needs,
                "change": _update_note(f, language),
                "not_a_problem": links.not_a_problem.get(f.id) if links else None,
                "impostor": links.impostor.get(f.id) if links else None,
                "evidence": links.evidence.get(f.id) if links else None,
            }
        )
    unsubscribe_url = links.unsubscribe if links else None
    context = {
        "person": person,
        "items": items,
        "district": district,
        # the address to write to: the office's (its own, else where replies go, else the sender's)
        "reply_to": parseaddr(office or reply_to or sender)[1] or office or reply_to or sender,
        "unsubscribe_url": unsubscribe_url,
        "manage_url": links.manage if links else None,
        "staff_page": staff_page,
    }
    message = EmailMessage(policy=_URL_HEADERS)
    count = len(findings)
    message["Subject"] = SUBJECTS[language][count == 1].format(count=count)
    message["From"] = sender
    message["To"] = Address(addr_spec=person.email)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender_domain(sender))
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message.set_raw("List-Unsubscribe", f"<{_header_url(unsubscribe_url)}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    name = "alert" if language == "en" else f"alert_{language}"
    message.set_content(env.get_template(f"{name}.txt").render(context))
    message.add_alternative(env.get_template(f"{name}.html").render(context), subtype="html")
    return message


def _header_url(url: str) -> str:
    """A URL for a header as it is: our web front's address and a token, printable ASCII, no spaces."""
    if not url or not all("!" <= ch <= "~" for ch in url) or len(url) > MAX_HEADER_URL:
        raise ValueError("the unsubscribe address is not a plain URL of printable ASCII")
    return url


# language → (the subject for several findings, for one)
SUBJECTS = {
    "en": (
        "Identity Watch: {count} possible impersonation accounts found",
        "Identity Watch: {count} possible impersonation account found",
    ),
    "es": (
        "Identity Watch: {count} posibles cuentas de suplantación encontradas",
        "Identity Watch: {count} posible cuenta de suplantación encontrada",
    ),
}
_SIGNAL_WORDS = {
    "en": {
        "name": "the name now matches yours",
        "photo": "the profile photo now matches the photo you enrolled",
        "affiliation": "the profile now claims to work for the district",
    },
    "es": {
        "name": "el nombre ahora coincide con el suyo",
        "photo": "la foto del perfil ahora coincide con la foto que usted inscribió",
        "affiliation": "el perfil ahora dice trabajar para el distrito",
    },
}
_UPDATE = {
    "en": "Update on a profile we told you about before: {words}.",
    "es": "Novedad sobre un perfil del que ya le avisamos: {words}.",
}


def _update_note(finding: Finding, language: str = "en") -> str:
    """For a finding the person was told about before: what is new since."""
    if finding.alerted_signals is None:
        return ""
    gained = [s for s in finding.evidence.signals if s not in finding.alerted_signals]
    words = "; ".join(_SIGNAL_WORDS[language].get(s, s) for s in gained)
    return _UPDATE[language].format(words=words) if words else ""


def _shown(name: str) -> str:
    return name if len(name) <= MAX_SHOWN_NAME else name[: MAX_SHOWN_NAME - 1] + "…"
