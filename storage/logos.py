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


def logo_list(db: Database) -> list[dict]:
    """Every logo for the office's page: id, label, created_at (when added or last replaced), and
    whether it has a model (one enrolled by an older version has none and is not searched for)."""
    return list(db.query("SELECT id, label, created_at, model IS NOT NULL AS searched FROM logos ORDER BY label"))


def remove_logo(db: Database, logo_id: int) -> str | None:
    """Delete a logo; returns its label, or None when there is none with this id.

    Nothing else is keyed to a logo: pictures' cached sightings name the set of logos they were
    searched for, which this changes, and findings that name the logo keep their evidence as it was."""
    with write_transaction(db):
        row = db.execute("SELECT label FROM logos WHERE id = ?", [logo_id]).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM logos WHERE id = ?", [logo_id])
        return row[0]
