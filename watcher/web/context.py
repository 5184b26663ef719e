"""What every request of the web front reaches: the config, a database connection of its thread's
own (SQLite connections are not shared between threads; waitress serves on several), and the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlite_utils import Database

from storage import open_database
from watcher.config import Config


@dataclass
class WebContext:
    config: Config
    clock: Callable[[], datetime] | None = None
    _local: threading.local = field(default_factory=threading.local)

    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_database(self.config.database)
        return db

    def now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)


def context() -> WebContext:
    return current_app.extensions["watcher"]


def db() -> Database:
    """This thread's connection to the database."""
    return context().db()


def config() -> Config:
    return context().config


def now() -> datetime:
    return context().now()


def local_time(stored: str | None, *, day_only: bool = False) -> str:
    """A stored UTC time as the district reads it ("2026-03-02 14:05", in ``timezone``); "" for none.
    Every page shows times so (templates have it as ``local_time``)."""
    if not stored:
        return ""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(config().timezone)).strftime("%Y-%m-%d" if day_only else "%Y-%m-%d %H:%M")
