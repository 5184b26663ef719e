"""A scan that sees nothing says so; a search that matches only handles still finds impostors.

Real scans through the CLI against the Bluesky stand-in searching as the platform does (see
``watcher/demo/search_rules.py``), real SQLite, and a stand-in whose search answers every query
with an empty list and HTTP 200, as Bluesky's AppView does for name queries without its search
service (platform-notes).
"""

from __future__ import annotations

import json
from copy import deepcopy
from http.server import BaseHTTPRequestHandler

from conftest import Watcher, write_config
from test_digest import TZ, moment

from sources.base import SearchRule
from storage import open_database
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.demo.sample import OFFICIAL
from watcher.demo.server import send_json
from watcher.models import Person, Profile
from watcher.sight import canary_query, check_sight, known_accounts
from watcher.weeks import last_complete_week


class EmptySearch(FakeAppView):
    """An AppView whose ``searchActors`` and typeahead answer every query with ``{"actors": []}``."""

    def route(self, request: BaseHTTPRequestHandler, path: str, params: dict[str, list[str]]) -> bool:
        if path.startswith(f"{self.prefix}/xrpc/app.bsky.actor.searchActors"):
            send_json(request, 200, {"actors": []})
            return True
        return super().route(request, path, params)


def bluesky_impostors(world, found) -> set[str]:
    return {
        f["handle"]
        for f in found
        if f["source"] == "bluesky" and world.label_of("bluesky", f["handle"]).startswith("impostor")
    }


def test_a_search_that_answers_nothing_is_degraded_in_every_report(tmp_path, roster, world):
    with EmptySearch(world.actors, world.images) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        text = watcher("scan").output
        report = json.loads(watcher("scan", "--json").output)
        status = watcher("status").output
        db = open_database(tmp_path / "watcher.db")
        assert [r["status"] for r in db.query("SELECT status FROM scan_runs")] == ["degraded", "degraded"]
        week = last_complete_week(TZ)
        db.execute("UPDATE scan_runs SET started_at = ?", [moment(week, 2)])
        db.conn.commit()
        digest = watcher("digest").output  # the last complete week's
    assert "source bluesky DEGRADED: search did not return any of its 2 known accounts" in text
    assert report["status"] == "degraded" and report["profiles_seen"] == 0
    reason = report["by_source"]["bluesky"]["degraded"]
    assert reason.startswith("search did not return any of its 2 known accounts (@svusd.bsky.social")
    assert report["by_source"]["bluesky"]["known_seen"] == "0/2"
    assert any(p["reason"] == "degraded" for p in report["problems"])
    assert f"DEGRADED in the last scan: {reason}" in status and "last successful scan never" in status
    assert "DEGRADED in 2 scans: search did not return any of its 2 known accounts" in digest


def test_the_appview_as_published_is_searched_by_handle_and_is_not_blind(tmp_path, roster, world):
    """Without a search service the AppView matches a case-sensitive substring of the handle: name
    queries find nothing, handle-shaped ones ("jltorres", "pacohernandez") find the impostors whose
    handle is made of the name, and the official account answers to its handle."""
    with FakeAppView(world.actors, world.images, search="handles") as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        report = json.loads(watcher("scan", "--json").output)
        found = json.loads(watcher("findings", "--json").output)
    assert report["by_source"]["bluesky"]["degraded"] is None and report["status"] != "degraded"
    assert report["by_source"]["bluesky"]["known_seen"].startswith(("1/", "2/"))
    assert {"pacohernandez.bsky.social", "lupe-ramirez.bsky.social"} <= bluesky_impostors(world, found)


def test_the_service_search_finds_what_the_demo_places_and_sees_its_known_accounts(tmp_path, roster, world, appview):
    watcher = Watcher(write_config(tmp_path, appview.base_url))
    report = json.loads(watcher("scan", "--json").output)
    found = json.loads(watcher("findings", "--json").output)
    placed = {h for h, label in world.expected.items() if label.startswith("impostor") and "." in h}
    assert bluesky_impostors(world, found) == placed
    assert report["by_source"]["bluesky"]["degraded"] is None and report["by_source"]["bluesky"]["known_seen"] == "2/2"


class Canaries:
    """A source that answers searches from a table, for ``check_sight`` on its own."""

    name = "bluesky"
    query_kinds = frozenset({"name"})

    def __init__(self, answers: dict[str, list[str]], rule: SearchRule) -> None:
        self.answers, self.search_rule, self.asked = answers, rule, []

    def search(self, query: str):
        self.asked.append(query)
        return [Profile("bluesky", f"did:{h}", h) for h in self.answers.get(query, [])]


