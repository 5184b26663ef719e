"""Evidence snapshots: a finding's profile as fetched, kept for platform reports.

One row per snapshot (see migrations 0005 and 0010): taken when a finding is made and each time
what it shows changes materially (``watcher/snapshots.py`` decides). Only the scraped profile is
kept, with small thumbnails of its avatar and banner: never an enrolled photo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow

MAX_RAW_BYTES = 256 * 1024


@dataclass(frozen=True)
class Snapshot:
    id: int
    finding_id: int
    captured_at: str
    reason: str
    profile_url: str
    fields: dict[str, Any]
    raw: str
    raw_type: str
    match: dict[str, Any]
    avatar_url: str | None
    avatar_sha256: str | None
    thumbnail: bytes | None = field(default=None, repr=False)
    banner_url: str | None = None
    banner_sha256: str | None = None  # of the banner as fetched (the original, not the thumbnail)
    banner_thumbnail: bytes | None = field(default=None, repr=False)


def cap_raw(raw: str, limit: int = MAX_RAW_BYTES) -> str:
    """At most ``limit`` bytes of UTF-8, cut on a character boundary."""
    data = raw.encode("utf-8", errors="replace")
    return raw if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def add_snapshot(
    db: Database,
    *,
    finding_id: int,
    reason: str,
    profile_url: str,
    fields: dict[str, Any],
    raw: str,
    raw_type: str,
    match: dict[str, Any],
    avatar_url: str | None,
    avatar_sha256: str | None,
    thumbnail: bytes | None,
    banner_url: str | None = None,
) -> int:
    """A snapshot; its banner's thumbnail, which may need a download, is added by ``set_banner``."""
    return (
        db["evidence"]
        .insert(
            {
                "finding_id": finding_id,
                "captured_at": utcnow(),
                "reason": reason,
                "profile_url": profile_url,
                "fields": json.dumps(fields, ensure_ascii=False),
                "raw": cap_raw(raw),
                "raw_type": raw_type if raw else "",
                "match": json.dumps(match, ensure_ascii=False),
                "avatar_url": avatar_url,
                "avatar_sha256": avatar_sha256,
                "thumbnail": thumbnail,
                "banner_url": banner_url,
            }
        )
        .last_pk
    )


def snapshots(db: Database, finding_id: int) -> list[Snapshot]:
    """Every snapshot of a finding, newest first."""
    rows = db.query("SELECT * FROM evidence WHERE finding_id = ? ORDER BY captured_at DESC, id DESC", [finding_id])
    return [_snapshot(row) for row in rows]


def latest_snapshot(db: Database, finding_id: int) -> Snapshot | None:
    rows = list(
        db.query("SELECT * FROM evidence WHERE finding_id = ? ORDER BY captured_at DESC, id DESC LIMIT 1", [finding_id])
    )
    return _snapshot(rows[0]) if rows else None


def knows_avatar(db: Database, sha256: str) -> bool:
    """Whether some snapshot already holds this avatar (so its thumbnail need not be fetched)."""
    return bool(list(db.query("SELECT 1 FROM evidence WHERE avatar_sha256 = ? LIMIT 1", [sha256])))


def thumbnail_of(db: Database, sha256: str) -> bytes | None:
    """A thumbnail made earlier from the avatar with this sha256, if any."""
    rows = list(
        db.query(
            "SELECT thumbnail FROM evidence WHERE avatar_sha256 = ? AND thumbnail IS NOT NULL ORDER BY id DESC LIMIT 1",
            [sha256],
        )
    )
    return rows[0]["thumbnail"] if rows else None


def banner_at(db: Database, url: str) -> tuple[str, bytes | None] | None:
    """(sha256, thumbnail or None) of the banner a snapshot captured at this address, if any: the
    platforms name a banner's file by its content, so a banner at a known address is not downloaded
    again (one that could not be decoded either: it would not decode the next time)."""
    rows = list(
        db.query(
            "SELECT banner_sha256, banner_thumbnail FROM evidence WHERE banner_url = ? AND banner_sha256 IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            [url],
        )
    )
    return (rows[0]["banner_sha256"], rows[0]["banner_thumbnail"]) if rows else None


def banner_thumbnail_of(db: Database, sha256: str) -> bytes | None:
    """A thumbnail made earlier from the banner with this sha256, if any."""
    rows = list(
        db.query(
            "SELECT banner_thumbnail FROM evidence WHERE banner_sha256 = ? AND banner_thumbnail IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            [sha256],
        )
    )
    return rows[0]["banner_thumbnail"] if rows else None


def set_banner(db: Database, snapshot_ids: list[int], sha256: str, thumbnail: bytes | None) -> None:
    """The banner captured with these snapshots: the sha256 of the original, and its thumbnail (None
    when it could not be decoded)."""
    for snapshot_id in snapshot_ids:
        db.execute(
            "UPDATE evidence SET banner_sha256 = ?, banner_thumbnail = ? WHERE id = ?", [sha256, thumbnail, snapshot_id]
        )


def _snapshot(row: dict[str, Any]) -> Snapshot:
    return Snapshot(
        id=row["id"],
        finding_id=row["finding_id"],
        captured_at=row["captured_at"],
        reason=row["reason"],
        profile_url=row["profile_url"],
        fields=json.loads(row["fields"] or "{}"),
        raw=row["raw"],
        raw_type=row["raw_type"],
        match=json.loads(row["match"] or "{}"),
        avatar_url=row["avatar_url"],
        avatar_sha256=row["avatar_sha256"],
        thumbnail=row["thumbnail"],
        banner_url=row["banner_url"],
        banner_sha256=row["banner_sha256"],
        banner_thumbnail=row["banner_thumbnail"],
    )
