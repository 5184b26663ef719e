"""District logos, kept as ``matching/logos`` models (the logo's keypoints and variants)."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from watcher.models import Logo


def save_logo(db: Database, label: str, model: bytes) -> tuple[int, bool]:
    """Store a logo under ``label``, replacing one of the same label. Returns (id, replaced)."""
    with write_transaction(db):
        rows = list(db.query("SELECT id FROM logos WHERE label = ?", [label]))
        if rows:
            db.execute("UPDATE logos SET model = ?, created_at = ? WHERE id = ?", [model, utcnow(), rows[0]["id"]])
            return rows[0]["id"], True
        return db["logos"].insert({"label": label, "model": model, "created_at": utcnow()}).last_pk, False


def list_logos(db: Database) -> list[Logo]:
    """Every logo, by label; one enrolled before models existed has none and is not searched for."""
    return [
        Logo(id=row["id"], label=row["label"], model=row["model"])
        for row in db.query("SELECT id, label, model FROM logos ORDER BY label")
    ]
