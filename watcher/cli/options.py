"""What several commands share: the loaded config and database, and the options they declare alike."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
from sqlite_utils import Database

from storage import open_database
from watcher.config import Config, load_config
from watcher.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """What every command needs, loaded on first use."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.config.database)
        return self._db


pass_app = click.make_pass_decorator(App)


def json_option(help: str) -> Callable[[F], F]:  # noqa: A002 - click's own name for it
    """``--json``: print machine-readable output instead of lines."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def status_option(statuses: Sequence[str], what: str) -> Callable[[F], F]:
    """``--status``: only the ``what`` (findings, messages) with this status."""
    return click.option("--status", type=click.Choice(statuses), help=f"Only {what} with this status.")


def by_option(verb: str) -> Callable[[F], F]:
    """``--by NAME``: who reviews or acknowledges, for the audit trail."""
    return click.option("--by", "actor", metavar="NAME", help=f"Who {verb} (default: your login name).")


def dead_messages(command: F) -> F:
    """The ``IDS`` argument and ``--all-dead``: which dead messages a command acts on."""
    command = click.option("--all-dead", is_flag=True, help="Every dead message.")(command)
    return click.argument("ids", nargs=-1, type=int)(command)


def chosen_dead(ids: tuple[int, ...], all_dead: bool) -> list[int] | None:
    """The ids given, or None for ``--all-dead``; exactly one of the two must be given."""
    if bool(ids) == all_dead:
        raise InputError("give the ids of dead messages, or --all-dead")
    return None if all_dead else list(ids)


def actor_name(actor: str | None, verb: str) -> str:
    """``--by``'s value, or the login name; never empty."""
    actor = (actor if actor is not None else login_name()).strip()
    if not actor:
        raise InputError(f"--by must name who {verb}")
    return actor


def login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def echo_json(value: Any) -> None:
    """A command's ``--json`` output: indented, non-ASCII kept readable."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)
