"""Shared fixtures: a real local Bluesky stand-in, real SQLite files, the real CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.cli import cli
from watcher.demo import write_config as write_demo_config
from watcher.demo.appview import FakeAppView
from watcher.demo.mastodon import FakeMastodon
from watcher.demo.portraits import district_logo, jpeg, png, portrait
from watcher.demo.sample import build_world, roster_rows


@pytest.fixture(scope="session")
def world():
    return build_world(strangers=12)


@pytest.fixture
def appview(world):
    with FakeAppView(world.actors, world.images, prefix="/bsky") as server:
        yield server


@pytest.fixture
def mastodon(world):
    with FakeMastodon(world.mastodon, world.mastodon_images, prefix="/social") as server:
        yield server


def write_config(folder: Path, base_url: str, mastodon_url: str | None = None) -> Path:
    """The demo's config, with fast retries so that failure tests do not wait."""
    path = write_demo_config(folder, base_url, mastodon_url)
    path.write_text(path.read_text().replace("[network]\n", "[network]\nretry_backoff = 0.01\n"))
    return path


def write_roster(folder: Path, world, rows=None) -> Path:
    rows = rows if rows is not None else roster_rows(world)
    (folder / "photos").mkdir(exist_ok=True)
    for row in rows:
        for photo in filter(None, row.get("photos", "").split(";")):
            email = row["email"]
            if email in world.photos and not (folder / photo).exists():
                (folder / photo).write_bytes(world.photos[email])
    path = folder / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "email", "aliases", "handles", "photos", "school", "opt_in"])
        writer.writeheader()
        writer.writerows(rows)
    return path


class Watcher:
    """Runs the real CLI with a config file, as a district administrator would."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        result = self.runner.invoke(cli, ["--config", str(self.config), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def watcher(tmp_path, appview, mastodon):
    return Watcher(write_config(tmp_path, appview.base_url, mastodon.base_url))


@pytest.fixture
def enrolled(tmp_path, world, watcher):
    watcher("people", "import", str(write_roster(tmp_path, world)))
    logo = tmp_path / "logo.png"
    logo.write_bytes(world.logo)
    watcher("logos", "add", str(logo), "--label", "district seal")
    return watcher


@pytest.fixture
def images(tmp_path):
    """A few image files on disk: two portraits, a logo, a text file pretending to be a photo."""
    (tmp_path / "a.jpg").write_bytes(jpeg(portrait(1)))
    (tmp_path / "b.jpg").write_bytes(jpeg(portrait(2)))
    (tmp_path / "logo.png").write_bytes(png(district_logo()))
    (tmp_path / "not-a-photo.jpg").write_text("hello, I am text")
    return tmp_path


# The attacks of SECURITY.md: `make security` runs these (pytest -m hostile) and prints their count.
HOSTILE_FILES = {
    "test_bounded_fields.py",
    "test_file_safety.py",
    "test_hostile_images.py",
    "test_http_hostile.py",
    "test_links.py",
    "test_log_safety.py",
    "test_operations.py",
    "test_properties.py",
    "test_roster_hostile.py",
    "test_scan_failures.py",
    "test_service_stop.py",
    "test_url_properties.py",
}
HOSTILE_TESTS = (
    "test_kill_9",
    "test_the_lock_file",
    "test_a_symlink_planted_as_the_lock_file",
    "test_a_lock_file_owned_by_another_user",
    "test_the_profile_link_goes_only_to_the_platform",
    "test_scraped_text_stays_out_of_headers",
    "test_a_password_never_goes_unencrypted",
    "test_which_hosts_count_as_this_machine",
    "test_an_alert_about_nothing",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in HOSTILE_FILES or item.name.startswith(HOSTILE_TESTS):
            item.add_marker(pytest.mark.hostile)
