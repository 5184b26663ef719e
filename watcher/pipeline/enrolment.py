"""A roster read, its photos hashed, and its good rows saved."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlite_utils import Database

from storage import people as people_store
from watcher.config import Config
from watcher.roster import RosterResult, read_roster

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


def import_roster(config: Config, db: Database, path: Path, workers: int = 1) -> tuple[RosterResult, int, int]:
    """Read a roster (photos hashed on ``workers`` processes) and save its good rows in one transaction.
    Returns (result, added, updated)."""
    result = read_roster(path, max_pixels=config.network.max_image_pixels, workers=workers)
    added, updated = people_store.save_enrolments(db, result.enrolments)
    return result, added, updated
