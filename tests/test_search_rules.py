"""The stand-ins search as the platforms do (platform-notes, "How each platform's search really
matches"): the cases below are the ones that notes and issue 12 name, checked through the real
stand-in servers and the real adapters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sources.bluesky import BlueskySource
from sources.client import HttpClient
from sources.mastodon import MastodonSource
from watcher.config import NetworkConfig, SourceConfig
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon, account
from watcher.demo.search_rules import every_word, handle_substring, phrase_prefix

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
NAMES = ["Patricia K. Anderson", "Graciela.Cruz", "Brittany Álvarez", "Anderson, Patricia", "Ana Ruiz"]


def actors() -> list[dict]:
    handles = ["pkanderson", "gracielacruz", "brit-alvarez", "andersonp", "ana"]
    return [
        {"did": f"did:plc:s{n}", "handle": f"{h}.bsky.social", "displayName": name, "description": ""}
        for n, (h, name) in enumerate(zip(handles, NAMES, strict=True))
    ] + [{"did": "did:plc:s9", "handle": "coach.bsky.social", "displayName": "Coach", "description": "Go Bayview!"}]


@pytest.fixture(scope="module")
def appviews():
    with FakeAppView(actors(), search="service") as service, FakeAppView(actors(), search="handles") as handles:
        yield {"service": service, "handles": handles}


@pytest.fixture(scope="module")
def mastodon_server():
    usernames = ["pkanderson", "gcruz", "brit_alvarez", "andersonp", "ana"]
    accounts = [account(n, u, name) for n, (u, name) in enumerate(zip(usernames, NAMES, strict=True))]
    accounts.append(account(9, "coach", "Coach", "<p>Go Bayview!</p>"))
    with FakeMastodon(accounts) as server:
        yield server


@pytest.mark.parametrize(
    ("query", "service", "handles_only"),
    [
        ("Patricia Anderson", {"Patricia K. Anderson", "Anderson, Patricia"}, set()),  # every word, any order
        ("Patricia K. Anderson", {"Patricia K. Anderson"}, set()),  # "k" is a word too
        ("Graciela Cruz", set(), set()),  # "Graciela.Cruz" is one word
        ("graciela.cruz", {"Graciela.Cruz"}, set()),
        ("Brittany Alvarez", {"Brittany Álvarez"}, set()),  # accents folded
        ("gracielacruz", {"Graciela.Cruz"}, {"Graciela.Cruz"}),  # the handle's first label
        ("anderson", {"Patricia K. Anderson", "Anderson, Patricia"}, {"Patricia K. Anderson", "Anderson, Patricia"}),
        ("Bayview", {"Coach"}, set()),  # the bio is searched
        ("Anderson", {"Patricia K. Anderson", "Anderson, Patricia"}, set()),  # handles: case-sensitive substring
    ],
)
def test_bluesky_search_service_and_the_appview_as_published(appviews, query, service, handles_only):
    config = SourceConfig(name="bluesky", type="bluesky", base_url="", page_size=25, max_pages=2)
    for mode, expected in (("service", service), ("handles", handles_only)):
        source = BlueskySource(replace(config, base_url=appviews[mode].base_url), HttpClient(NET))
        assert {p.display_name for p in source.search(query)} == expected, mode


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Patricia Anderson", set()),  # a phrase: the initial sits between
        ("Patricia K Anderson", {"Patricia K. Anderson"}),
        ("Patricia", {"Patricia K. Anderson", "Anderson, Patricia"}),
        ("Anderson Patricia", {"Anderson, Patricia"}),  # in order, adjacent
        ("Graciela Cruz", set()),  # "graciela.cruz" is one word to PostgreSQL's parser
        ("graciela.cr", {"Graciela.Cruz"}),  # each word a prefix
        ("Brittany Alvarez", set()),  # accents count
        ("Brittany Álv", {"Brittany Álvarez"}),
        ("brit", {"Brittany Álvarez"}),  # the username too ("brit_alvarez")
        ("Bayview", set()),  # the bio is not searched
    ],
)
def test_mastodon_database_search(mastodon_server, query, expected):
    config = SourceConfig(name="m", type="mastodon", base_url=mastodon_server.base_url, page_size=40, max_pages=1)
    assert {p.display_name for p in MastodonSource(config, HttpClient(NET)).search(query)} == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Anderson P", {"Patricia K. Anderson", "Anderson, Patricia"}),  # the last word a prefix
        ("Patricia And", {"Patricia K. Anderson", "Anderson, Patricia"}),
        ("Cruz G", set()),  # "graciela.cruz" is one word: "cruz" is not one of its words
        ("graciela.c", {"Graciela.Cruz"}),
        ("Brittany A", {"Brittany Álvarez"}),
        ("Bayv", set()),  # the bio is not read
    ],
)
def test_bluesky_typeahead(appviews, query, expected):
    """``app.bsky.actor.searchActorsTypeahead`` (lexicon: "a prefix search term"; palomar's
    ``DoSearchProfilesTypeahead``: ``bool_prefix`` with operator ``and`` over a
    ``search_as_you_type`` copy of the handle and display name)."""
    config = SourceConfig(name="bluesky", type="bluesky", base_url=appviews["service"].base_url)
    found = list(BlueskySource(config, HttpClient(NET)).search_prefix(query))
    assert {p.display_name for p in found} == expected
    assert all(p.description == "" for p in found)  # a profileViewBasic carries no bio
    assert any("searchActorsTypeahead" in r and "limit=100" in r for r in appviews["service"].requests)


def test_an_exact_acct_comes_first_on_mastodon_and_nothing_matches_nothing():
    records = [{"acct": "ana@other.example", "display_name": "Ana Ruiz"}, {"acct": "ana", "display_name": "Ana"}]
    assert [r["acct"] for r in phrase_prefix(records, "@ana@other.example", ("display_name",), "acct")] == [
        "ana@other.example"
    ]
    assert [r["acct"] for r in phrase_prefix(records, "Ana", ("display_name",), "acct")] == ["ana", "ana@other.example"]
    assert phrase_prefix(records, "  ", ("display_name",), "acct") == []
    assert every_word(records, "", ("display_name",), "acct") == [] and handle_substring(records, "", "acct") == []
