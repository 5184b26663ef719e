"""The web front in a real browser: the real application served by waitress on a free local port over a
copy of a saved state (its e-mailed links point at that port), Debian's Chromium driven by Playwright,
a watch on every request and console message of a browser context, and screenshots kept as artefacts."""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import waitress

from storage import open_database
from watcher.config import Config, load_config
from watcher.web import create_app
from watcher.web.serve import WebServer

CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes say: without the background-networking flags Chromium knocks on closed doors.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screens"


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium (never a browser Playwright downloads); a failure in CI, a skip elsewhere."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must drive the browser tests: install chromium and the test extra (.ci/run does)")
        pytest.skip("needs Debian's chromium and playwright (CI installs both)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _Dispatcher:
    """The WSGI callable waitress serves: the application is made once the port (and so the config's
    base_url) is known."""

    app: Callable | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        assert self.app is not None, "the application is not ready yet"
        return self.app(environ, start_response)


@dataclass
class LiveSite:
    """The application over the state in ``folder``, served on 127.0.0.1 by waitress in a thread."""

    folder: Path
    origin: str = ""
    config: Config = field(init=False)

    def __enter__(self) -> LiveSite:
        dispatcher = _Dispatcher()
        # WebServer (watcher/web/serve.py) closes its connections in the serving thread, as waitress needs.
        self._server = WebServer(waitress.create_server(dispatcher, host="127.0.0.1", port=0, threads=4))
        self.origin = self._server.url
        config_path = self.folder / "watcher.toml"
        text = config_path.read_text()
        assert "[web]" not in text, "the saved state has a [web] table already"
        config_path.write_text(text + f'\n[web]\nbase_url = "{self.origin}"\n')
        self.config = load_config(config_path)
        dispatcher.app = create_app(self.config)
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()
        assert not self._server.waitress._map, "the live server did not stop"

    @property
    def database(self) -> Path:
        return Path(self.config.database)

    def db(self):
        """A sqlite-utils connection of the test's own (close it)."""
        return open_database(self.config.database)

    def url(self, path: str) -> str:
        return self.origin + path

    def mails(self) -> dict[str, EmailMessage]:
        """Every message in the Maildir, by its key there."""
        box = mailbox.Maildir(self.config.email.maildir, create=False)
        return {key: BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()}

    def mails_to(self, address: str, *, besides: Collection[str] = ()) -> dict[str, EmailMessage]:
        """The messages to ``address``, but those with a key in ``besides`` (the ones seen before)."""
        return {
            key: m
            for key, m in self.mails().items()
            if key not in besides and m["To"].addresses[0].addr_spec == address
        }

    def links(self, message: EmailMessage, purpose: str) -> list[str]:
        """The full addresses of the links to ``purpose`` in a message's plain text (they must name this site)."""
        text = message.get_body(("plain",)).get_content()
        return re.findall(re.escape(self.origin) + "/" + re.escape(purpose) + r"\?t=[A-Za-z0-9._%-]+", text)


class Watch:
    """Everything a browser context asks for and every console error it logs."""

    def __init__(self, context: Any, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.console_errors: list[tuple[str, str]] = []  # (text, the address it is about)
        self.page_errors: list[str] = []
        self.pages_without_csp: list[str] = []
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda e: self.page_errors.append(str(e.error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document" and "content-security-policy" not in response.headers:
            self.pages_without_csp.append(response.url)

    def elsewhere(self) -> list[str]:
        """Requests that went to another origin (data: and blob: stay in the page)."""
        return [u for u in self.requests if not (u.startswith(self.origin + "/") or u.startswith(("data:", "blob:")))]

    def csp_refusals(self) -> list[str]:
        return [text for text, _ in self.console_errors if "Content Security Policy" in text]

    def other_errors(self) -> list[tuple[str, str]]:
        """Console errors but the browser's own guess at a /favicon.ico (the evidence page links no icon)."""
        return [(text, url) for text, url in self.console_errors if not url.endswith("/favicon.ico")]

    def check(self) -> None:
        assert self.requests, "the browser asked for nothing"
        assert self.elsewhere() == [], f"requests to another origin: {self.elsewhere()}"
        assert self.csp_refusals() == [], f"the Content-Security-Policy refused: {self.csp_refusals()}"
        assert self.page_errors == [], f"script errors: {self.page_errors}"
        assert self.other_errors() == [], f"console errors (a missing asset?): {self.other_errors()}"
        assert self.pages_without_csp == [], f"pages served without a Content-Security-Policy: {self.pages_without_csp}"


class Screens:
    """``test-artifacts/screens/<test>-<step>.png``: a whole-page screenshot per step."""

    def __init__(self, test_name: str) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.taken: list[Path] = []
        for old in SCREENS.glob(f"{self.prefix}-*.png"):  # an earlier run's, perhaps of more steps
            old.unlink()

    def __call__(self, page: Any, step: str) -> Path:
        path = SCREENS / f"{self.prefix}-{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path
