"""The evidence page of a finding, to attach to a platform report: one self-contained HTML file
(no script, no external resource, every scraped string escaped) showing its snapshots.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlite_utils import Database

from storage import evidence as evidence_store
from storage import findings as findings_store
from watcher.errors import InputError
from watcher.text import web_url

# The page loads nothing: images are data: URIs and the one style sheet is allowed by its hash.
CSP = "default-src 'none'; img-src data:; style-src '{style}'; base-uri 'none'; form-action 'none'"


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
    finding = findings_store.get_finding(db, finding_id)
    if finding is None:
        raise InputError(f"no finding with id {finding_id}")
    env = _environment()
    style = _style(env)
    shots = [_shot_view(s) for s in evidence_store.snapshots(db, finding_id)]
    return env.get_template("evidence.html").render(
        csp=policy(),
        style=style,
        finding=finding,
        profile_link=web_url(finding.profile_url),
        reasons=list(finding.evidence.reasons),
        snapshots=shots,
        latest=shots[0] if shots else None,
    )


def policy() -> str:
    """The page's Content-Security-Policy (in its <meta>; a server sends it as the header too)."""
    style_hash = base64.b64encode(hashlib.sha256(_style(_environment()).encode()).digest()).decode()
    return CSP.format(style=f"sha256-{style_hash}")


def _style(env: Environment) -> str:
    return env.loader.get_source(env, "evidence.css")[0] if env.loader else ""


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
        "thumbnail_uri": _data_uri(shot.thumbnail),
        "thumbnail_sha256": hashlib.sha256(shot.thumbnail).hexdigest() if shot.thumbnail else None,
        "banner_url": shot.banner_url,
        "banner_sha256": shot.banner_sha256,
        "banner_uri": _data_uri(shot.banner_thumbnail),
        "banner_thumbnail_sha256": hashlib.sha256(shot.banner_thumbnail).hexdigest() if shot.banner_thumbnail else None,
        "raw": raw,
        "raw_type": shot.raw_type,
        "raw_sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest() if raw else None,
    }


def _data_uri(jpeg: bytes | None) -> str | None:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode() if jpeg else None
