"""A source's failure is that source's unknown answer, and an alert already earned is queued whatever
the rest of the scan does: hostile API answers and a host that never answers, against the real
CLI, pipeline and service job, real loopback servers and the real SQLite file."""

from __future__ import annotations

import functools
import json
import mailbox
import socket
import sqlite3
import threading
from pathlib import Path

from conftest import Watcher, write_config, write_roster

from watcher.config import load_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import account
from watcher.demo.sample import roster_rows
from watcher.demo.server import LocalServer, send, send_json
from watcher.service.job_targets import run_job, scan_source

DEPTH = 100_000  # JSON arrays nested this deep: a recursive parser runs out of stack long before the end
MARIA = "maria.garcia@svusd.example"
PATIENCE = 60.0  # seconds: generous, so a slow machine fails only when something is wrong

HOSTILE_SOURCES = """[[sources]]
name = "nested"
type = "bluesky"
base_url = "{origin}/nested"
rate_limit = "100/1s,burst=100"

[[sources]]
name = "charset"
type = "mastodon"
base_url = "{origin}/charset"
rate_limit = "100/1s,burst=100"
probe_handles = true

"""


class HostileAPI(LocalServer):
    """Well-formed HTTP, answers shaped to make a parser raise something other than a SourceError."""

    def route(self, request, path, params) -> bool:
        if path == "/nested/xrpc/app.bsky.actor.searchActors":  # Bluesky search: [[[[ … ]]]]
            send(request, 200, b"[" * DEPTH + b"]" * DEPTH, "application/json")
        elif path == "/charset/api/v1/directory":
            send_json(request, 200, [])
        elif path == "/charset/api/v2/search":
            send_json(request, 200, {"accounts": [], "statuses": [], "hashtags": []})
        elif path == "/charset/api/v1/accounts/lookup":  # a real account, in a "charset" that is no text encoding
            body = json.dumps(account(1, "mgarcia", "Maria Garcia")).encode()
            send(request, 200, body, "application/json; charset=rot13")
        else:
            return False
        return True


class SilentServer:
    """A host that accepts connections and never says a word, until released; then it is gone
    (new connections are refused, held ones closed)."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.accepted = threading.Event()
        self._held: list[socket.socket] = []
        self._released = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._released.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self._held.append(connection)
            self.accepted.set()

    def release(self) -> None:
        self._released.set()
        self._thread.join()
        self._socket.close()
        for connection in self._held:
            connection.close()

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._released.is_set():
            self.release()


def alert_recipients(folder: Path) -> list[str]:
    """Who the outbox holds an alert for, read from the SQLite file as another process would."""
    conn = sqlite3.connect(folder / "watcher.db", timeout=10)
    try:
        return [row[0] for row in conn.execute("SELECT recipient FROM outbox WHERE kind = 'alert' ORDER BY id")]
    finally:
        conn.close()


def test_a_source_whose_answers_break_its_parser_is_unknown_and_the_scan_goes_on(tmp_path, roster, appview):
    """Attack: one source answers its search with JSON nested 100,000 deep (RecursionError in the
    parser), another answers a handle lookup with a Content-Type whose charset is a codec that is no
    text encoding (LookupError in the adapter). Today either ends the whole scan with a traceback:
    the Bluesky source after them never runs, no alert is queued. Each must be that source's
    unknown answer with a one-line reason, while Bluesky's impostors are found and alerted."""
    with HostileAPI() as hostile:
        path = write_config(tmp_path, appview.base_url)
        text = path.read_text()
        path.write_text(
            text.replace("[[sources]]\n", HOSTILE_SOURCES.format(origin=hostile.origin) + "[[sources]]\n", 1)
        )
        watcher = Watcher(path)
        report = json.loads(watcher("scan", "--json").output)
        assert any(r.startswith("/charset/api/v1/accounts/lookup") for r in hostile.requests)

    assert report["sources"] == ["nested", "charset", "bluesky"]
    nested, charset, bluesky = (report["by_source"][name] for name in report["sources"])
    assert nested["gave_up"] and sum(nested["unknown"].values()) == 2 and nested["found"] == 0
    assert charset["gave_up"] and "LookupError" in charset["gave_up"] and charset["unknown"] == {"error": 2}
    assert bluesky["found"] > 0 and not bluesky["gave_up"] and report["findings_new"] > 0
    for problem in report["problems"]:
        assert problem["source"] in ("nested", "charset") and "\n" not in problem["message"]
        assert len(problem["message"]) < 300
    assert report["status"] == "partial"

    found = json.loads(watcher("findings", "--json").output)
    people = {f["person"] for f in found if f["kind"] == "impersonation" and f["person"] != "jose.torres@svusd.example"}
    assert people and sorted(set(alert_recipients(tmp_path))) == sorted(people)
    assert len(mailbox.Maildir(tmp_path / "outbox", create=False)) == len(alert_recipients(tmp_path))
    db = sqlite3.connect(tmp_path / "watcher.db")
    status, stats = db.execute("SELECT status, source_stats FROM scan_runs").fetchone()
    assert status == "partial" and json.loads(stats)["charset"]["gave_up"] == charset["gave_up"]


def test_an_alert_is_queued_while_a_later_profile_of_the_scan_hangs(tmp_path, world):
    """Attack: the scan meets an impostor of Maria, then a namesake whose avatar is on a host that
    accepts the connection and never answers. Today alerts are queued only at the end of a complete
    scan, so the impostor's alert waits on the hung host (for ever, with a host that trickles). Run
    as `watcher run` runs a source, the alert must be in the outbox while the scan is still stuck."""
    impostor = world.actors[0]
    assert world.label_of("bluesky", impostor["handle"]) == f"impostor:{MARIA}"
    with SilentServer() as silent:
        namesake = {
            "did": "did:plc:namesake",
            "handle": "maria-garcia-paints.bsky.social",
            "displayName": "Maria Garcia",
            "avatar": silent.origin + "/img/never.jpg",
        }
        with FakeAppView([impostor, namesake], world.images) as appview:
            path = write_config(tmp_path, appview.base_url)
            path.write_text(path.read_text().replace("[network]\n", "[network]\ntimeout = 5\n"))
            rows = [row for row in roster_rows(world) if row["email"] == MARIA]
            Watcher(path)("people", "import", str(write_roster(tmp_path, world, rows)))
            config = load_config(path)
            stop = threading.Event()
            job = threading.Thread(
                target=run_job,
                args=(config, "scan:bluesky", functools.partial(scan_source, source="bluesky"), stop.is_set),
            )
            job.start()
            try:
                assert silent.accepted.wait(PATIENCE), "the scan never reached the silent host"
                stuck = alert_recipients(tmp_path)
                still_running = job.is_alive()
            finally:
                stop.set()
                silent.release()
                job.join(PATIENCE)
            assert not job.is_alive()
    assert still_running
    assert stuck == [MARIA]
    assert alert_recipients(tmp_path) == [MARIA]  # queued once: the queueing at the stop found nothing more
    conn = sqlite3.connect(tmp_path / "watcher.db")
    assert conn.execute("SELECT last_status FROM job_runs WHERE job = 'scan:bluesky'").fetchone() == ("interrupted",)
