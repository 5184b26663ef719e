"""A scan's progress and its one-screen summary."""

from __future__ import annotations

import io
import mailbox
import re

from click.testing import CliRunner

from watcher.cli import cli
from watcher.pipeline import ScanProgress
from watcher.progress import ScanDisplay


def feed(display: ScanDisplay) -> None:
    for done in range(3):
        display(ScanProgress("bluesky", "searching", done, 3, 10 * done, 0))
    for done in range(4):
        display(ScanProgress("bluesky", "matching", done, 4, 25, done))
    display(ScanProgress("mastodon", "searching", 0, 2, 25, 3))
    display.close()


def test_off_a_terminal_each_stage_is_one_line():
    out = io.StringIO()
    feed(ScanDisplay(out, live=False))
    assert out.getvalue().splitlines() == [
        "bluesky: searches done, 20 profiles seen so far",
        "bluesky: 4 profiles matched, 3 new findings so far",
        "mastodon: searches done, 25 profiles seen so far",
    ]


def test_on_a_terminal_a_bar_redraws_in_place():
    out = io.StringIO()
    feed(ScanDisplay(out, live=True))
    text = out.getvalue()
    assert "\rbluesky searching [" in text and "0/3 queries" in text and "new findings" in text
    assert text.endswith("\n") and text.count("\n") == 3  # only the stage lines end lines


def test_scan_prints_a_summary_with_the_new_findings(enrolled):
    result = CliRunner().invoke(cli, ["--config", str(enrolled.config), "scan"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "bluesky: searches done" in result.stderr and "mastodon: searches done" in result.stderr
    lines = result.stdout.splitlines()
    listed = [line for line in lines if line.startswith("  #")]
    assert "new findings:" in lines and 0 < len(listed) <= 10
    assert all(" of " in line and " on " in line and "score" in line for line in listed)
    # The scan queues its alerts and delivers them itself, and says so (the Maildir holds them).
    delivered = re.search(r"^alerts: (\d+) queued, \1 delivered", result.stdout, re.M)
    assert delivered and int(delivered[1]) >= 2, result.stdout
    assert len(mailbox.Maildir(enrolled.config.parent / "outbox", create=False)) == int(delivered[1])
    again = CliRunner().invoke(cli, ["--config", str(enrolled.config), "scan"], catch_exceptions=False)
    assert "new findings:" not in again.stdout  # nothing new the second time
