"""Scan runs and the profiles they observed."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    source_stats: dict[str, Any] | None = None,
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
            "source_stats": json.dumps(source_stats or {}, ensure_ascii=False),
        },
    )


@dataclass(frozen=True)
class AvatarMemory:
    """What we knew of a profile's avatar after the last scan."""

    url: str | None
    etag: str | None
    last_modified: str | None
    sha256: str | None
    hashes: ImageHashes | None


def avatar_memory(db: Database, profile: Profile) -> AvatarMemory | None:
    rows = list(
        db.query(
            """SELECT avatar_url, avatar_etag, avatar_last_modified, avatar_sha256, avatar_phash, avatar_dhash
               FROM profiles WHERE source = ? AND platform_id = ?""",
            [profile.source, profile.platform_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    hashes = _hashes(row["avatar_phash"], row["avatar_dhash"])
    return AvatarMemory(
        row["avatar_url"], row["avatar_etag"], row["avatar_last_modified"], row["avatar_sha256"], hashes
    )


def hashes_by_content(db: Database, sha256: str) -> ImageHashes | None:
    rows = list(db.query("SELECT phash, dhash FROM image_hashes WHERE sha256 = ?", [sha256]))
    return _hashes(rows[0]["phash"], rows[0]["dhash"]) if rows else None


def remember_hashes(db: Database, sha256: str, hashes: ImageHashes) -> None:
    db.execute(
        "INSERT OR IGNORE INTO image_hashes (sha256, phash, dhash, created_at) VALUES (?, ?, ?, ?)",
        [sha256, f"{hashes.phash:016x}", f"{hashes.dhash:016x}", utcnow()],
    )


@dataclass(frozen=True)
class AvatarState:
    """The avatar as this scan saw it: hashes (None if none or unknown) and how we know."""

    hashes: ImageHashes | None
    status: str  # "ok", "none", or "unknown: why"
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


def save_profile(db: Database, profile: Profile, avatar: AvatarState) -> int:
    """Upsert an observed profile by (source, platform id); returns its row id."""
    now = utcnow()
    values = {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "description": profile.description,
        "profile_url": profile.profile_url,
        "avatar_url": profile.avatar_url,
        "avatar_status": avatar.status,
        "avatar_phash": f"{avatar.hashes.phash:016x}" if avatar.hashes else None,
        "avatar_dhash": f"{avatar.hashes.dhash:016x}" if avatar.hashes else None,
        "avatar_etag": avatar.etag,
        "avatar_last_modified": avatar.last_modified,
        "avatar_sha256": avatar.sha256,
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


def query_ages(db: Database, source: str) -> dict[tuple[str, str], str]:
    """(kind, query) → when it last ran on this source."""
    rows = db.query("SELECT kind, query, last_run_at FROM query_state WHERE source = ?", [source])
    return {(row["kind"], row["query"]): row["last_run_at"] for row in rows}


def record_query(db: Database, source: str, kind: str, query: str, outcome: str) -> None:
    db.execute(
        """INSERT INTO query_state (source, kind, query, last_run_at, outcome) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (source, kind, query) DO UPDATE SET last_run_at = excluded.last_run_at,
           outcome = excluded.outcome""",
        [source, kind, query, utcnow(), outcome],
    )


def _hashes(phash: str | None, dhash: str | None) -> ImageHashes | None:
    return ImageHashes(int(phash, 16), int(dhash, 16)) if phash and dhash else None
