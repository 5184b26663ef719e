"""Sign-in e-mails: the link a staff member asked for on the web front's start page, to enrol or to
manage their enrolment, in their language. Nothing scraped is in it; the subject is fixed text."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from notifications.templating import automatic_message
from watcher.models import Person

SUBJECTS = {
    "en": "Your Identity Watch link",
    "es": "Su enlace de Identity Watch",
}


def render_sign_in(
    person: Person,
    link: str,
    *,
    language: str,
    enrolling: bool,
    sender: str,
    district: str,
    hours: int,
    now: datetime,
) -> EmailMessage:
    """The message carrying ``link`` (valid ``hours`` hours, once) to ``person``, in ``language``
    ("en" or "es"): to enrol when ``enrolling``, else to manage their enrolment."""
    language = language if language in SUBJECTS else "en"
    context = {"name": person.name, "link": link, "enrolling": enrolling, "district": district, "hours": hours}
    suffix = "" if language == "en" else f"_{language}"
    return automatic_message(
        f"sign_in{suffix}",
        context,
        subject=SUBJECTS[language],
        sender=sender,
        to=Address(addr_spec=person.email),
        now=now,
        language=language,
    )