def test_known_accounts_returned_by_the_scan_need_no_canary():
    source = Canaries({}, SearchRule(handles=True))
    sight = check_sight(
        source, ["svusd.bsky.social"], [Profile("bluesky", "d", "SVUSD.bsky.social")], answered=5, found=1
    )
    assert (sight.seen, sight.asked, sight.degraded) == (1, 0, None)


def test_a_canary_found_by_its_handle_clears_the_source():
    source = Canaries({"svusd": ["svusd.bsky.social"]}, SearchRule(handles=True))
    sight = check_sight(source, ["svusd.bsky.social", "x.bsky.social"], [], answered=5, found=0)
    # Every query came back empty, yet search returned a known account: it works.
    assert (sight.seen, sight.asked, sight.degraded) == (1, 1, None) and source.asked == ["svusd"]


def test_no_canary_where_search_cannot_match_handles_but_all_empty_is_still_degraded():
    source = Canaries({}, SearchRule())
    sight = check_sight(source, ["octocat"], [], answered=4, found=0)
    assert source.asked == [] and sight.degraded == "all 4 queries came back empty"
    assert check_sight(source, ["octocat"], [], answered=2, found=0).degraded is None  # too few to tell


def test_known_accounts_official_first_with_the_servers_domain():
    people = [Person(1, "a@x.example", "Ana Ruiz", accounts=frozenset({"mastodon:@ana", "bluesky:ana.bsky.social"}))]
    assert known_accounts("mastodon", {"mastodon:svusd@social.example"}, people, "social.example") == [
        "svusd@social.example",
        "ana@social.example",
    ]
    assert canary_query("svusd.bsky.social") == "svusd" and canary_query("@jdoe@server.example") == "jdoe"
    assert OFFICIAL.startswith(canary_query(OFFICIAL))


def test_a_photo_under_another_name_on_mastodon_is_met_through_the_directory(tmp_path, roster, world, appview):
    """Mastodon's search reads names and usernames, never bios: "Reading Buddies" wearing Aisha
    Rahman's photo answers no query made for anyone. The server's profile directory lists it."""
    (copied,) = [deepcopy(a) for a in world.mastodon if a["username"] == "aisha_rahman"]
    copied |= {"username": "readingbuddies", "acct": "readingbuddies", "display_name": "Reading Buddies"}
    copied["note"] = "<p>Stories every week</p>"
    with FakeMastodon([copied], world.mastodon_images, prefix="/social") as mastodon:
        watcher = Watcher(write_config(tmp_path, appview.base_url, mastodon.base_url))
        report = json.loads(watcher("scan", "--json").output)
        found = json.loads(watcher("findings", "--json", "--source", "mastodon").output)
        asked = [r for r in mastodon.requests if "/api/v2/search" in r]
    assert report["by_source"]["mastodon"]["found"] == 0 and asked  # search never returned it
    assert report["by_source"]["mastodon"]["listed"] == 1
    assert [(f["handle"], f["person"], f["evidence"]["rule"]) for f in found] == [
        (f"readingbuddies@{mastodon.host}", "aisha.rahman@svusd.example", "photo")
    ]


def test_a_name_disguised_in_one_half_is_found_by_typeahead(tmp_path, roster, world):
    """Bluesky's whole-word search never returns "Mar1a Garcia" for any spelling of María García;
    its typeahead does, for "García M" (the last word a prefix)."""
    (impostor,) = [deepcopy(a) for a in world.actors if a["handle"] == "maria-garcia-noble.bsky.social"]
    impostor |= {"handle": "mg-noble.bsky.social", "displayName": "Mar1a Garcia", "description": ""}
    official = [a for a in world.actors if a["handle"] == OFFICIAL]
    with FakeAppView([impostor, *official], world.images) as server:
        watcher = Watcher(write_config(tmp_path, server.base_url))
        watcher("scan")
        found = json.loads(watcher("findings", "--json", "--source", "bluesky").output)
        typed = [r for r in server.requests if "searchActorsTypeahead" in r]
    assert [(f["handle"], f["person"]) for f in found] == [("mg-noble.bsky.social", "maria.garcia@svusd.example")]
    assert typed and all("searchActors?" not in r for r in typed)
