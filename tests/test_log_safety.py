"""Log lines cannot be forged: what a stranger wrote (an HTTP header, a platform's error text, a
scraped name, an exception message) reaches the log only with its control characters escaped.

Each test runs ``watcher.logs.setup_logging`` in a real Python process, as ``watcher`` does, and
reads the bytes that process wrote to stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# The child logs a record whose arguments carry a forged line, terminal escapes (ESC and the C1
# CSI), NEL, the line separator and a right-to-left override; then an exception whose message
# does the same, raised from another one, logged with a hostile argument too.
CHILD = r"""
import logging, sys
from watcher.logs import setup_logging

setup_logging(json_lines=sys.argv[1] == "json", timestamps=True)
log = logging.getLogger("sources.client")
log.warning("HTTP 502 from %s: %s %s %s", "x\r\nERROR forged", "\x1b[2J", "\u009b31m", "\u0085NEL \u2028LS \u202eevil")

def scrape():
    raise KeyError("inner\nERROR forged by a key")

try:
    try:
        scrape()
    except KeyError as exc:
        raise ValueError("platform said: \r\nERROR forged in a traceback\x1b]0;title\x07") from exc
except ValueError:
    log.exception("scan of %s failed", "\u2029Maria\x85")
"""
# Characters a terminal or a log viewer may act on, or take for a line break (str.splitlines does).
UNSAFE = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + ["\u2028", "\u2029", "\u202e"]


def run_child(form: str) -> str:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", CHILD, form], capture_output=True, env=env, timeout=60, check=True)
    assert done.stdout == b""
    return done.stderr.decode("utf-8")  # strict: a lone surrogate written raw would fail here


def test_human_lines_escape_every_control_character_in_message_args_and_traceback():
    """Attack: a CR LF in a log argument starts a line of our choosing ("ERROR forged"); ESC and CSI
    clear the screen or recolour it; NEL, U+2028 and U+2029 are line breaks to many viewers; an
    exception message with a line break forges a line inside the traceback."""
    text = run_child("human")
    assert not [ch for ch in text if ch in UNSAFE and ch != "\n"]
    lines = text.split("\n")
    assert lines == [*text.splitlines(), ""]  # no line break but ours, by any reader's count
    assert not [line for line in lines if line.startswith(("ERROR forged", "x", "inner"))]
    first = lines[0].split(" ", 2)[2]
    assert first == (
        r"WARNING sources.client: HTTP 502 from x\r\nERROR forged: \x1b[2J \x9b31m \x85NEL \u2028LS \u202eevil"
    )
    assert lines[1].endswith(r"ERROR sources.client: scan of \u2029Maria\x85 failed")
    assert r"KeyError: 'inner\nERROR forged by a key'" in lines
    assert r"ValueError: platform said: \r\nERROR forged in a traceback\x1b]0;title\x07" in lines
    # The traceback itself keeps its shape: its own lines are ours.
    assert lines.count("Traceback (most recent call last):") == 2
    assert "The above exception was the direct cause of the following exception:" in lines
    assert any(line.startswith('  File "<string>", line') for line in lines)


def test_json_lines_escape_what_json_dumps_leaves_raw():
    """Attack: json.dumps(ensure_ascii=False) writes U+0085 (NEL), U+009B (CSI), U+2028, U+2029 and
    bidi overrides raw; a terminal or a log viewer acts on them or breaks the line there."""
    text = run_child("json")
    assert not [ch for ch in text if ch in UNSAFE and ch != "\n"]
    assert text.count("\n") == 2 and text.endswith("\n")
    warning, error = (json.loads(line) for line in text.splitlines())
    assert warning["message"] == "HTTP 502 from x\r\nERROR forged: \x1b[2J \x9b31m \x85NEL \u2028LS \u202eevil"
    assert r"\u0085NEL \u2028LS \u202eevil" in text and r"\u009b31m" in text
    assert error["message"] == "scan of \u2029Maria\x85 failed"
    assert "ERROR forged in a traceback\x1b]0;title\x07" in error["exception"]
