"""The communications office's queue of findings: one filter (``QueueFilter``) for the page, its
counts per status and its CSV export, over ``findings_where``'s one row mapper.

Every value a visitor chose travels as a SQL parameter; the sort order is taken from a fixed map.
At district size (hundreds of thousands of findings) a page is read through the indexes on
``first_seen`` and ``score``, and counts join only the tables a filter needs: times are compared as
stored (UTC ISO 8601 to the second, the form ``QueueFilter`` carries), never through a function.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.db import given
from storage.findings import STATUSES, findings_where
from watcher.models import Finding, QueueFilter

KINDS = ("impersonation", "logo_misuse")
ORDERS = {
    "newest": "f.first_seen DESC, f.id DESC",
    "strongest": "f.score DESC, f.id DESC",
}


def queue_where(f: QueueFilter, *, with_status: bool = True) -> tuple[str, list[Any]]:
    """The filter as a SQL condition over ``findings f``, ``profiles pr`` and ``people p``, and its parameters."""
    where, params = given(
        (
            ("f.kind = ?", f.kind),
            ("f.status = ?", f.status if with_status else None),
            ("pr.source = ?", f.source),
            ("p.school = ?", f.school),
            ("f.first_seen >= ?", f.since),
            ("f.first_seen < ?", f.until),
            ("f.score >= ?", f.min_score),
            ("f.score < ?", f.max_score),
            ("f.person_id = ?", f.person_id),
        )
    )
    return " AND ".join(where) or "1", params


def _joins(f: QueueFilter) -> str:
    """Only the tables the filter looks at: a count over the findings alone reads one index."""
    joins = "JOIN profiles pr ON pr.id = f.profile_id " if f.source is not None else ""
    return joins + ("LEFT JOIN people p ON p.id = f.person_id" if f.school is not None else "")


def _order(f: QueueFilter) -> str:
    if f.order not in ORDERS:
        raise ValueError(f"unknown queue order {f.order!r}")
    return ORDERS[f.order]


def queue_page(db: Database, f: QueueFilter, *, page: int, per_page: int) -> tuple[list[Finding], int]:
    """One page (counted from 1) of the filtered findings in the filter's order, and how many there are in all."""
    where, params = queue_where(f)
    total = db.execute(f"SELECT COUNT(*) FROM findings f {_joins(f)} WHERE {where}", params).fetchone()[0]
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
    query = f"SELECT f.status, COUNT(*) FROM findings f {_joins(f)} WHERE {where} GROUP BY f.status"
    for status, count in db.execute(query, params):
        counts[status] = count
    return counts


def queue_choices(db: Database) -> dict[str, list[str]]:
    """What the queue's selects offer: the kinds of finding, the sources profiles were seen on, the
    schools people have."""
    sources = db.execute("SELECT DISTINCT source FROM profiles ORDER BY source")
    schools = db.execute("SELECT DISTINCT school FROM people WHERE school IS NOT NULL AND school != '' ORDER BY school")
    return {"kind": list(KINDS), "source": [r[0] for r in sources], "school": [r[0] for r in schools]}


def first_seen_since(db: Database) -> str | None:
    """When the oldest finding was first seen (the queue offers the weeks from then on)."""
    return db.execute("SELECT MIN(first_seen) FROM findings WHERE first_seen != ''").fetchone()[0]
