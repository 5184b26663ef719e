"""A scan's progress on stderr: a live bar on a terminal, a few plain lines anywhere else.

The bar redraws one line in place at most ten times a second; off a terminal (cron, a
pipe, a service log) each source gets one line when its searches end and one when its
profiles are matched, so logs stay short.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from watcher.pipeline import ScanProgress

BAR = 24


class ScanDisplay:
    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._last: ScanProgress | None = None
        self._drawn_at = 0.0
        self._width = 0

    def __call__(self, progress: ScanProgress) -> None:
        last, self._last = self._last, progress
        if last is not None and (last.source, last.stage) != (progress.source, progress.stage):
            self._finish_stage(last)
        if self.live and time.monotonic() - self._drawn_at >= 0.1:
            self._draw(progress)

    def close(self) -> None:
        """End the display: the last stage's line, and the cursor on a fresh line."""
        if self._last is not None:
            self._finish_stage(self._last, final=True)
            self._last = None

    def _draw(self, p: ScanProgress) -> None:
        filled = round(BAR * p.done / p.total) if p.total else BAR
        what = "queries" if p.stage == "searching" else "profiles"
        line = (
            f"{p.source} {p.stage} [{'#' * filled}{'.' * (BAR - filled)}] {p.done}/{p.total} {what}"
            f" · {p.profiles_seen} profiles seen · {p.findings_new} new findings"
        )
        columns = shutil.get_terminal_size((100, 20)).columns - 1
        line = line[:columns]
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)
        self._drawn_at = time.monotonic()

    def _finish_stage(self, p: ScanProgress, final: bool = False) -> None:
        if p.stage == "searching":
            text = f"{p.source}: searches done, {p.profiles_seen} profiles seen so far"
        else:
            text = f"{p.source}: {p.total} profiles matched, {p.findings_new} new findings so far"
        if self.live:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
            self._drawn_at = 0.0
        self.stream.write(text + "\n")
        self.stream.flush()
