from pathlib import Path

import pytest

from watcher.config import Config, load_config, parse_config, parse_duration
from watcher.errors import ConfigError


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHER_CONFIG", raising=False)
    config = load_config(None)
    assert config == Config()
    assert config.sources[0].type == "bluesky"
    assert config.email.transport == "maildir"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "watcher.toml"
    path.write_text('database = "state/w.db"\n[email]\nmaildir = "../mail"\n')
    config = load_config(path)
    assert config.database == folder / "state/w.db"
    assert config.email.maildir == folder / "../mail"


def test_config_from_environment_and_local_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "watcher.toml").write_text('timezone = "Europe/Madrid"\n')
    monkeypatch.delenv("WATCHER_CONFIG", raising=False)
    assert load_config(None).timezone == "Europe/Madrid"
    other = tmp_path / "other.toml"
    other.write_text('timezone = "America/Chicago"\n')
    monkeypatch.setenv("WATCHER_CONFIG", str(other))
    assert load_config(None).timezone == "America/Chicago"


def test_full_contract_example_parses(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text(
        """
database = "watcher.db"
timezone = "America/Los_Angeles"
[district]
name = "Los Angeles Unified School District"
keywords = ["LAUSD", "Los Angeles Unified", "Noble Avenue Elementary"]
official_accounts = ["bluesky:lausd.bsky.social"]
[network]
allow_private_addresses = false
[[sources]]
name = "bluesky"
type = "bluesky"
base_url = "http://127.0.0.1:8080/bsky/"
[email]
from = "Identity Watch <watch@district.example>"
transport = "maildir"
maildir = "outbox"
[email.smtp]
host = "127.0.0.1"
port = 2525
security = "none"
username = ""
password_env = "WATCHER_SMTP_PASSWORD"
timeout = 10
[alerts]
max_per_person_per_day = 3
[web]
base_url = "https://watch.district.example"
[digest]
to = ["communications@district.example"]
weekday = "mon"
time = "07:00"
[schedule]
scan_every = "24h"
[retention]
observations_days = 30
evidence_days = 180
"""
    )
    config = load_config(path)
    assert config.schedule.scan_every == 86400 and config.digest.weekday == "mon" and config.digest.time == "07:00"
    assert config.retention.observations_days == 30 and config.source("bluesky").scan_every is None
    assert config.source("bluesky").base_url == "http://127.0.0.1:8080/bsky"
    assert config.district.official_accounts == frozenset({"bluesky:lausd.bsky.social"})
    assert config.digest.to == ("communications@district.example",)
    smtp = config.email.smtp
    assert (smtp.host, smtp.port, smtp.security, smtp.password_env, smtp.timeout) == (
        "127.0.0.1",
        2525,
        "none",
        "WATCHER_SMTP_PASSWORD",
        10,
    )
    assert config.alerts.max_per_person_per_day == 3
    assert config.web.base_url == "https://watch.district.example"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timezone = 'Mars/Olympus'", "unknown timezone"),
        ("database = 3", "'database' must be a string"),
        ("[[sources]]\nname = 'x'\ntype = 'bluesky'", "base_url is required"),
        ("[[sources]]\nname = 'x'\ntype = 'bluesky'\nbase_url = 'ftp://h'", "must start with http"),
        (
            "[[sources]]\nname='a'\ntype='bluesky'\nbase_url='http://h'\n[[sources]]\nname='a'\ntype='bluesky'\nbase_url='http://h'",
            "unique",
        ),
        ("[district]\nofficial_accounts = ['lausd']", "source:handle"),
        ("[email]\ntransport = 'pigeon'", "not supported"),
        ('[email]\nfrom = "Watch <watch@x.example>\\r\\nBcc: all@x.example"', "not an e-mail address"),
        ("[email.smtp]\nsecurity = 'ssl3'", "must be one of none, starttls, tls"),
        ("[email.smtp]\nport = 70000", "not a port number"),
        ("[alerts]\nmax_per_person_per_day = 0", "at least 1"),
        ("[web]\nbase_url = 'watch.example'", "must start with https://"),
        ("[digest]\nto = ['comms']", "not an e-mail address"),
        ("[digest]\nweekday = 'someday'", "digest.weekday must be one of mon"),
        ("[digest]\ntime = '7am'", "must be HH:MM"),
        ("[schedule]\nscan_every = 'daily'", "must be a duration such as 90s"),
        ("[schedule]\nscan_every = '0s'", "must be a duration"),
        ("[[sources]]\nname='a'\ntype='bluesky'\nbase_url='http://h'\nscan_every='1w'", "sources[0].scan_every"),
        ("[retention]\nevidence_days = 0", "at least 1"),
        ("[network]\nallow_private_addresses = 'yes'", "true or false"),
        ("database = ", "invalid TOML"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path, text, message):
    path = tmp_path / "w.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("6h", 21600), ("7d", 604800), ("1.5h", 5400)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_missing_config_file():
    with pytest.raises(ConfigError, match="not found"):
        load_config(Path("/nonexistent/watcher.toml"))


def test_unknown_keys_warn_but_load(caplog):
    config = parse_config({"shedule": {"scan_every": "24h"}, "email": {"smtp": {"hots": "x"}}})
    assert config.timezone == "America/Los_Angeles"
    assert "unknown setting 'shedule'" in caplog.text and "unknown setting 'email.smtp.hots'" in caplog.text


def test_unknown_source_name():
    with pytest.raises(ConfigError, match="no source named 'mastodon'"):
        Config().source("mastodon")


def test_source_names_are_case_insensitive(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text("[[sources]]\nname = 'Bluesky'\ntype = 'bluesky'\nbase_url = 'http://h'\n")
    assert load_config(path).sources[0].name == "bluesky"
    path.write_text("[[sources]]\nname = 'blue sky'\ntype = 'bluesky'\nbase_url = 'http://h'\n")
    with pytest.raises(ConfigError, match="only letters"):
        load_config(path)
    path.write_text("[[sources]]\nname = 'b'\ntype = 'bluesky'\nbase_url = 'http://h'\npage_size = 0\n")
    with pytest.raises(ConfigError, match="at least 1"):
        load_config(path)
