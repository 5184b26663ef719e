import dataclasses
import logging
import tomllib
from pathlib import Path

import pytest

from watcher.config import Config, SourceConfig, load_config, parse_config
from watcher.demo import write_config
from watcher.errors import ConfigError
from watcher.toml_table import parse_duration


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
        ("[web]\nlisten = '8080'", "must be HOST:PORT"),
        ("[web]\ntrusted_proxies = ['proxy.example']", "is not an IP address"),
        ("[web]\nbase_url = 'https://district.example/watch?x=1'", "takes no query"),
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


# Every key of every table, with a valid value: the schema test below checks it stays complete.
EVERY_KEY = """
database = "w.db"
timezone = "America/Chicago"
[district]
name = "D"
keywords = ["D"]
official_accounts = ["bluesky:d.example"]
[network]
allow_private_addresses = true
user_agent = "UA"
timeout = 5
max_image_bytes = 1000
max_image_pixels = 1000
max_body_bytes = 1000
retries = 1
retry_backoff = 0.5
max_wait = 10
request_deadline = 20
image_deadline = 5
[[sources]]
name = "bluesky"
type = "bluesky"
base_url = "http://h"
page_size = 10
max_pages = 2
scan_every = "6h"
[email]
from = "w@d.example"
transport = "smtp"
maildir = "out"
reply_to = "r@d.example"
[email.smtp]
host = "mail.d.example"
port = 587
security = "starttls"
username = "u"
password_env = "PW"
timeout = 5
[alerts]
max_per_person_per_day = 2
staff_page_url = "https://intranet.d.example/staff"
[web]
base_url = "https://w.d.example"
listen = "127.0.0.1:8080"
trusted_proxies = ["127.0.0.1"]
[digest]
to = ["c@d.example"]
weekday = "fri"
time = "08:30"
[schedule]
scan_every = "12h"
jitter = 0.2
deliver_every = "30s"
stop_grace = 30
[retention]
observations_days = 10
evidence_days = 20
[matching]
name_threshold = 0.9
photo_distance = 30
photo_only_distance = 40
"""


def schema_keys(cls: type = Config, table: str = "") -> list[tuple[str, str]]:
    """(table, key) for every field a config file can set, from the dataclasses themselves."""
    keys = []
    for f in dataclasses.fields(cls):
        key = f.metadata.get("toml", f.name)
        if key is None:
            continue
        name = f"{table}.{key}" if table else key
        if key == "sources":
            keys += schema_keys(SourceConfig, "sources")
        elif dataclasses.is_dataclass(f.default):
            keys += schema_keys(type(f.default), name)
        else:
            keys.append((table, key))
    return keys


def only(data: dict, table: str, key: str) -> dict:
    """``data`` with nothing but one key (and what its table needs to be valid)."""
    if table == "sources":
        source = data["sources"][0]
        return {"sources": [{k: source[k] for k in ("name", "type", "base_url", key)}]}
    if not table:
        return {key: data[key]}
    inner = data
    for part in table.split("."):
        inner = inner[part]
    value: dict = {key: inner[key]}
    for part in reversed(table.split(".")):
        value = {part: value}
    return value


def config_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "watcher.config" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize(("table", "key"), schema_keys())
def test_every_known_key_is_read_without_a_warning(caplog, table, key):
    data = only(tomllib.loads(EVERY_KEY), table, key)
    parse_config(data)
    assert config_warnings(caplog) == []


def test_the_demo_config_reads_without_a_warning(tmp_path, caplog):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:1", "http://127.0.0.1:2"))
    assert config_warnings(caplog) == []
    assert config.source("mastodon").options == {"rate_limit": "100/1s,burst=100"}
    full = parse_config(tomllib.loads(EVERY_KEY))
    assert config_warnings(caplog) == [] and full.email.smtp.port == 587 and full.matching.photo_distance == 30


@pytest.mark.parametrize(
    ("table", "typo", "meant"),
    [
        ("", "databse", "database"),
        ("district", "keywrods", "keywords"),
        ("network", "timout", "timeout"),
        ("email", "transprt", "transport"),
        ("email", "form", "from"),
        ("email.smtp", "pasword_env", "password_env"),
        ("alerts", "max_per_person_per_dya", "max_per_person_per_day"),
        ("web", "base_ulr", "base_url"),
        ("digest", "weekdy", "weekday"),
        ("schedule", "scan_evry", "scan_every"),
        ("retention", "evidence_day", "evidence_days"),
        ("matching", "name_treshold", "name_threshold"),
    ],
)
def test_an_unknown_key_warns_with_its_table_and_a_suggestion(caplog, table, typo, meant):
    prefix = f"{table}." if table else ""
    data = tomllib.loads(f"[{table}]\n{typo} = 1\n" if table else f"{typo} = 1\n")
    config = parse_config(data)
    assert config == parse_config({})  # ignored
    assert config_warnings(caplog) == [
        f"config: unknown setting '{prefix}{typo}' ignored (did you mean '{prefix}{meant}'?)"
    ]


def test_an_unknown_key_far_from_any_warns_without_a_suggestion(caplog):
    parse_config({"network": {"colour": "blue"}})
    assert config_warnings(caplog) == ["config: unknown setting 'network.colour' ignored"]


def test_source_options_pass_through_and_a_mistyped_setting_warns(caplog):
    text = "[[sources]]\nname = 'b'\ntype = 'bluesky'\nbase_url = 'http://h'\nrate_limit = '1/1s'\npage_sise = 10\n"
    source = parse_config(tomllib.loads(text)).sources[0]
    assert source.options == {"rate_limit": "1/1s", "page_sise": 10}  # adapter options, as before
    assert source.page_size == SourceConfig.page_size
    assert config_warnings(caplog) == [
        "config: unknown setting 'sources[0].page_sise' passed to the adapter as an option "
        "(did you mean 'sources[0].page_size'?)"
    ]
