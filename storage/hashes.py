"""How image hashes are written in the database: 16 hex digits each, views as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from watcher.models import ImageHashes, Views


def hash_columns(hashes: ImageHashes) -> dict[str, str]:
    return {"phash": f"{hashes.phash:016x}", "dhash": f"{hashes.dhash:016x}", "chash": f"{hashes.color:016x}"}


def from_columns(row: Mapping[str, Any]) -> ImageHashes:
    return ImageHashes(int(row["phash"], 16), int(row["dhash"], 16), int(row.get("chash") or "0", 16))


def views_to_json(views: Views) -> str:
    return json.dumps([[name, hash_columns(h)] for name, h in views])


def views_from_json(text: str | None) -> Views:
    if not text:
        return ()
    return tuple((name, from_columns(columns)) for name, columns in json.loads(text))
