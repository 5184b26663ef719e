"""SMTP delivery with the standard library, one connection per delivery run.

Replies are sorted into our error hierarchy: 4xx, timeouts and dropped connections are
temporary (``DeliveryError``: retried with backoff), 5xx about a message is permanent
(``PermanentDeliveryError``: the message goes dead). What stops every message alike (no
connection, TLS failure, login refused, our sender refused, the password variable unset) is
``TransportUnavailable``: the run stops instead of spending every message's attempts.

The password never travels in clear text by accident: with ``security = "none"`` a login is
refused unless the server is on this machine (a local relay, by loopback address or the name
``localhost``), decided from the configured host before connecting and checked again against
the address connected to.

The message bytes are rendered elsewhere; nothing here builds a header.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import smtplib
import ssl

from watcher.config import SmtpConfig
from watcher.errors import DeliveryError, PermanentDeliveryError, TransportUnavailable

# Replies that mean our login or our envelope sender is wrong, not the message.
_CONFIG_CODES = {530, 534, 535, 538}


class SmtpTransport:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None
        self._fresh = False

    @property
    def server(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def deliver(self, message: bytes, key: str, *, sender: str, recipient: str) -> None:
        """Hand ``message`` to the server for ``recipient``; ``key`` is not needed (the Message-ID travels)."""
        conn = self._connection()
        data = re.sub(rb"\r\n|\r|\n", b"\r\n", message)  # SMTP wants CRLF; bare LF is refused by some servers
        options = ["BODY=8BITMIME"] if not data.isascii() and conn.has_extn("8bitmime") else []
        try:
            conn.sendmail(sender, [recipient], data, mail_options=options)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (0, b""))
            raise _classify(code, text, f"recipient {recipient} refused") from None
        except smtplib.SMTPSenderRefused as exc:
            if 500 <= exc.smtp_code < 600 and exc.smtp_code != 552:  # 552: this message is too large
                raise TransportUnavailable(
                    f"{self.server} refuses the sender {sender}: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            raise _classify(exc.smtp_code, exc.smtp_error, f"sender {sender} refused") from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, "message refused") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"connection to {self.server} lost while sending: {_describe(exc)}") from None
        finally:
            self._fresh = False

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._drop()

    def _connection(self) -> smtplib.SMTP:
        """The open connection, opened now if there is none or the server dropped it."""
        if self._conn is not None and not self._fresh:
            try:
                alive = self._conn.noop()[0] == 250
            except (smtplib.SMTPException, OSError):
                alive = False
            if not alive:
                self._drop()
        if self._conn is None:
            self._conn = self._open()
            self._fresh = True
        return self._conn

    def _open(self) -> smtplib.SMTP:
        c = self.config
        if c.username and c.security == "none" and not is_loopback_host(c.host):
            raise self._cleartext_refused()
        password = None
        if c.username:
            password = os.environ.get(c.password_env)
            if not password:
                raise TransportUnavailable(
                    f"environment variable {c.password_env} (the SMTP password for {c.username}) is not set"
                )
        conn: smtplib.SMTP | None = None
        try:
            if c.security == "tls":
                conn = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            conn.ehlo_or_helo_if_needed()
            if c.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
        except smtplib.SMTPNotSupportedError as exc:
            _quietly_close(conn)
            raise TransportUnavailable(f"{self.server} does not offer {_describe(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(conn)
            raise TransportUnavailable(f"cannot connect to SMTP server {self.server}: {_describe(exc)}") from None
        if c.username:
            if c.security == "none" and not _peer_is_loopback(conn):
                _quietly_close(conn)
                raise self._cleartext_refused()
            try:
                conn.login(c.username, password or "")
            except smtplib.SMTPAuthenticationError as exc:
                _quietly_close(conn)
                raise TransportUnavailable(
                    f"{self.server} refused the login as {c.username}: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except smtplib.SMTPNotSupportedError as exc:
                _quietly_close(conn)
                raise TransportUnavailable(f"{self.server} does not offer {_describe(exc)}") from None
            except (smtplib.SMTPException, OSError) as exc:
                _quietly_close(conn)
                raise TransportUnavailable(
                    f"cannot log in to {self.server} as {c.username}: {_describe(exc)}"
                ) from None
        return conn

    def _drop(self) -> None:
        _quietly_close(self._conn)
        self._conn = None

    def _cleartext_refused(self) -> TransportUnavailable:
        return TransportUnavailable(
            f"SMTP login as {self.config.username}: refusing to send the SMTP password unencrypted to "
            f'{self.config.host}; set security = "starttls" or "tls"'
        )


def is_loopback_host(host: str) -> bool:
    """Whether a configured SMTP host names this machine: ``localhost`` or a loopback address
    (127.0.0.0/8, ::1, either in brackets or IPv4-mapped). Decided from the text alone, without
    asking DNS: any other name may lead off the machine, whatever it resolves to today."""
    name = host.strip().lower().rstrip(".")
    if name == "localhost":
        return True
    return _loopback_address(name.removeprefix("[").removesuffix("]"))


def _loopback_address(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _peer_is_loopback(conn: smtplib.SMTP) -> bool:
    """Whether the connection reached a loopback address (``localhost`` could be made to name another)."""
    try:
        peer = conn.sock.getpeername()[0] if conn.sock is not None else ""
    except OSError:
        return False
    return isinstance(peer, str) and _loopback_address(peer.partition("%")[0])


def _classify(code: int, text: bytes | str, what: str) -> DeliveryError:
    message = f"{what}: {_reply(code, text)}"
    if code in _CONFIG_CODES:
        return TransportUnavailable(message)
    if 500 <= code < 600:
        return PermanentDeliveryError(message)
    return DeliveryError(message)


def _reply(code: int, text: bytes | str) -> str:
    """A server reply as one printable line (servers write what they like)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return f"{code} {''.join(ch if ch.isprintable() else '?' for ch in text)}"[:300]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return str(exc).replace(" extension not supported by server.", "").strip() or "that extension"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _quietly_close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()
