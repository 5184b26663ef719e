"""How image hashes are written in the database: 16 hex digits each, an avatar's views as JSON, and
an enrolled photo's views packed (names comma-separated, hashes as little-endian 64-bit triples)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from watcher.models import ImageHashes, Views, ViewTable


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


def pack_views(views: Views) -> tuple[str, bytes]:
    """One photo's views as one row: their names, and their hashes (phash, dhash, colour) 24 bytes a view."""
    if any("," in name for name, _ in views):
        raise ValueError("a view name cannot hold a comma")
    table = np.array([(h.phash, h.dhash, h.color) for _, h in views], dtype="<u8").reshape(-1, 3)
    return ",".join(name for name, _ in views), table.tobytes()


def unpack_views(names: str, blob: bytes) -> Views:
    table = _hash_table(names, blob)
    return tuple((name, ImageHashes(*row)) for name, row in zip(names.split(","), table.tolist(), strict=True))


def view_table(rows: Iterable[tuple[int, str, str, bytes]]) -> ViewTable:
    """Packed photos ``(owner, prefix, names, hashes)`` as one columnar table, without a Python object
    per view: at district size there are millions of views. A view is named ``prefix + name``."""
    owners, codes, tables = [], [], []
    number: dict[str, int] = {}
    for owner, prefix, names, blob in rows:
        table = _hash_table(names, blob)
        owners.append(np.full(len(table), owner, dtype=np.int64))
        codes.append(np.array([number.setdefault(prefix + n, len(number)) for n in names.split(",")], np.int32))
        tables.append(table)
    if not tables:
        return ViewTable.empty()
    return ViewTable(
        owners=np.concatenate(owners),
        codes=np.concatenate(codes),
        names=tuple(number),
        hashes=np.concatenate(tables),
    )


def _hash_table(names: str, blob: bytes) -> np.ndarray:
    table = np.frombuffer(blob, dtype="<u8").reshape(-1, 3).astype(np.uint64)
    if len(table) != (names.count(",") + 1 if names else 0):
        raise ValueError("packed views: names and hashes differ in number")
    return table
