"""Coverage: the share of enrolled staff each platform searched in the last 7 days, and the stalest
search, from real SQLite files, through the real CLI (`watcher status`, `watcher digest --send`)."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

from conftest import Watcher, write_config
from sqlite_utils import Database

from sources.base import HANDLE, NAME
from storage import open_database
from storage import scans as scans_store
from storage.migrations import MIGRATIONS
from storage.people import save_enrolments
from watcher.config import DistrictConfig, SourceConfig, load_config
from watcher.coverage import coverage_json, platform_coverage, staff_coverage
from watcher.demo.sample import DISTRICT, KEYWORDS, build_world, roster_rows
from watcher.models import Enrolment, Person, PlatformCoverage
from watcher.query_plan import first_query, handle_candidates, name_variants, plan_queries

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # the clock the library tests give; never the wall clock
STAFF = [("Ana Ruiz", "ana.ruiz@svusd.example"), ("Ben Okafor", "ben.okafor@svusd.example")]
STAFF += [("Carla Díaz", "carla.diaz@svusd.example")]
NOWHERE = "http://127.0.0.1:9"  # `status` and `digest` never ask a platform anything


def at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def record(db, source: str, query: str, outcome: str, when: datetime, kind: str = NAME) -> None:
    scans_store.record_query(db, source, kind, query, outcome, at=at(when))


def three_enrolled(tmp_path) -> tuple[Watcher, object]:
    """Three people enrolled with the real CLI; bluesky and mastodon configured.

    bluesky: Ana and Ben answered 2 days ago, Carla 10 days ago (and rate-limited yesterday).
    mastodon: Ana answered yesterday; Ben only rate-limited; Carla's name only without its accent.
    """
    watcher = Watcher(write_config(tmp_path, f"{NOWHERE}/bsky", f"{NOWHERE}/social"))
    for name, email in STAFF:
        watcher("people", "add", "--name", name, "--email", email)
    db = open_database(load_config(watcher.config).database)
    now = datetime.now(UTC)  # what was recorded is dated from now; ages are asserted, never the time itself
    day = timedelta(days=1)
    record(db, "bluesky", "Ana Ruiz", "found", now - 2 * day)
    record(db, "bluesky", "Ben Okafor", "not_found", now - 2 * day)
    record(db, "bluesky", "Carla Díaz", "found", now - 10 * day)
    record(db, "bluesky", "Carla Díaz", "unknown: rate_limited", now - day)
    record(db, "mastodon", "Ana Ruiz", "not_found", now - day)
    record(db, "mastodon", "Ben Okafor", "unknown: rate_limited", now - day)
    record(db, "mastodon", "Carla Diaz", "found", now - day)  # a variant, not her full name
    db.conn.commit()
    return watcher, db


def test_status_shows_each_platforms_share_and_stalest_search(tmp_path):
    watcher, _ = three_enrolled(tmp_path)

    coverage = json.loads(watcher("status", "--json").output)["coverage"]
    assert coverage["window_days"] == 7 and "rate-limited searches do not count" in coverage["searched_means"]
    bluesky, mastodon = coverage["sources"]
    assert bluesky["source"] == "bluesky" and bluesky["searched_by"] == NAME
    assert (bluesky["enrolled"], bluesky["searched"], bluesky["share"]) == (3, 2, 0.6667)
    assert bluesky["never_searched"] == 0
    assert bluesky["stalest"] == "10 days" and bluesky["stalest_age_days"] == 10.0
    assert (mastodon["searched"], mastodon["never_searched"], mastodon["share"]) == (1, 2, 0.3333)
    assert mastodon["stalest"] == "never" and mastodon["stalest_age_days"] is None

    lines = watcher("status").output.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("staff searched in the last 7 days")))
    assert lines[start + 1 : start + 3] == [
        "  bluesky: 2 of 3 (66%) by full name; stalest search 10 days ago",
        "  mastodon: 1 of 3 (33%) by full name; stalest: never (2 never searched; oldest search 24 hours ago)",
    ]
    assert lines[start + 3].startswith("  (searched = the platform answered a search for the person's full name")


def test_weekly_digest_shows_coverage_in_both_parts(tmp_path):
    watcher, _ = three_enrolled(tmp_path)
    watcher("digest", "--send")  # the last complete week; coverage is counted as the digest is written

    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    (message,) = [BytesParser(policy=policy.default).parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
    text = message.get_body(("plain",)).get_content()
    section = text[text.index("STAFF SEARCHED IN THE LAST 7 DAYS") : text.index("SCAN COVERAGE")]
    assert "- bluesky: 2 of 3 (66%) by full name; stalest search 10 days ago\n" in section
    assert "- mastodon: 1 of 3 (33%) by full name; stalest: never (2 never searched;" in section
    assert "rate-limited searches do not count" in section
    html = message.get_body(("html",)).get_content()
    assert "Staff searched in the last 7 days</h2>" in html
    row = html[html.index(">bluesky</td>") : html.index("</tr>", html.index(">bluesky</td>"))]
    assert ">2 of 3</td>" in row and "<strong>66%</strong>" in row and ">10 days ago</td>" in row
    row = html[html.index(">mastodon</td>") : html.index("</tr>", html.index(">mastodon</td>"))]
    assert "<strong>33%</strong>" in row and "never: 2 never searched" in row


def test_seven_days_by_the_clock_given_and_namesakes_share_a_query(tmp_path):
    db = open_database(tmp_path / "watcher.db")
    people = [
        Person(1, "ana.ruiz@a.example", "Ana Ruiz"),
        Person(2, "ana.ruiz@b.example", "Ana  Ruiz"),  # a namesake: the same query covers both
        Person(3, "ben.okafor@a.example", "Ben Okafor"),
        Person(4, "cher@a.example", "Cher"),
    ]
    record(db, "bluesky", "ana ruiz", "found", NOW - timedelta(days=7))  # the window's first second
    record(db, "bluesky", "Ben Okafor", "not_found", NOW - timedelta(days=7, seconds=1))
    answered = scans_store.answered_queries(db, "bluesky", NAME)

    names = platform_coverage(people, "bluesky", NAME, answered, now=NOW)
    assert (names.enrolled, names.searched, names.never) == (4, 2, 1)
    assert names.stalest == "never" and names.oldest == NOW - timedelta(days=7, seconds=1)
    everyone_but_cher = platform_coverage(people[:3], "bluesky", NAME, answered, now=NOW - timedelta(seconds=1))
    assert everyone_but_cher.searched == 3 and everyone_but_cher.summary() == (
        "3 of 3 (100%) by full name; stalest search 7 days ago"
    )
    later = platform_coverage(people[:3], "bluesky", NAME, answered, now=NOW + timedelta(days=30))
    assert later.searched == 0 and later.percent == "0%" and later.stalest == "37 days"
    nobody = platform_coverage([], "bluesky", NAME, answered, now=NOW)
    assert nobody.share is None and nobody.stalest == "-"
    assert coverage_json([nobody], now=NOW)["sources"][0]["stalest_age_days"] is None
    assert PlatformCoverage("x", NAME, 100, 29, 0, NOW, NOW).percent == "29%"  # not 0.29 * 100 rounded down


def test_handle_only_sources_count_the_likeliest_username(tmp_path):
    db = open_database(tmp_path / "watcher.db")
    save_enrolments(db, [Enrolment("ana.ruiz@a.example", "Ana Ruiz"), Enrolment("cher@a.example", "Cher")])
    record(db, "devto", "anaruiz", "not_found", NOW - timedelta(hours=3), kind=HANDLE)
    record(db, "devto", "ana.ruiz", "found", NOW - timedelta(hours=1), kind=HANDLE)  # a later candidate
    record(db, "bluesky", "Ana Ruiz", "unknown: unavailable", NOW - timedelta(hours=1))
    sources = [
        SourceConfig("bluesky", "bluesky", f"{NOWHERE}/bsky"),
        SourceConfig("devto", "profile_pages", "https://dev.to", options={"site": "devto"}),
        SourceConfig("mystery", "no_such_type", NOWHERE),  # the scan reports an unknown type; coverage skips it
    ]
    bluesky, devto = staff_coverage(sources, db, now=NOW)
    assert (bluesky.searched, bluesky.never) == (0, 2)  # a failure is no search
    assert devto.searched_by == HANDLE and (devto.searched, devto.never) == (1, 1)  # "Cher" has no username
    assert devto.oldest == NOW - timedelta(hours=3) and devto.percent == "50%"


def test_an_answer_survives_a_later_failure_of_the_same_query(tmp_path):
    db = open_database(tmp_path / "watcher.db")
    record(db, "github", "Ana Ruiz", "found", NOW - timedelta(days=3))
    record(db, "github", "Ana Ruiz", "unknown: rate_limited", NOW - timedelta(days=1))
    record(db, "github", "Ben Okafor", "unknown: rate_limited", NOW)
    assert scans_store.answered_queries(db, "github") == {(NAME, "Ana Ruiz"): at(NOW - timedelta(days=3))}
    assert scans_store.query_ages(db, "github")[(NAME, "Ana Ruiz")] == at(NOW - timedelta(days=1))
    record(db, "github", "Ana Ruiz", "not_found", NOW)
    assert scans_store.answered_queries(db, "github", NAME) == {(NAME, "Ana Ruiz"): at(NOW)}
    assert scans_store.answered_queries(db, "github", HANDLE) == {}


def test_an_upgrade_keeps_the_answers_recorded_before(tmp_path):
    old = Database(tmp_path / "watcher.db")
    MIGRATIONS.apply(old, stop_before="0007_query_answered")
    old["query_state"].insert_all(
        [
            {"source": "bluesky", "kind": NAME, "query": "Ana Ruiz", "last_run_at": at(NOW), "outcome": "found"},
            {"source": "bluesky", "kind": NAME, "query": "Ben Okafor", "last_run_at": at(NOW), "outcome": "unknown: x"},
        ]
    )
    old.close()
    db = open_database(tmp_path / "watcher.db")
    assert scans_store.answered_queries(db, "bluesky") == {(NAME, "Ana Ruiz"): at(NOW)}


def test_the_query_that_counts_is_the_one_the_plan_ranks_first():
    world = build_world(strangers=0)
    people = [Person(i, row["email"], row["name"]) for i, row in enumerate(roster_rows(world), start=1)]
    planned = {q.key: q.for_people for q in plan_queries(people, DistrictConfig(DISTRICT, tuple(KEYWORDS)))}
    for person in people:
        by_name, by_handle = first_query(person, NAME), first_query(person, HANDLE)
        assert by_name.text == name_variants(person)[0] and by_handle.text == handle_candidates(person)[0]
        assert person.id in planned[by_name.key] and person.id in planned[by_handle.key]


def test_a_real_scan_covers_everyone_it_searched(scanned):
    coverage = json.loads(scanned("status", "--json").output)["coverage"]
    assert [s["source"] for s in coverage["sources"]] == ["bluesky", "mastodon"]
    for source in coverage["sources"]:
        assert source["enrolled"] == 8 and source["searched"] == 8 and source["share"] == 1.0
        assert source["stalest"] == "under 1 hour"
