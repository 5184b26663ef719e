"""Scan runs and the profiles they observed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow
from storage.hashes import views_from_json, views_to_json
from watcher.models import LogoSighting, Profile, Views


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
    views: Views
    status: str = "none"


def avatar_memory(db: Database, profile: Profile) -> AvatarMemory | None:
    rows = list(
        db.query(
            """SELECT avatar_url, avatar_etag, avatar_last_modified, avatar_sha256, avatar_views, avatar_status
               FROM profiles WHERE source = ? AND platform_id = ?""",
            [profile.source, profile.platform_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    return AvatarMemory(
        row["avatar_url"],
        row["avatar_etag"],
        row["avatar_last_modified"],
        row["avatar_sha256"],
        views_from_json(row["avatar_views"]),
        row["avatar_status"],
    )


def views_by_content(db: Database, sha256: str) -> Views | None:
    """The views of an image hashed before (by its sha256); None when never seen."""
    rows = list(db.query("SELECT views FROM image_hashes WHERE sha256 = ? AND views IS NOT NULL", [sha256]))
    return views_from_json(rows[0]["views"]) if rows else None


def remember_views(db: Database, sha256: str, views: Views) -> None:
    first = views[0][1] if views else None
    db.execute(
        """INSERT INTO image_hashes (sha256, phash, dhash, views, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET views = excluded.views""",
        [
            sha256,
            f"{first.phash:016x}" if first else "",
            f"{first.dhash:016x}" if first else "",
            views_to_json(views),
            utcnow(),
        ],
    )


def logo_sightings(db: Database, key: str, logos: str) -> list[LogoSighting] | None:
    """The district logos found before in a picture (by content key), if it was searched for this set
    of ``logos`` (a fingerprint); None when it must be searched."""
    rows = list(db.query("SELECT logos FROM image_hashes WHERE sha256 = ? AND logos IS NOT NULL", [key]))
    if not rows:
        return None
    saved = json.loads(rows[0]["logos"])
    if saved.get("set") != logos:
        return None
    return [LogoSighting(**found) for found in saved["found"]]


def remember_logo_sightings(db: Database, key: str, logos: str, sightings: list[LogoSighting]) -> None:
    record = json.dumps({"set": logos, "found": [asdict(s) for s in sightings]})
    db.execute(
        """INSERT INTO image_hashes (sha256, phash, dhash, logos, created_at) VALUES (?, '', '', ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET logos = excluded.logos""",
        [key, record, utcnow()],
    )


@dataclass(frozen=True)
class AvatarState:
    """The avatar as this scan saw it: its views (empty if none or unknown) and how we know."""

    views: Views
    status: str  # "ok", "none", "placeholder", or "unknown: why"
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    data: bytes | None = field(default=None, repr=False)  # this scan's download, if any; never stored


def save_profile(db: Database, profile: Profile, avatar: AvatarState) -> int:
    """Upsert an observed profile by (source, platform id); returns its row id."""
    now = utcnow()
    first = avatar.views[0][1] if avatar.views else None
    values = {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "description": profile.description,
        "profile_url": profile.profile_url,
        "avatar_url": profile.avatar_url,
        "avatar_status": avatar.status,
        "avatar_phash": f"{first.phash:016x}" if first else None,
        "avatar_dhash": f"{first.dhash:016x}" if first else None,
        "avatar_views": views_to_json(avatar.views) if avatar.views else None,
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


# Outcomes that are the platform's answer; anything else ("unknown: rate_limited", …) is not.
ANSWERED = ("found", "not_found")


def query_ages(db: Database, source: str) -> dict[tuple[str, str], str]:
    """(kind, query) → when it last ran on this source."""
    rows = db.query("SELECT kind, query, last_run_at FROM query_state WHERE source = ?", [source])
    return {(row["kind"], row["query"]): row["last_run_at"] for row in rows}


def answered_queries(db: Database, source: str, kind: str | None = None) -> dict[tuple[str, str], str]:
    """(kind, query) → when this source last answered it (found or not found); never-answered
    queries are left out. Only queries of ``kind`` when given."""
    sql = "SELECT kind, query, last_answered_at FROM query_state WHERE source = ? AND last_answered_at IS NOT NULL"
    params = [source]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    return {(row["kind"], row["query"]): row["last_answered_at"] for row in db.query(sql, params)}


def record_query(db: Database, source: str, kind: str, query: str, outcome: str, *, at: str | None = None) -> None:
    """Remember that a query ran (``at``, default now) and how it ended; an answer also moves
    ``last_answered_at``, a failure leaves it as it was."""
    at = at or utcnow()
    db.execute(
        """INSERT INTO query_state (source, kind, query, last_run_at, outcome, last_answered_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (source, kind, query) DO UPDATE SET last_run_at = excluded.last_run_at,
           outcome = excluded.outcome,
           last_answered_at = COALESCE(excluded.last_answered_at, query_state.last_answered_at)""",
        [source, kind, query, at, outcome, at if outcome in ANSWERED else None],
    )
