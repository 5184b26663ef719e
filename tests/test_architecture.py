"""The structure docs/engineering.md promises a maintainer: imports run one way, every error is a
WatcherError, modules fit in a head, and no two modules share a name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import notifications
import sources
import storage
import watcher
from watcher.errors import WatcherError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (watcher, sources, storage, notifications)
MAX_LINES = 400


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package.__name__)
        found = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
        names += [m.name for m in found if not m.name.endswith("__main__")]  # __main__ runs the CLI
    return sorted(names)


def _source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in Path(package.__path__[0]).rglob("*.py"))


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts: sources, matching, storage and notifications each
    import only what their layer may, the shared records import no layer, and no module circles."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", _modules())
def test_every_exception_is_a_watcher_error(name):
    """One error tree (watcher/errors.py): a caller catches WatcherError and misses nothing of ours."""
    module = importlib.import_module(name)
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == name and issubclass(cls, BaseException):
            assert issubclass(cls, WatcherError), f"{name}.{cls.__name__} is not a WatcherError"


def test_modules_fit_in_a_head():
    """No module over ~400 lines: a newcomer can read one at a sitting."""
    long = {str(p.relative_to(ROOT)): n for p in _source_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_two_modules_share_a_name():
    """``watcher/digest.py`` beside ``notifications/digest.py`` forced import aliases; names say what they hold."""
    seen: dict[str, list[str]] = {}
    for path in _source_files():
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}
