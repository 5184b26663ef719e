"""`watcher demo` runs the whole job offline and leaves alerts in a Maildir."""

from __future__ import annotations

import json
import mailbox
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storage import admins as admins_store
from storage import findings as findings_store
from storage import open_database
from storage import people as people_store
from watcher.config import load_config
from watcher.demo import MARKER, SAMPLE_EMPLOYEE, add_office_login, prepare_workdir, run_demo
from watcher.demo.web_demo import MailEcho, open_demo_site
from watcher.errors import InputError
from watcher.office_accounts import password_matches


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

    # It ends with the command serving the web front over its data, and an office login that works.
    assert f"watcher demo --serve --dir {workdir}\n" in result.stdout
    assert f"with the photo {workdir / 'photos' / 'jose.torres.jpg'} and alerts on" in result.stdout
    email, password = re.search(r"sign in as (\S+), password (\S+)\n", result.stdout).groups()
    db = open_database(workdir / "watcher.db")
    account = admins_store.admin_by_email(db, email)
    assert account is not None and password_matches(admins_store.password_hash(db, account.id), password)
    db.close()

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


def test_the_demo_finds_the_sample_employees_impostor_without_alerting_him(tmp_path):
    """The browser walkthrough's employee: opted out on the roster, so the scan recorded his impostor
    and told him nothing; once he enrols on the web front with alerts on, the next scan alerts him."""
    run_demo(tmp_path / "demo", echo=lambda line: None)
    db = open_database(tmp_path / "demo" / "watcher.db")
    (finding,) = [f for f in findings_store.list_findings(db) if f.person_email == SAMPLE_EMPLOYEE]
    assert finding.kind == "impersonation" and finding.status == "new"
    assert not people_store.person_by_email(db, SAMPLE_EMPLOYEE).opt_in
    db.close()
    assert (tmp_path / "demo" / "photos" / "jose.torres.jpg").is_file()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.URLError:
        return None


def test_demo_serve_starts_the_stand_ins_points_the_config_at_them_and_serves_the_web_front(tmp_path, scanned):
    (tmp_path / MARKER).write_text("made by watcher demo\n")
    db = open_database(tmp_path / "watcher.db")
    email, password = add_office_login(db, tmp_path)
    people_store.set_opt_in(db, people_store.person_by_email(db, SAMPLE_EMPLOYEE).id, True)  # as the web front does
    db.close()
    port = free_port()

    with open_demo_site(tmp_path, port=port) as site:
        assert site.login == (email, password)
        config = load_config(tmp_path / "watcher.toml")
        assert [s.base_url for s in config.sources] == [site.appview.base_url, site.mastodon.base_url]
        assert (
            config.web.base_url == site.url == f"http://127.0.0.1:{port}" and config.web.listen == f"127.0.0.1:{port}"
        )
        site.web.start()
        assert get(f"{site.url}/") == 200

        # A scan from another terminal reaches the new stand-ins, and its alert's links reach the web front.
        mail = MailEcho(config.email.maildir, site.url)
        scan = scanned("scan", "--json")
        assert json.loads(scan.output[scan.output.index("{") :])["status"] == "ok"
        lines = mail.new_lines()
        assert lines[0].startswith(f"mail to {SAMPLE_EMPLOYEE}: ")
        links = [line.strip() for line in lines[1:]]
        assert links and all(link.startswith(f"{site.url}/") for link in links)
        assert mail.new_lines() == []
    assert get(f"http://127.0.0.1:{port}/") is None
    assert get(config.sources[0].base_url) is None  # the stand-ins stopped with it


def test_demo_serve_needs_a_demo_folder(tmp_path):
    with pytest.raises(InputError, match="holds no demo: run `watcher demo --dir"):
        open_demo_site(tmp_path / "nothing")
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "watcher.toml").write_text("")
    with pytest.raises(InputError, match="holds no demo"):
        open_demo_site(tmp_path / "thesis")
