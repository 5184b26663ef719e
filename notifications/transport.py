"""The seam between the outbox and the mail system: one ``deliver`` shape for every transport.

A transport takes a message that is already rendered (bytes), a stable delivery key, and the
envelope addresses. It raises ``DeliveryError`` for a failure worth retrying,
``PermanentDeliveryError`` when retrying cannot help, and ``TransportUnavailable`` when it can
deliver nothing at all right now (server unreachable, login refused): the run stops there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Protocol

from watcher.config import Config
from watcher.errors import ConfigError, InputError, PermanentDeliveryError


class Transport(Protocol):
    def deliver(self, message: bytes, key: str, *, sender: str, recipient: str) -> object: ...

    def close(self) -> None: ...


def open_transport(config: Config) -> Transport:
    """The transport ``config.email.transport`` names. It connects (if it must) on first delivery."""
    from notifications.maildir import MaildirTransport
    from notifications.smtp import SmtpTransport

    if config.email.transport == "maildir":
        return MaildirTransport(config.email.maildir)
    if config.email.transport == "smtp":
        return SmtpTransport(config.email.smtp)
    raise ConfigError(f"unknown e-mail transport {config.email.transport!r}")


def envelope_address(value: str) -> str:
    """The one bare address in a header value ("Name <a@b.example>" → "a@b.example")."""
    addresses = [address for _, address in getaddresses([value]) if address]
    if len(addresses) != 1 or addresses[0].count("@") != 1 or any(ch in addresses[0] for ch in "\r\n<> "):
        raise PermanentDeliveryError(f"not one e-mail address: {value!r}")
    return addresses[0]


def send_test_message(config: Config, address: str) -> str:
    """Send one plain message to ``address`` through the configured transport now, not via the outbox.

    Returns its Message-ID. Raises ``InputError`` for a bad address, ``DeliveryError`` when it is not sent.
    """
    if not address.isascii() or address.count("@") != 1 or any(ch in address for ch in " <>,;\r\n\t"):
        raise InputError(f"{address!r} is not a plain e-mail address (name@district.example)")
    message = EmailMessage()
    try:
        message["To"] = Address(addr_spec=address)
    except (ValueError, MessageError):
        raise InputError(f"{address!r} is not a plain e-mail address (name@district.example)") from None
    sender = envelope_address(config.email.sender)
    message["From"] = config.email.sender
    message["Subject"] = "Identity Watch test message"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "This is a test message from Identity Watch.\n\n"
        f"It was sent with the '{config.email.transport}' transport to check that alerts can reach you.\n"
        "Nothing needs to be done.\n"
    )
    transport = open_transport(config)
    try:
        transport.deliver(message.as_bytes(), f"test_{uuid.uuid4().hex}", sender=sender, recipient=address)
    finally:
        transport.close()
    return str(message["Message-ID"])
