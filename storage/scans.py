"""Scan runs and the profiles they observed."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from sources.base import Profile
from storage.db import utcnow
from watcher.models import ImageHashes


def start_scan(db: Database, sources: list[str]) -> int:
    return db["scan_runs"].insert({"started_at": utcnow(), "sources": json.dumps(sources)}).last_pk


def finish_scan(
    db: Database,
    scan_id: int,
    *,
    status: str,
    queries: int,
    profiles_seen: int,
    findings_new: int,
    problems: list[dict[str, Any]],
) -> None:
    db["scan_runs"].update(
        scan_id,
        {
            "finished_at": utcnow(),
            "status": status,
            "queries": queries,
            "profiles_seen": profiles_seen,
            "findings_new": findings_new,
            "problems": json.dumps(problems, ensure_ascii=False),
        },
    )


def known_avatar(db: Database, profile: Profile) -> ImageHashes | None:
    """Hashes from an earlier scan, if the profile still shows the same avatar URL."""
    rows = list(
        db.query(
            "SELECT avatar_url, avatar_phash, avatar_dhash FROM profiles WHERE source = ? AND platform_id = ?",
            [profile.source, profile.platform_id],
        )
    )
    if rows and rows[0]["avatar_phash"] and rows[0]["avatar_url"] == profile.avatar_url:
        return ImageHashes(int(rows[0]["avatar_phash"], 16), int(rows[0]["avatar_dhash"], 16))
    return None


def save_profile(db: Database, profile: Profile, avatar: ImageHashes | None, avatar_status: str) -> int:
    """Upsert an observed profile by (source, platform id); returns its row id."""
    now = utcnow()
    values = {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "description": profile.description,
        "profile_url": profile.profile_url,
        "avatar_url": profile.avatar_url,
        "avatar_status": avatar_status,
        "avatar_phash": f"{avatar.phash:016x}" if avatar else None,
        "avatar_dhash": f"{avatar.dhash:016x}" if avatar else None,
        "last_seen": now,
    }
    rows = list(
        db.query("SELECT id FROM profiles WHERE source = ? AND platform_id = ?", [profile.source, profile.platform_id])
    )
    if rows:
        db["profiles"].update(rows[0]["id"], values)
        return rows[0]["id"]
    values |= {"source": profile.source, "platform_id": profile.platform_id, "first_seen": now}
    return db["profiles"].insert(values).last_pk
