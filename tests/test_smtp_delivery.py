"""SMTP delivery against a real SMTP server on 127.0.0.1 (aiosmtpd): refusals, outages, AUTH, TLS."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import deliver

from notifications.smtp import is_loopback_host
from storage import open_database
from watcher import pipeline
from watcher.config import load_config

SENDER = "watch@svusd.example"  # the address in the demo config's email.from
PASSWORD_ENV = "IW_TEST_SMTP_PASSWORD"


class Recorder:
    """An SMTP handler that keeps what it accepts and refuses what it is told to."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.ehlos = 0
        self.refuse_all: str | None = None  # a reply to every RCPT, e.g. "451 4.3.0 try later"
        self.refuse_next: list[str] = []  # replies to the next RCPTs, one each

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's names
        self.ehlos += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.refuse_all or (self.refuse_next.pop(0) if self.refuse_next else None)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter:
        parsed = (message_from_bytes(content, policy=policy.default) for *_, content in self.received)
        return Counter(mail["Message-ID"] for mail in parsed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server in a thread, started and stopped on demand on a fixed port."""

    def __init__(self, **smtp_options) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self.options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server.start()
    server.stop()


def use_smtp(watcher, port: int, **settings) -> None:
    """Switch the test config's transport to SMTP on 127.0.0.1:``port``."""
    text = watcher.config.read_text().replace('transport = "maildir"', 'transport = "smtp"')
    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    watcher.config.write_text(f'{text}\n[email.smtp]\nhost = "127.0.0.1"\nport = {port}\ntimeout = 5\n{extra}')


def outbox(watcher) -> list[dict]:
    return json.loads(watcher("outbox", "list", "--json").output)


def assert_each_delivered_once(watcher, server: SmtpServer) -> None:
    rows = outbox(watcher)
    assert rows and {r["status"] for r in rows} == {"sent"}
    db = open_database(load_config(watcher.config).database)
    message_ids = [row[0] for row in db.execute("SELECT message_id FROM outbox")]
    assert server.handler.message_ids() == Counter(message_ids)  # every message, each exactly once
    for mail_from, rcpt_tos, _ in server.handler.received:
        assert mail_from == SENDER and len(rcpt_tos) == 1
    assert sorted(r[1][0] for r in server.handler.received) == sorted(r["recipient"] for r in rows)


def test_alerts_are_delivered_once_over_one_connection(queued, smtp):
    use_smtp(queued, smtp.port)
    output = deliver(queued)
    rows = outbox(queued)
    assert len(rows) >= 2 and f"{len(rows)} delivered" in output
    assert_each_delivered_once(queued, smtp)
    assert smtp.handler.ehlos == 1  # one connection for the whole run
    mail = message_from_bytes(smtp.handler.received[0][2], policy=policy.default)
    assert mail["Subject"].startswith("Identity Watch") and mail["Message-ID"]


def test_server_down_then_up_delivers_everything_once(enrolled):
    """Through the real ``watcher scan``: an SMTP server that is down costs the scan nothing (it
    exits 0 and says the alerts wait); once the server is back, each alert goes exactly once."""
    server = SmtpServer()  # not started: nothing listens on its port
    use_smtp(enrolled, server.port)
    output = enrolled("scan").output
    assert "to retry" in output and "delivery stopped" in output
    rows = outbox(enrolled)
    assert len(rows) >= 2 and {r["status"] for r in rows} == {"pending"}
    assert all(r["attempts"] == 0 for r in rows)  # an outage spends nobody's attempts
    assert "cannot connect to SMTP server" in rows[0]["last_error"]
    assert all(r["last_error"] is None for r in rows[1:])  # the run stopped at the first one

    failed = enrolled("outbox", "flush", ok=False)
    assert failed.exit_code == 1
    assert f"0 sent, {len(rows)} to retry, 0 dead" in failed.stdout and "Connection refused" in failed.stderr

    server.start()
    try:
        flushed = enrolled("outbox", "flush")
        assert f"{len(rows)} sent, 0 to retry, 0 dead" in flushed.output
        enrolled("outbox", "flush")  # nothing left: nothing sent twice
        assert_each_delivered_once(enrolled, server)
    finally:
        server.stop()


@pytest.mark.parametrize("reply", ["421 4.3.2 Service shutting down", "451 4.3.0 Mailbox temporarily unavailable"])
def test_temporary_refusal_backs_off_then_delivers(queued, smtp, reply):
    use_smtp(queued, smtp.port)
    smtp.handler.refuse_all = reply
    deliver(queued)
    rows = outbox(queued)
    assert len(rows) >= 2 and {r["status"] for r in rows} == {"pending"}
    for row in rows:
        assert row["attempts"] == 1 and reply[:3] in row["last_error"] and row["next_attempt_at"]
    assert smtp.handler.received == []

    smtp.handler.refuse_all = None
    config = load_config(queued.config)
    db = open_database(config.database)
    assert pipeline.deliver_outbox(config, db).sent == 0  # still backing off
    assert smtp.handler.received == []

    flushed = queued("outbox", "flush")  # force: whatever the backoff
    assert f"{len(rows)} sent" in flushed.output
    assert_each_delivered_once(queued, smtp)


def test_rejected_message_is_dead_visible_and_can_be_retried(queued, smtp):
    use_smtp(queued, smtp.port)
    smtp.handler.refuse_next = ["550 5.1.1 No such user here"]  # the first message only
    output = deliver(queued)
    assert "1 undeliverable" in output
    rows = outbox(queued)
    assert len(rows) >= 2 and Counter(r["status"] for r in rows) == {"dead": 1, "sent": len(rows) - 1}
    dead = json.loads(queued("outbox", "list", "--status", "dead", "--json").output)
    assert [r["id"] for r in dead] == [rows[0]["id"]]
    assert dead[0]["attempts"] == 1 and "550" in dead[0]["last_error"]
    listing = queued("outbox", "list").output
    assert "dead" in listing and "550 5.1.1 No such user here" in listing
    assert "0 sent, 0 to retry, 0 dead" in queued("outbox", "flush").output  # dead stays dead until retried

    assert queued("outbox", "retry", str(rows[1]["id"]), ok=False).exit_code == 1  # a sent message
    assert "1 messages back in the queue" in queued("outbox", "retry", str(rows[0]["id"])).output
    (row,) = json.loads(queued("outbox", "list", "--status", "pending", "--json").output)
    assert row["id"] == rows[0]["id"] and row["attempts"] == 0 and row["next_attempt_at"] is None
    assert "1 sent" in queued("outbox", "flush").output
    assert_each_delivered_once(queued, smtp)


def test_retry_all_dead(queued, smtp):
    use_smtp(queued, smtp.port)
    smtp.handler.refuse_all = "554 5.7.1 Rejected"
    deliver(queued)
    rows = outbox(queued)
    assert {r["status"] for r in rows} == {"dead"}
    assert queued("outbox", "retry", ok=False).exit_code == 1  # ids or --all-dead, not nothing
    assert f"{len(rows)} messages back" in queued("outbox", "retry", "--all-dead").output
    smtp.handler.refuse_all = None
    queued("outbox", "flush")
    assert_each_delivered_once(queued, smtp)


class Accounts:
    """An aiosmtpd authenticator with one account; counts the logins tried."""

    def __init__(self, login: str, password: str) -> None:
        self.account = (login.encode(), password.encode())
        self.tries = 0

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.tries += 1
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == self.account
        return AuthResult(success=ok, handled=False)


# Plain-text AUTH is what these tests need; aiosmtpd warns about it.
plain_auth = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def smtp_auth():
    accounts = Accounts("watcher", "s3cret")
    server = SmtpServer(authenticator=accounts, auth_required=True, auth_require_tls=False)
    server.accounts = accounts
    yield server.start()
    server.stop()


@plain_auth
def test_auth_success(queued, smtp_auth, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    use_smtp(queued, smtp_auth.port, username="watcher", password_env=PASSWORD_ENV)
    deliver(queued)
    assert_each_delivered_once(queued, smtp_auth)
    assert smtp_auth.accounts.tries == 1


@plain_auth
def test_wrong_password_stops_the_run_and_kills_nothing(queued, smtp_auth, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    use_smtp(queued, smtp_auth.port, username="watcher", password_env=PASSWORD_ENV)
    output = deliver(queued)
    assert "delivery stopped" in output and "refused the login as watcher: 535" in output
    rows = outbox(queued)
    assert len(rows) >= 2 and {r["status"] for r in rows} == {"pending"} and all(r["attempts"] == 0 for r in rows)
    # One connection and one login for the whole run, not one per message (smtplib tries PLAIN, then LOGIN).
    assert smtp_auth.handler.ehlos == 1 and smtp_auth.accounts.tries == 2

    flushed = queued("outbox", "flush", ok=False)
    assert flushed.exit_code == 1 and "535" in flushed.stderr and smtp_auth.handler.received == []

    monkeypatch.delenv(PASSWORD_ENV)
    unset = queued("outbox", "flush", ok=False)
    assert f"environment variable {PASSWORD_ENV}" in unset.stderr and "is not set" in unset.stderr

    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    queued("outbox", "flush")
    assert_each_delivered_once(queued, smtp_auth)


@plain_auth
def test_no_username_where_login_is_required_stops_the_run(queued, smtp_auth):
    use_smtp(queued, smtp_auth.port)
    deliver(queued)
    rows = outbox(queued)
    assert {r["status"] for r in rows} == {"pending"} and all(r["attempts"] == 0 for r in rows)
    assert "530" in rows[0]["last_error"]


def test_test_email_sends_one_message_now(watcher, smtp):
    use_smtp(watcher, smtp.port)
    result = watcher("test-email", "it@svusd.example")
    assert f"handed to SMTP server 127.0.0.1:{smtp.port}" in result.output
    ((mail_from, rcpt_tos, content),) = smtp.handler.received
    assert mail_from == SENDER and rcpt_tos == ["it@svusd.example"]
    mail = message_from_bytes(content, policy=policy.default)
    assert mail["To"] == "it@svusd.example" and mail["Subject"] == "Identity Watch test message" and mail["Message-ID"]
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")  # CRLF only, no bare LF
    assert outbox(watcher) == []  # not through the outbox


def test_test_email_says_why_it_failed(watcher):
    use_smtp(watcher, free_port())
    failed = watcher("test-email", "it@svusd.example", ok=False)
    assert failed.exit_code == 1
    assert failed.stderr.startswith("Error: cannot connect to SMTP server 127.0.0.1:")
    assert failed.stderr.count("\n") == 1  # one line
    bad = watcher("test-email", "it@svusd.example\r\nBcc: everyone@svusd.example", ok=False)
    assert bad.exit_code == 1 and "is not a plain e-mail address" in bad.stderr


def test_test_email_through_the_maildir(watcher):
    watcher("test-email", "it@svusd.example")
    (path,) = (load_config(watcher.config).email.maildir / "new").iterdir()
    assert message_from_bytes(path.read_bytes(), policy=policy.default)["To"] == "it@svusd.example"


def test_outbox_list_prints_no_control_characters(queued, smtp):
    use_smtp(queued, smtp.port)
    deliver(queued)
    db = open_database(load_config(queued.config).database)
    hostile = ["a\x1b[2Jb\r\nc", "x\x07"]
    db.execute("UPDATE outbox SET subject = ?, status = 'dead', last_error = ? WHERE id = 1", hostile)
    listing = queued("outbox", "list").output
    assert "a?[2Jb??c" in listing and "x?" in listing and "\x1b" not in listing and "\x07" not in listing


# TLS: a self-signed certificate made with the openssl tool, trusted through SSL_CERT_FILE.


@pytest.fixture
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls(queued, certificate, monkeypatch, security):
    context = server_context(*certificate)
    options = {"tls_context": context, "require_starttls": True} if security == "starttls" else {"ssl_context": context}
    server = SmtpServer(**options).start()
    try:
        use_smtp(queued, server.port, security=security)
        output = deliver(queued)  # the certificate is not trusted yet
        assert "TLS certificate not accepted" in output
        assert server.handler.received == []
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        queued("outbox", "flush")
        assert_each_delivered_once(queued, server)
    finally:
        server.stop()


# A password in clear text: only to a relay on this machine.

REFUSED = 'refusing to send the SMTP password unencrypted to mail.district.example; set security = "starttls" or "tls"'


def use_remote_smtp(watcher, **settings) -> None:
    """Point the config at a server name that resolves nowhere (``.example`` is reserved)."""
    use_smtp(watcher, free_port(), **settings)
    watcher.config.write_text(
        watcher.config.read_text().replace('host = "127.0.0.1"', 'host = "mail.district.example"')
    )


def test_a_password_never_goes_unencrypted_to_another_machine(queued, monkeypatch):
    """Attack: a sniffer on the district network reading the SMTP password, sent in clear text because
    security = "none" was left with a username set. Refused before any connection is tried: a
    connection would have failed on the name instead ("cannot connect ... mail.district.example")."""
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    use_remote_smtp(queued, username="watcher", password_env=PASSWORD_ENV)
    failed = queued("test-email", "it@svusd.example", ok=False)
    assert failed.exit_code == 1 and REFUSED in failed.stderr and "cannot connect" not in failed.stderr
    assert failed.stderr.count("\n") == 1

    deliver(queued)  # alerts wait in the outbox, no one's attempts spent
    rows = outbox(queued)
    assert rows and {r["status"] for r in rows} == {"pending"} and all(r["attempts"] == 0 for r in rows)
    assert REFUSED in rows[0]["last_error"]


def test_without_a_username_a_remote_server_is_only_unreachable(watcher):
    """No password, nothing to protect: the server is tried (and here, not found)."""
    use_remote_smtp(watcher)
    failed = watcher("test-email", "it@svusd.example", ok=False)
    assert "cannot connect to SMTP server mail.district.example" in failed.stderr and "refusing" not in failed.stderr


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("mail.district.example", False),
        ("localhost.district.example", False),
        ("127.0.0.1.nip.io", False),
        ("10.0.0.25", False),
        ("0.0.0.0", False),
        ("2130706433", False),  # 127.0.0.1 as one number: a name to us, never trusted
        ("", False),
    ],
)
def test_which_hosts_count_as_this_machine(host, local):
    """Attack: a host name that only looks local (or resolves to loopback today) getting the password in clear."""
    assert is_loopback_host(host) is local


@plain_auth
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_local_relay_may_take_the_password_without_tls(watcher, smtp_auth, monkeypatch, host):
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    use_smtp(watcher, smtp_auth.port, username="watcher", password_env=PASSWORD_ENV)
    watcher.config.write_text(watcher.config.read_text().replace('host = "127.0.0.1"', f'host = "{host}"'))
    watcher("test-email", "it@svusd.example")
    assert [rcpt for _, rcpt, _ in smtp_auth.handler.received] == [["it@svusd.example"]]
    assert smtp_auth.accounts.tries == 1


def test_auth_offered_only_after_starttls(queued, certificate, monkeypatch):
    """A server that offers AUTH only once the connection is encrypted: log in after STARTTLS."""
    accounts = Accounts("watcher", "s3cret")
    server = SmtpServer(
        tls_context=server_context(*certificate), require_starttls=True, authenticator=accounts, auth_required=True
    ).start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        monkeypatch.setenv(PASSWORD_ENV, "s3cret")
        use_smtp(queued, server.port, security="starttls", username="watcher", password_env=PASSWORD_ENV)
        deliver(queued)
        assert_each_delivered_once(queued, server)
        assert accounts.tries == 1
    finally:
        server.stop()
