"""What the communications office's overview counts: findings per week, this week's numbers, the
roster by state, and the people list, filtered and paged.

At district scale (75,000 people, hundreds of thousands of findings) every count is one SQL query
with GROUP BY; no query reads every row into Python. Times are compared as stored, UTC ISO 8601 to
the second (the caller gives its bounds in that form; watcher/weeks.py decides which instants bound
a week), so that the indexes on ``first_seen`` and ``resolved_at`` serve the ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from storage.findings import OPEN

# A person's state on the roster; the three partition it.
PEOPLE_STATES = {
    "on": "p.opt_in = 1",  # alerts on (by the roster or by themselves)
    "paused": "p.opt_in = 0 AND p.consented_at IS NOT NULL",  # enrolled themselves, then paused alerts
    "not-yet": "p.opt_in = 0 AND p.consented_at IS NULL",  # never enrolled themselves, alerts off
}
_IN_RANGE = "{column} >= ? AND {column} < ?"


def weekly_counts(db: Database, bounds: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    """(new, resolved) findings per week: first seen in [start, end), resolved in [start, end).

    ``bounds`` are consecutive or not, as UTC ISO instants; per column one grouped query, each week
    a range of its index."""
    if not bounds:
        return []
    counts = [[0, 0] for _ in bounds]
    weeks = ", ".join("(?, ?, ?)" for _ in bounds)
    params: list[Any] = [value for i, (start, end) in enumerate(bounds) for value in (i, start, end)]
    for slot, column in ((0, "first_seen"), (1, "resolved_at")):
        rows = db.execute(
            f"""WITH weeks(i, s, e) AS (VALUES {weeks})
                SELECT weeks.i, (SELECT COUNT(*) FROM findings WHERE {column} >= weeks.s AND {column} < weeks.e)
                FROM weeks""",
            params,
        )
        for i, n in rows:
            counts[i][slot] = n
    return [(new, resolved) for new, resolved in counts]


def week_numbers(db: Database, start: str, end: str) -> dict[str, Any]:
    """This week's numbers for the dashboard, between ``start`` and ``end`` (ISO instants): new
    findings by kind, resolved, reviewed in the span and confirmed or dismissed now, employees'
    answers by answer, and the findings open now by status."""
    span = [start, end]
    new = _grouped(db, f"SELECT kind, COUNT(*) FROM findings WHERE {_IN_RANGE.format(column='first_seen')}", span)
    resolved = db.execute(
        f"SELECT COUNT(*) FROM findings WHERE {_IN_RANGE.format(column='resolved_at')}", span
    ).fetchone()[0]
    reviewed = _grouped(
        db,
        f"""SELECT status, COUNT(*) FROM findings WHERE status IN ('confirmed', 'dismissed')
            AND {_IN_RANGE.format(column="reviewed_at")}""",
        span,
    )
    answers = _grouped(
        db, f"SELECT answer, COUNT(*) FROM findings WHERE {_IN_RANGE.format(column='answered_at')}", span
    )
    return {
        "new": sum(new.values()),
        "new_by_kind": new,
        "resolved": resolved,
        "confirmed": reviewed.get("confirmed", 0),
        "dismissed": reviewed.get("dismissed", 0),
        "answers": answers,
        "open_by_status": open_by_status(db),
    }


def open_by_status(db: Database) -> dict[str, int]:
    """Open findings now, per status (every open status present, 0 when none)."""
    marks = ", ".join("?" for _ in OPEN)
    found = _grouped(db, f"SELECT status, COUNT(*) FROM findings WHERE status IN ({marks})", list(OPEN))
    return {status: found.get(status, 0) for status in OPEN}


def people_counts(db: Database) -> dict[str, int]:
    """The roster: everyone, who enrolled themselves, and the three states (``PEOPLE_STATES``)."""
    states = ", ".join(f"COALESCE(SUM({where}), 0)" for where in PEOPLE_STATES.values())
    row = db.execute(f"SELECT COUNT(*), COUNT(p.consented_at), {states} FROM people p").fetchone()
    return {"roster": row[0], "enrolled": row[1], **dict(zip(PEOPLE_STATES, row[2:], strict=True))}


def _grouped(db: Database, select: str, params: list[Any]) -> dict[str, int]:
    return {key: n for key, n in db.execute(f"{select} GROUP BY 1", params) if key is not None}


# --- the people list -----------------------------------------------------------------------------


def like_pattern(text: str) -> str:
    """``text`` as a LIKE substring pattern (with ``ESCAPE '\\'``): its own % and _ match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def people_page(
    db: Database,
    *,
    state: str | None = None,
    school: str | None = None,
    search: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, the page of them by name): ``state`` one of ``PEOPLE_STATES``, ``school``
    exact, ``search`` a substring of the name or the e-mail. Each row: id, name, email, school,
    consented_at, opt_in, and the counts photos, accounts and open (findings), read for the page's
    people only."""
    where, params = ["1"], []
    if state in PEOPLE_STATES:
        where.append(PEOPLE_STATES[state])
    if school:
        where.append("p.school = ?")
        params.append(school)
    if search:
        where.append("(p.name LIKE ? ESCAPE '\\' OR p.email LIKE ? ESCAPE '\\')")
        params += [like_pattern(search)] * 2
    condition = " AND ".join(where)
    total = db.execute(f"SELECT COUNT(*) FROM people p WHERE {condition}", params).fetchone()[0]
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    rows = db.query(
        f"""SELECT p.id, p.name, p.email, p.school, p.consented_at, p.opt_in,
                   (SELECT COUNT(*) FROM reference_views v WHERE v.person_id = p.id) AS photos,
                   (SELECT COUNT(*) FROM accounts a WHERE a.person_id = p.id) AS accounts,
                   (SELECT COUNT(*) FROM findings f WHERE f.person_id = p.id AND f.status IN ({statuses})) AS open
            FROM (SELECT * FROM people p WHERE {condition} ORDER BY p.name, p.email LIMIT ? OFFSET ?) p
            ORDER BY p.name, p.email""",
        [*params, limit, max(offset, 0)],
    )
    return total, [row | {"opt_in": bool(row["opt_in"])} for row in rows]


def schools(db: Database) -> list[str]:
    """The schools named on the roster, for the people list's filter."""
    return [row[0] for row in db.execute("SELECT DISTINCT school FROM people WHERE school IS NOT NULL ORDER BY 1")]


def photo_count(db: Database, person_id: int) -> int:
    """How many photos one person enrolled (their hashes: the photos are gone)."""
    return db.execute("SELECT COUNT(*) FROM reference_views WHERE person_id = ?", [person_id]).fetchone()[0]
