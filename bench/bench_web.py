"""Benchmark: the communications office's pages over a district-sized database.

    .venv/bin/python bench/bench_web.py                # 75,000 people, 300,000 findings over 26 weeks
    .venv/bin/python bench/bench_web.py --people 5000 --findings 20000

Builds the database in a temporary folder (rows written straight into SQLite: the pages read them as
a year of scans would leave them), then times each page through the real application (best of
three). Prints wall-clock numbers; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import admins, open_database, web_state
from watcher.config import Config
from watcher.web import create_app

PAGES = [
    "/office",
    "/office/findings",
    "/office/findings?status=new&sort=strongest",
    "/office/findings?band=strong&page=40",
    "/office/findings?school=School+7",
    "/office/findings/{finding}",
    "/office/people",
    "/office/people?q=Person+7123",
    "/office/people?state=paused&page=100",
    "/office/people/{person}",
    "/office/findings.csv?status=confirmed",
]
STATUSES = ("new", "alerted", "confirmed", "dismissed", "resolved")


def fill(path: Path, people: int, findings: int, seed: int = 7) -> None:
    open_database(path).close()  # the schema, as every installation has it
    rnd, now = random.Random(seed), datetime.now(UTC)

    def iso(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds")

    con = sqlite3.connect(path)
    con.executemany(
        """INSERT INTO people (email, name, aliases, school, opt_in, uid, created_at, updated_at, opt_in_changed_at,
           language, consented_at) VALUES (?, ?, '[]', ?, ?, ?, ?, ?, ?, 'en', ?)""",
        [
            (f"p{i}@d.example", f"Person {i} Name", f"School {i % 400}", rnd.random() < 0.6, secrets.token_urlsafe(16))
            + (iso(now),) * 3
            + (iso(now) if rnd.random() < 0.3 else None,)
            for i in range(people)
        ],
    )
    con.executemany(
        """INSERT INTO profiles (source, platform_id, handle, display_name, description, profile_url, avatar_status,
           first_seen, last_seen) VALUES (?, ?, ?, ?, '', ?, 'none', ?, ?)""",
        [
            (rnd.choice(("bluesky", "mastodon", "github")), f"id{i}", f"h{i}", f"Name {i}", f"https://x.example/{i}")
            + (iso(now),) * 2
            for i in range(findings)
        ],
    )
    rows = []
    for i in range(findings):
        seen = now - timedelta(seconds=rnd.randint(0, 182 * 86400))
        status = rnd.choice(STATUSES)
        resolved = iso(seen + timedelta(days=3)) if status == "resolved" else None
        kind = "logo_misuse" if rnd.random() < 0.1 else "impersonation"
        person = i % people + 1
        rows.append(
            (f"{kind}:{person}:{i + 1}", kind, person, i + 1, round(rnd.random(), 4), status, iso(seen), resolved)
        )
    con.executemany(
        """INSERT INTO findings (finding_key, kind, person_id, profile_id, scan_run_id, score, rule, status, evidence,
           first_seen, last_seen, resolved_at) VALUES (?, ?, ?, ?, 1, ?, 'name+photo', ?, '{}', ?, ?, ?)""",
        [(*row[:7], row[6], row[7]) for row in rows],
    )
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=75_000)
    parser.add_argument("--findings", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "watcher.db"
        started = time.perf_counter()
        fill(path, args.people, args.findings)
        print(f"{args.people:,} people, {args.findings:,} findings written in {time.perf_counter() - started:.1f} s")
        config = Config(database=path)
        client = create_app(config).test_client()
        db = open_database(path)
        admin, _ = admins.add_admin(db, "office@d.example", None)
        session_id = web_state.open_session(db, "office", admin.uid)
        with client.session_transaction() as session:
            session["admin"], session["admin_at"], session["sid"] = admin.uid, datetime.now(UTC).isoformat(), session_id
        for page in PAGES:
            path_ = page.format(finding=args.findings // 2, person=args.people // 15)
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                answer = client.get(path_)
                best = min(best, time.perf_counter() - started)
            print(f"{path_:48} {answer.status_code}  {best * 1000:7.0f} ms  {len(answer.data) // 1024:6} KB")
        db.close()


if __name__ == "__main__":
    main()
