"""The communications office's accounts on the web front: an address, a password hash (made by the
caller; storage never sees a password), and a uid that sign-in links name and nobody else ever gets."""

from __future__ import annotations

import secrets
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow, write_transaction
from watcher.models import Admin

_COLUMNS = "id, email, uid, password_hash IS NOT NULL AS has_password, created_at, last_sign_in_at"


def add_admin(db: Database, email: str, password_hash: str | None) -> tuple[Admin, bool]:
    """Add an account, or set the password of an existing one (which ends its sessions). Returns
    (account, created)."""
    with write_transaction(db):
        existing = admin_by_email(db, email)
        if existing is not None:
            if password_hash is not None:
                db.execute("UPDATE admins SET password_hash = ? WHERE id = ?", [password_hash, existing.id])
                db.execute("DELETE FROM web_sessions WHERE kind = 'office' AND uid = ?", [existing.uid])
            return _one(db, "id = ?", [existing.id]), False  # type: ignore[return-value]
        row = {"email": email, "uid": secrets.token_urlsafe(16), "password_hash": password_hash, "created_at": utcnow()}
        admin_id = db["admins"].insert(row).last_pk
        return _one(db, "id = ?", [admin_id]), True  # type: ignore[return-value]


def remove_admin(db: Database, email: str) -> bool:
    """Delete an account; its sessions and sign-in links stop working with it (they name its uid)."""
    with write_transaction(db):
        db.execute(
            "DELETE FROM web_sessions WHERE kind = 'office' AND uid IN (SELECT uid FROM admins WHERE email = ?)",
            [email],
        )
        return db.execute("DELETE FROM admins WHERE email = ?", [email]).rowcount > 0


def list_admins(db: Database) -> list[Admin]:
    return [_admin(row) for row in db.query(f"SELECT {_COLUMNS} FROM admins ORDER BY email")]


def admin_by_email(db: Database, email: str) -> Admin | None:
    return _one(db, "email = ?", [email])


def admin_by_uid(db: Database, uid: str) -> Admin | None:
    return _one(db, "uid = ?", [uid])


def password_hash(db: Database, admin_id: int) -> str | None:
    row = db.execute("SELECT password_hash FROM admins WHERE id = ?", [admin_id]).fetchone()
    return row[0] if row else None


def signed_in(db: Database, admin_id: int) -> None:
    with write_transaction(db):
        db.execute("UPDATE admins SET last_sign_in_at = ? WHERE id = ?", [utcnow(), admin_id])


def _one(db: Database, where: str, params: list[Any]) -> Admin | None:
    rows = list(db.query(f"SELECT {_COLUMNS} FROM admins WHERE {where}", params))
    return _admin(rows[0]) if rows else None


def _admin(row: dict[str, Any]) -> Admin:
    return Admin(
        id=row["id"],
        email=row["email"],
        uid=row["uid"],
        has_password=bool(row["has_password"]),
        created_at=row["created_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )
