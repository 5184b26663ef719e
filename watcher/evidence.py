"""Evidence for platform reports: snapshots of a finding's profile, and the page that shows them.

A snapshot is taken when a finding is made and at each material change: the display name,
bio, handle or avatar differ from the latest snapshot, or the finding gained a signal. It
keeps the profile as fetched, a small JPEG thumbnail of the avatar (with the sha256 of the
original image), the displayed fields and the match evidence. The page is one self-contained
HTML file: no script, no external resource, every scraped string escaped.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlite_utils import Database

from sources.base import Profile, web_url
from sources.http import HttpClient
from storage import evidence as evidence_store
from storage.scans import AvatarState
from watcher.errors import ImageError, InputError, UnsafeURL
from watcher.matching.images import load_image

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 128
THUMBNAIL_QUALITY = 80
# The page loads nothing: images are data: URIs and the one style sheet is allowed by its hash.
CSP = "default-src 'none'; img-src data:; style-src '{style}'; base-uri 'none'; form-action 'none'"


def thumbnail(data: bytes, max_pixels: int) -> bytes:
    """A JPEG of at most 128×128, decoded by the same guarded loader as matching (pixel caps)."""
    image = load_image(data, max_pixels)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
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
    evidence: dict[str, Any],
    image: bytes | None,
    max_pixels: int,
) -> str | None:
    """Take a snapshot if there is none yet or the profile changed materially; returns the reason, or None."""
    fields = displayed_fields(profile)
    match = {"kind": kind, "score": round(score, 4), **evidence}
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
    evidence_store.add_snapshot(
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
    )
    return reason


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


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("watcher", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(db: Database, finding_id: int) -> str:
    """The self-contained evidence page of one finding; ``InputError`` when there is no such finding."""
    finding = evidence_store.finding_record(db, finding_id)
    if finding is None:
        raise InputError(f"no finding with id {finding_id}")
    env = _environment()
    style = env.loader.get_source(env, "evidence.css")[0] if env.loader else ""
    style_hash = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    shots = [_shot_view(s) for s in evidence_store.snapshots(db, finding_id)]
    return env.get_template("evidence.html").render(
        csp=CSP.format(style=f"sha256-{style_hash}"),
        style=style,
        finding=finding,
        profile_link=web_url(finding["profile_url"]),
        reasons=[str(r) for r in finding["evidence"].get("reasons", ())],
        snapshots=shots,
        latest=shots[0] if shots else None,
    )


def _match_line(match: dict[str, Any]) -> str:
    parts = [f"{match.get('kind', '')}, rule {match.get('rule', '')}, score {match.get('score', '')}"]
    for key, label in (
        ("name_score", "name"),
        ("photo_distance", "photo distance"),
        ("photo_inliers", "photo points"),
        ("logo_points", "logo points"),
    ):
        if match.get(key) is not None:
            parts.append(f"{label} {match[key]}")
    return ", ".join(parts)


def _shot_view(shot: evidence_store.Snapshot) -> dict[str, Any]:
    raw = shot.raw
    return {
        "captured_at": shot.captured_at,
        "reason": shot.reason,
        "fields": shot.fields,
        "links": [str(link) for link in shot.fields.get("links", ())],
        "profile_url": shot.profile_url,
        "profile_link": web_url(shot.profile_url),
        "match_line": _match_line(shot.match),
        "reasons": [str(r) for r in shot.match.get("reasons", ())],
        "avatar_url": shot.avatar_url,
        "avatar_sha256": shot.avatar_sha256,
        "thumbnail_uri": "data:image/jpeg;base64," + base64.b64encode(shot.thumbnail).decode()
        if shot.thumbnail
        else None,
        "thumbnail_sha256": hashlib.sha256(shot.thumbnail).hexdigest() if shot.thumbnail else None,
        "raw": raw,
        "raw_type": shot.raw_type,
        "raw_sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest() if raw else None,
    }
