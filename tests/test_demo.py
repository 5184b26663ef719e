"""`watcher demo` runs the whole job offline and leaves alerts in a Maildir."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest

from watcher.demo import prepare_workdir
from watcher.errors import InputError


def test_demo_end_to_end(tmp_path):
    workdir = tmp_path / "demo"
    watcher = Path(sys.executable).parent / "watcher"
    env = {k: v for k, v in os.environ.items() if k != "WATCHER_CONFIG"}
    result = subprocess.run(
        [watcher, "demo", "--dir", str(workdir)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "impersonation" in result.stdout and "logo_misuse" in result.stdout
    assert "alert e-mail(s) in the Maildir" in result.stdout
    assert len(mailbox.Maildir(workdir / "outbox", create=False)) >= 1

    # The demo's config works with the ordinary commands afterwards.
    listing = subprocess.run(
        [watcher, "--config", str(workdir / "watcher.toml"), "findings", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    found = json.loads(listing.stdout)
    assert {f["kind"] for f in found} == {"impersonation", "logo_misuse"}

    # Running it again starts from a clean sandbox; a foreign folder is never wiped.
    again = subprocess.run(
        [watcher, "demo", "--dir", str(workdir)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert again.returncode == 0
    assert len(
        json.loads(
            subprocess.run(
                [watcher, "--config", str(workdir / "watcher.toml"), "findings", "--json"],
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )
    ) == len(found)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    refused = subprocess.run([watcher, "demo", "--dir", str(foreign)], capture_output=True, text=True, env=env)
    assert refused.returncode == 1 and "was not made by the demo" in refused.stderr
    assert (foreign / "thesis.txt").read_text() == "precious"


def test_demo_never_wipes_what_it_did_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for here in (Path("."), Path("..")):
        with pytest.raises(InputError, match="folder of its own"):
            prepare_workdir(here)
    made = tmp_path / "made"
    prepare_workdir(made)
    (made / "roster.csv").write_text("x")
    prepare_workdir(made)  # its own files: wiped
    assert sorted(p.name for p in made.iterdir()) == [".watcher-demo"]
    (made / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"holds files the demo did not write \(notes.txt\)"):
        prepare_workdir(made)
    assert (made / "notes.txt").read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(made)
    with pytest.raises(InputError, match="not a plain folder"):
        prepare_workdir(link)
