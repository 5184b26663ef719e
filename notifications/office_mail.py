"""The communications office's sign-in e-mail: a link that works once, for 15 minutes. It names no
finding and nobody; the address it goes to is the account's own, as the office typed it at sign-up."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage

from notifications.templating import automatic_message


def render_office_sign_in(email: str, link: str, *, sender: str, district: str, minutes: int = 15) -> EmailMessage:
    """The sign-in message to an office account at ``email`` with its signed ``link``."""
    context = {"link": link, "district": district, "minutes": minutes}
    return automatic_message(
        "office_sign_in",
        context,
        subject="Identity Watch: your sign-in link for the communications office",
        sender=sender,
        to=Address(addr_spec=email),
    )
