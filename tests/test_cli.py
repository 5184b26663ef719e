"""The CLI surface: every command has help and is documented in the README."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from watcher.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def all_commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path + " ")


@pytest.mark.parametrize(("path", "command"), list(all_commands(cli)))
def test_every_command_has_help_and_is_documented(path, command):
    assert command.help, f"{path} has no help text"
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0
    assert f"watcher {path}" in README.read_text(encoding="utf-8"), f"README does not document 'watcher {path}'"


def test_templates_ship_inside_the_package():
    templates = resources.files("notifications") / "templates"
    assert (templates / "alert.txt").is_file() and (templates / "alert.html").is_file()


def test_console_script_runs(tmp_path):
    bindir = Path(sys.executable).parent
    env = {**os.environ, "WATCHER_CONFIG": str(tmp_path / "missing.toml")}
    result = subprocess.run([bindir / "watcher", "init"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: config file not found: {tmp_path / 'missing.toml'}"]
    result = subprocess.run([bindir / "watcher", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "0.1.0" in result.stdout
