"""The CLI surface and its documentation: every command has help and is in the docs' command reference;
the docs name only real commands, their links lead somewhere, and the Quick start stays two commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from storage import admins as admins_store
from storage import open_database
from storage.audit import list_audit
from watcher.cli import cli
from watcher.cli.options import login_name
from watcher.config import load_config
from watcher.office_accounts import password_matches

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`]*)`")


def prose_lines(text: str):
    """Yield (line, in_fence) for each line of a Markdown text."""
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        yield line, in_fence


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces to hyphens)."""
    found, repeats = set(), {}
    for line, in_fence in prose_lines(text):
        heading = None if in_fence else re.match(r"#{1,6} (.+)", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            repeats[slug] = repeats.get(slug, -1) + 1
            found.add(slug if repeats[slug] == 0 else f"{slug}-{repeats[slug]}")
    return found


def section(path: Path, title: str) -> str:
    """The text of the section headed `title`, up to the next heading of the same level or above."""
    lines, level = [], None
    for line, in_fence in prose_lines(path.read_text(encoding="utf-8")):
        heading = None if in_fence else re.match(r"(#{1,6}) (.+)", line)
        if heading and level is not None and len(heading.group(1)) <= level:
            break
        if level is not None:
            lines.append(line if not in_fence else "    " + line)
        elif heading and heading.group(2).strip() == title:
            level = len(heading.group(1))
    assert level is not None, f"{path.name} has no section {title!r}"
    return "\n".join(lines)


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
    reference = section(ROOT / "docs" / "operating.md", "Command reference")
    assert f"watcher {path}" in reference, f"docs/operating.md's command reference does not document 'watcher {path}'"


def documented_invocations():
    """Every `watcher …` the docs show, in code spans and code blocks, as (page, words after the global options)."""
    for page in DOCS:
        for line, in_fence in prose_lines(page.read_text(encoding="utf-8")):
            snippets = [line.strip()] if in_fence or line.startswith("    ") else CODE_SPAN.findall(line)
            for snippet in snippets:
                words = snippet.split()
                if words[:1] != ["watcher"]:
                    continue
                rest = words[1:]
                while rest and rest[0].startswith(("-", "[")):
                    rest = rest[2:] if rest[0] == "--config" else rest[1:]
                if rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]):
                    yield page.name, rest


def test_the_docs_name_only_real_commands():
    invocations = list(documented_invocations())
    assert len(invocations) > 30
    for page, words in invocations:
        command = cli.commands.get(words[0])
        assert command is not None, f"{page} shows 'watcher {words[0]}', which is no command"
        if isinstance(command, click.Group) and len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
            assert words[1] in command.commands, f"{page} shows 'watcher {words[0]} {words[1]}', which is no command"


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_relative_link_leads_somewhere(page):
    for line, in_fence in prose_lines(page.read_text(encoding="utf-8")):
        if in_fence:
            continue
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            assert linked.exists(), f"{page.name} links to {target}, which does not exist"
            if anchor and linked.suffix == ".md":
                known = anchors(linked.read_text(encoding="utf-8"))
                assert anchor in known, f"{page.name} links to {target}: {linked.name} has no heading #{anchor}"


def test_every_file_the_docs_name_exists():
    """A module moved or renamed takes its mentions in the docs with it."""
    for page in DOCS:
        for line, in_fence in prose_lines(page.read_text(encoding="utf-8")):
            for span in [] if in_fence else CODE_SPAN.findall(line):
                words = span.split()
                if words and re.fullmatch(
                    r"(watcher|sources|storage|notifications|bench|tests|deploy)/[\w./-]*", words[0]
                ):
                    assert (ROOT / words[0]).exists(), f"{page.name} names {words[0]}, which does not exist"


def test_the_quick_start_is_two_commands():
    quick_start = section(README, "Quick start")
    commands = [line.strip() for line in quick_start.splitlines() if line.startswith("    ") and line.strip()]
    assert commands == ["make demo", "make test"]


def test_every_audience_has_its_page():
    readme = README.read_text(encoding="utf-8")
    for page in ("staff", "office", "operating", "engineering"):
        assert f"(docs/{page}.md)" in readme, f"README does not link docs/{page}.md"


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


def test_admin_add_list_and_remove_office_accounts_with_audit_rows(watcher):
    def run(*args: str, given: str | None = None):
        return CliRunner().invoke(cli, ["--config", str(watcher.config), *args], input=given)

    added = run("admin", "add", "Comms@District.example", given="correct horse battery\ncorrect horse battery\n")
    assert added.exit_code == 0, added.output
    assert "added office account comms@district.example (a password)" in added.output
    assert "correct horse" not in added.output  # asked for twice, never echoed
    assert run("admin", "add", "links@district.example", "--no-password").exit_code == 0
    reset = run("admin", "add", "comms@district.example", "--password-stdin", given="another long secret\n")
    assert "its password is reset" in reset.output

    listed = json.loads(run("admin", "list", "--json").output)
    assert [(a["email"], a["password"], a["last_sign_in"]) for a in listed] == [
        ("comms@district.example", True, None),
        ("links@district.example", False, None),
    ]
    db = open_database(load_config(watcher.config).database)
    comms = admins_store.admin_by_email(db, "comms@district.example")
    assert password_matches(admins_store.password_hash(db, comms.id), "another long secret")
    assert not password_matches(admins_store.password_hash(db, comms.id), "correct horse battery")

    assert run("admin", "remove", "links@district.example").exit_code == 0
    assert "1 office accounts" in run("admin", "list").output
    actions = [(row["actor"], row["action"]) for row in list_audit(db) if row["action"].startswith("admin_")]
    assert actions == [(login_name(), a) for a in ("admin_added", "admin_added", "admin_added", "admin_removed")]
    db.close()


@pytest.mark.parametrize(
    ("args", "given", "message"),
    [
        (["admin", "add", "a@district.example", "--password-stdin"], "short\n", "at least 12 characters"),
        (["admin", "add", "=cmd@district.example", "--no-password"], None, "malformed e-mail"),
        (["admin", "add", "a@district.example", "--no-password", "--password-stdin"], None, "not both"),
        (["admin", "remove", "nobody@district.example"], None, "no office account 'nobody@district.example'"),
        (["web", "--listen", "0.0.0.0:8080"], None, "reachable from other machines: set [web] base_url"),
        (["web", "--listen", "8080"], None, "must be HOST:PORT"),
        (["demo", "--port", "8081"], None, "--port goes with --serve"),
    ],
)
def test_admin_and_web_refuse_bad_input_in_one_line(watcher, args, given, message):
    result = CliRunner().invoke(cli, ["--config", str(watcher.config), *args], input=given)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()] and message in result.output
