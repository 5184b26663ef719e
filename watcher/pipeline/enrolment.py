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
    Returns (result, added, updated).

    The roster is the district's, the web front's choices are each person's: someone who left on the
    web front is not enrolled again (``result.left``; ``watcher people add`` can), and for someone who
    enrolled themselves the roster changes their name, aliases and school, never their alerts,
    accounts, photos or language (``result.kept``)."""
    result = read_roster(path, max_pixels=config.network.max_image_pixels, workers=workers)
    result.left, result.kept = people_store.self_managed(db, [e.email for e in result.enrolments])
    left = set(result.left)
    added, updated = people_store.save_enrolments(db, [e for e in result.enrolments if e.email not in left])
    return result, added, updated
