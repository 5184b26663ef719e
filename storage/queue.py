"""The communications office's queue of findings: one filter (``QueueFilter``) for the page, its
counts per status and its CSV export, over ``findings_where``'s one row mapper.

Every value a visitor chose travels as a SQL parameter; the sort order is taken from a fixed map.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.findings import STATUSES, findings_where
from watcher.models import Finding, QueueFilter

KINDS = ("impersonation", "logo_misuse")
ORDERS = {
    "newest": "f.first_seen DESC, f.id DESC",
    "strongest": "f.score DESC, f.id DESC",
}
_FROM = """FROM findings f
    JOIN profiles pr ON pr.id = f.profile_id
    LEFT JOIN people p ON p.id = f.person_id"""


def queue_where(f: QueueFilter, *, with_status: bool = True) -> tuple[str, list[Any]]:
    """The filter as a SQL condition over ``findings f``, ``profiles pr`` and ``people p``, and its parameters."""
    where, params = [], []
    for clause, value in (
        ("f.kind = ?", f.kind),
        ("f.status = ?", f.status if with_status else None),
        ("pr.source = ?", f.source),
        ("p.school = ?", f.school),
        ("julianday(f.first_seen) >= julianday(?)", f.since),
        ("julianday(f.first_seen) < julianday(?)", f.until),
        ("f.score >= ?", f.min_score),
        ("f.score < ?", f.max_score),
        ("f.person_id = ?", f.person_id),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    return " AND ".join(where) or "1", params


def _order(f: QueueFilter) -> str:
    if f.order not in ORDERS:
        raise ValueError(f"unknown queue order {f.order!r}")
    return ORDERS[f.order]


def queue_page(db: Database, f: QueueFilter, *, page: int, per_page: int) -> tuple[list[Finding], int]:
    """One page (counted from 1) of the filtered findings in the filter's order, and how many there are in all."""
    where, params = queue_where(f)
    total = db.execute(f"SELECT COUNT(*) {_FROM} WHERE {where}", params).fetchone()[0]
    offset = (max(page, 1) - 1) * per_page
    rows = findings_where(db, where, [*params, per_page, offset], order=f"{_order(f)} LIMIT ? OFFSET ?")
    return rows, total


def queue_rows(db: Database, f: QueueFilter) -> list[Finding]:
    """Every filtered finding, in the filter's order (the CSV export)."""
    where, params = queue_where(f)
    return findings_where(db, where, params, order=_order(f))


def status_counts(db: Database, f: QueueFilter) -> dict[str, int]:
    """Per status, how many findings the filter's other fields let through (every status, zeros too)."""
    where, params = queue_where(f, with_status=False)
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in db.execute(f"SELECT f.status, COUNT(*) {_FROM} WHERE {where} GROUP BY f.status", params):
        counts[status] = count
    return counts


def queue_choices(db: Database) -> dict[str, list[str]]:
    """What the queue's selects offer: the kinds and sources findings have, the schools people have."""
    present = [r[0] for r in db.execute("SELECT DISTINCT kind FROM findings")]
    sources = db.execute(f"SELECT DISTINCT pr.source {_FROM} ORDER BY pr.source")
    schools = db.execute("SELECT DISTINCT school FROM people WHERE school IS NOT NULL AND school != '' ORDER BY school")
    return {
        "kind": [*KINDS, *sorted(k for k in present if k not in KINDS)],
        "source": [r[0] for r in sources],
        "school": [r[0] for r in schools],
    }


def first_seen_times(db: Database) -> list[str]:
    """When findings were first seen, to the hour (the weeks the queue offers)."""
    rows = db.execute("SELECT DISTINCT substr(first_seen, 1, 13) FROM findings WHERE first_seen != '' ORDER BY 1 DESC")
    return [r[0] + ":00:00+00:00" for r in rows]
