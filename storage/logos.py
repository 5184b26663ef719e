"""District logos, kept as hashes of a few views each."""

from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from storage.hashes import from_columns, hash_columns
from watcher.models import ImageHashes, Logo


def save_logo(db: Database, label: str, views: list[tuple[str, ImageHashes]]) -> tuple[int, bool]:
    """Store a logo under ``label``, replacing one of the same label. Returns (id, replaced)."""
    with write_transaction(db):
        rows = list(db.query("SELECT id FROM logos WHERE label = ?", [label]))
        replaced = bool(rows)
        if replaced:
            logo_id = rows[0]["id"]
            db.execute("DELETE FROM logo_hashes WHERE logo_id = ?", [logo_id])
        else:
            logo_id = db["logos"].insert({"label": label, "created_at": utcnow()}).last_pk
        for view, hashes in views:
            db["logo_hashes"].insert(
                {
                    "logo_id": logo_id,
                    "view": view,
                    **hash_columns(hashes),
                }
            )
    return logo_id, replaced


def list_logos(db: Database) -> list[Logo]:
    views: dict[int, list[tuple[str, ImageHashes]]] = defaultdict(list)
    for row in db.query("SELECT logo_id, view, phash, dhash, chash FROM logo_hashes ORDER BY id"):
        views[row["logo_id"]].append((row["view"], from_columns(row)))
    return [
        Logo(id=row["id"], label=row["label"], views=tuple(views[row["id"]]))
        for row in db.query("SELECT id, label FROM logos ORDER BY label")
    ]
