"""Evidence snapshots of a finding's profile, kept for platform reports.

A snapshot is taken when a finding is made and at each material change: the display name,
bio, handle or avatar differ from the latest snapshot, or the finding gained a signal. It
keeps the profile as fetched, a small JPEG thumbnail of the avatar (with the sha256 of the
original image), the displayed fields and the match evidence; and, when the profile has a
banner, a wider thumbnail of it (``add_banner``, after the snapshot's transaction: it may
download the banner, once, and only for a snapshot just taken).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from sources.client import HttpClient
from storage import evidence as evidence_store
from storage.db import write_transaction
from storage.scans import AvatarState
from watcher.errors import ImageError, UnsafeURL
from watcher.matching.images import load_image, open_picture
from watcher.models import Evidence, Profile

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 128
THUMBNAIL_QUALITY = 80
BANNER_BOX = (480, 160)  # a banner's thumbnail fits within this (banners are about 3:1)


def thumbnail(data: bytes, max_pixels: int) -> bytes:
    """A JPEG of at most 128×128, decoded by the same guarded loader as matching (pixel caps)."""
    image = load_image(data, max_pixels)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def banner_thumbnail(data: bytes, max_pixels: int) -> bytes:
    """A JPEG within BANNER_BOX, decoded by the same guarded loader (``ImageError`` if it cannot be)."""
    image = open_picture(data, max_pixels, max(BANNER_BOX))
    image.thumbnail(BANNER_BOX)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def avatar_image(db: Database, http: HttpClient, profile: Profile, avatar: AvatarState) -> bytes | None:
    """The avatar's bytes for a thumbnail: this scan's download, or (after a 304) a fresh fetch
    through the SSRF guard, only when no snapshot holds this image yet. Call it outside the
    write transaction: it may go to the network."""
    if avatar.data is not None:
        return avatar.data
    if not avatar.sha256 or not profile.avatar_url or evidence_store.knows_avatar(db, avatar.sha256):
        return None
    try:
        fetched = http.fetch_image(profile.avatar_url)
    except (UnsafeURL, ImageError) as exc:
        log.info("%s @%s: no thumbnail for evidence: %s", profile.source, profile.handle, exc)
        return None
    return fetched.data if fetched.sha256 == avatar.sha256 else None  # the image we matched, or nothing


def capture(
    db: Database,
    *,
    finding_id: int,
    profile: Profile,
    avatar: AvatarState,
    kind: str,
    score: float,
    evidence: Evidence,
    image: bytes | None,
    max_pixels: int,
) -> int | None:
    """Take a snapshot if there is none yet or the profile changed materially; returns its id, or None."""
    fields = displayed_fields(profile)
    match = {"kind": kind, "score": round(score, 4), **evidence.as_json()}
    latest = evidence_store.latest_snapshot(db, finding_id)
    # An avatar that could not be checked this scan is no evidence that it changed.
    avatar_known = avatar.sha256 is not None or avatar.status == "none"
    sha256 = avatar.sha256 if avatar_known else (latest.avatar_sha256 if latest else None)
    reason = "detected" if latest is None else _change(latest, fields, sha256, avatar_known, match)
    if reason is None:
        return None
    thumb = None
    if sha256:
        thumb = evidence_store.thumbnail_of(db, sha256)
        if thumb is None and image is not None and hashlib.sha256(image).hexdigest() == sha256:
            try:
                thumb = thumbnail(image, max_pixels)
            except ImageError as exc:
                log.info("%s @%s: no thumbnail for evidence: %s", profile.source, profile.handle, exc)
    return evidence_store.add_snapshot(
        db,
        finding_id=finding_id,
        reason=reason,
        profile_url=profile.profile_url,
        fields=fields,
        raw=profile.raw,
        raw_type=profile.raw_type,
        match=match,
        avatar_url=profile.avatar_url,
        avatar_sha256=sha256,
        thumbnail=thumb,
        banner_url=profile.banner_url,
    )


def add_banner(
    db: Database,
    profile: Profile,
    banner_bytes: Callable[..., bytes | None],
    snapshot_ids: list[int],
    max_pixels: int,
) -> None:
    """Give the snapshots just taken of this profile its banner's thumbnail. Call it outside the write
    transaction: the banner is this scan's download (``banner_bytes(fetch=False)``), else a thumbnail
    captured before at the same address, else one download now (``banner_bytes()``). A banner that
    cannot be fetched is left out; one that cannot be decoded keeps only its sha256."""
    url = profile.banner_url
    if not url or not snapshot_ids:
        return
    data = banner_bytes(fetch=False)
    if data is None:
        known = evidence_store.banner_at(db, url)
        if known is not None:
            with write_transaction(db):
                evidence_store.set_banner(db, snapshot_ids, *known)
            return
        data = banner_bytes()
        if data is None:
            return
    sha256 = hashlib.sha256(data).hexdigest()
    thumb = evidence_store.banner_thumbnail_of(db, sha256)
    if thumb is None:
        try:
            thumb = banner_thumbnail(data, max_pixels)
        except ImageError as exc:
            log.info("%s @%s: no banner thumbnail for evidence: %s", profile.source, profile.handle, exc)
    with write_transaction(db):
        evidence_store.set_banner(db, snapshot_ids, sha256, thumb)


def displayed_fields(profile: Profile) -> dict[str, Any]:
    return {
        "source": profile.source,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "bio": profile.description,
        "links": list(profile.links),
        "profile_url": profile.profile_url,
    }


def _change(
    latest: evidence_store.Snapshot, fields: dict[str, Any], sha256: str | None, avatar_known: bool, match: dict
) -> str | None:
    changed = [
        label
        for key, label in (("display_name", "display name"), ("bio", "bio"), ("handle", "handle"))
        if latest.fields.get(key) != fields[key]
    ]
    if avatar_known and latest.avatar_sha256 != sha256:
        changed.append("avatar")
    gained = sorted(set(match.get("signals", ())) - set(latest.match.get("signals", ())))
    if gained:
        changed.append("new signal: " + ", ".join(gained))
    return "changed: " + "; ".join(changed) if changed else None
