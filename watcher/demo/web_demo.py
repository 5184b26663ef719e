"""``watcher demo --serve``: the web front over the folder ``watcher demo`` made, on 127.0.0.1.

The platform stand-ins start again (the sample world is built the same each time) and the demo's
config is rewritten to name them and the web front, so a scan from another terminal works and its
alerts carry working links. Each e-mail landing in the Maildir is echoed with its links, so a
newcomer opens the verification and alert links without a mail client.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from watcher.config import Config, load_config
from watcher.demo import DEMO_PORT, MARKER, OFFICE_LOGIN, web_hints, write_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.sample import build_world
from watcher.errors import ConfigError, InputError
from watcher.text import printable
from watcher.web.serve import WebServer, make_server, serve_until_stopped


@dataclass
class DemoSite:
    """What ``open_demo_site`` started; ``close()`` (or leaving a ``with``) stops all of it."""

    workdir: Path
    config: Config
    appview: FakeAppView
    mastodon: FakeMastodon
    web: WebServer
    login: tuple[str, str]  # the office account's address and password

    @property
    def url(self) -> str:
        return self.config.web.public_url

    def close(self) -> None:
        self.web.close()
        self.appview.stop()
        self.mastodon.stop()

    def __enter__(self) -> DemoSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_demo_site(workdir: Path, port: int = DEMO_PORT) -> DemoSite:
    """Start the stand-ins, point the demo's config at them and at the web front on 127.0.0.1:``port``,
    and bind the web front there (not yet serving: ``site.web.start()`` or ``serve_demo``)."""
    if not (workdir / MARKER).is_file() or not (workdir / "watcher.toml").is_file():
        raise InputError(f"{workdir} holds no demo: run `watcher demo --dir {workdir}` first")
    login = office_login(workdir)
    world = build_world()
    appview = FakeAppView(world.actors, world.images, prefix="/bsky").start()
    mastodon = FakeMastodon(world.mastodon, world.mastodon_images)
    try:
        mastodon.start()
        path = write_config(workdir, appview.base_url, mastodon.base_url, web_url=f"http://127.0.0.1:{port}")
        config = load_config(path)
        try:
            web = make_server(config)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (choose another port with --port)") from None
    except BaseException:
        appview.stop()
        mastodon.stop()
        raise
    return DemoSite(workdir, config, appview, mastodon, web, login)


def office_login(workdir: Path) -> tuple[str, str]:
    """The office account ``watcher demo`` made, as (address, password)."""
    try:
        email, password = (workdir / OFFICE_LOGIN).read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        raise InputError(f"{workdir} has no office login: run `watcher demo --dir {workdir}` again") from None
    return email, password


def serve_demo(workdir: Path, port: int = DEMO_PORT, echo: Callable[[str], None] = print) -> None:
    """``watcher demo --serve``: serve until Ctrl-C or SIGTERM, echoing each new e-mail."""
    with open_demo_site(workdir, port) as site:
        echo(f"local Bluesky stand-in at {site.appview.base_url}, Mastodon stand-in at {site.mastodon.base_url}")
        for line in web_hints(workdir, *site.login, serve=False, port=site.web.port):
            echo(line)
        echo(f"New e-mails in {site.config.email.maildir} are shown here with their links.")
        mail = MailEcho(site.config.email.maildir, site.url)

        def show_new_mail() -> None:
            for line in mail.new_lines():
                echo(line)

        serve_until_stopped(site.web, tick=show_new_mail)
    echo("stopped the web front and the stand-ins")


@dataclass
class MailEcho:
    """The e-mails that land in a Maildir after it was opened, each as its To, Subject and links."""

    folder: Path
    base_url: str
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.seen = set(self._box().keys())

    def _box(self) -> mailbox.Maildir:
        return mailbox.Maildir(self.folder, create=False)

    def new_lines(self) -> list[str]:
        box = self._box()
        lines: list[str] = []
        for key in sorted(set(box.keys()) - self.seen):
            self.seen.add(key)
            try:
                message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
            except (KeyError, OSError):  # delivered and moved meanwhile: it shows on the next look
                self.seen.discard(key)
                continue
            lines.append(f"mail to {printable(str(message['To']))}: {printable(str(message['Subject']))}")
            lines += [f"  {link}" for link in self.links(message)]
        return lines

    def links(self, message) -> list[str]:
        """The links to the web front in a message's plain text, in order, once each."""
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        found = re.findall(re.escape(self.base_url) + r"/[^\s<>\"')\]]*", text)
        return list(dict.fromkeys(found))
