"""SIGTERM stops `watcher run` within `[schedule] stop_grace` whatever a job is doing: a real service
process, its scan stuck on a loopback host that accepts and never answers."""

from __future__ import annotations

import signal

from conftest import Watcher
from test_scan_failures import SilentServer
from test_service import (  # noqa: F401 - no_service_left_running is an autouse fixture
    PATIENCE,
    job,
    log_text,
    no_service_left_running,
    query,
    service_config,
    start,
    stop,
    wait_until,
)

from watcher.config import load_config

STUCK = "[network]\ntimeout = 600\nrequest_deadline = 600\n"  # only the stop can end the stuck request


def test_sigterm_stops_the_service_while_a_scan_is_stuck_and_the_scan_resumes_at_the_next_start(tmp_path, roster):
    """Attack: a platform host accepts the scan's connection and never answers (read timeout and
    request deadline 10 minutes). Today SIGTERM never ends the process: the scheduler's shutdown
    waits on the stuck job while holding a lock its main loop needs to return. With a 1 s grace
    the process must exit, say which job it abandoned, and the next start must take the work up."""
    with SilentServer() as silent:
        config = service_config(tmp_path, silent.origin + "/bsky", digest_to="to = []")
        config.write_text(config.read_text().replace("[network]\n", STUCK) + "stop_grace = 1\n")
        service = start(config)
        assert silent.accepted.wait(PATIENCE), log_text(config)
        wait_until(config, service, "the scan job to run", lambda: job(config, "scan:bluesky")["status"] == "running")
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=PATIENCE)  # today: TimeoutExpired, and the fixture kills it
        assert code == 0, log_text(config)
        said = log_text(config)
        assert "scan:bluesky still running 1 s after the stop signal: abandoned" in said
        assert "the next start marks them abandoned and resumes their work" in said
        assert job(config, "scan:bluesky")["status"] == "running"  # as a kill leaves it: the next start sees it
        (left,) = query(config, "SELECT id FROM scan_runs WHERE status = 'running'")

    # The host is gone now (connections refused): the next start marks the work abandoned and redoes it.
    service = start(config)
    wait_until(config, service, "the scan redone", lambda: job(config, "scan:bluesky")["status"] == "failed")
    assert stop(service) == 0, log_text(config)
    assert "marked abandoned scan:bluesky, scan run" in log_text(config)
    assert query(config, "SELECT status FROM scan_runs WHERE id = ?", left) == [("abandoned",)]


def test_stop_grace_is_a_bounded_duration(tmp_path, appview):
    """`[schedule] stop_grace` bounds every stop: 0, negative, text, a flag or a day are refused, in one line
    (today the key is ignored with a warning and the promise stays a hard-coded 60 s)."""
    config = service_config(tmp_path, appview.base_url)
    text = config.read_text()
    for bad in ("0", "-5", '"soon"', "true", '"2d"'):
        config.write_text(text + f"stop_grace = {bad}\n")
        result = Watcher(config)("status", ok=False)
        assert result.exit_code != 0 and "schedule.stop_grace" in result.output, (bad, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    for good, seconds in (("1", 1.0), ("2.5", 2.5), ('"90s"', 90.0)):
        config.write_text(text + f"stop_grace = {good}\n")
        assert load_config(config).schedule.stop_grace == seconds
    config.write_text(text)
    assert load_config(config).schedule.stop_grace == 60.0
