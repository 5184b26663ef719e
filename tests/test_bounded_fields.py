"""Every field a source stores is bounded: an identifier longer than its platform publishes is
refused with a log line (never cut into someone else's), a URL longer than ``MAX_URL`` is dropped
(never cut into another URL), and lists of links and labels are capped.

Each adapter is asked through a real local server speaking its platform's shapes.
"""

from __future__ import annotations

import json
import logging

import pytest

from sources.base import MAX_LINKS
from sources.bluesky import MAX_DID, MAX_HANDLE, MAX_LABEL, MAX_LABELS, BlueskySource
from sources.client import HttpClient
from sources.github import GitHubSource
from sources.mastodon import MAX_ACCOUNT_ID, MAX_ACCT, MastodonSource
from sources.profile_pages import ProfilePagesSource
from watcher.config import NetworkConfig, SourceConfig
from watcher.errors import ParseError
from watcher.text import MAX_URL

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
LONG_URL = "https://cdn.example/" + "a" * (MAX_URL - 19)  # one character over
assert len(LONG_URL) == MAX_URL + 1


def make(cls, httpserver, kind, path):
    return cls(SourceConfig(name=kind, type=kind, base_url=httpserver.url_for(path)), HttpClient(NET))


def skipped(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "skipping an account whose" in r.getMessage()]


# --- Bluesky --------------------------------------------------------------------


def actor(did, handle, **extra):
    return {"did": did, "handle": handle, "displayName": "Maria Garcia", **extra}


def test_bluesky_over_long_did_and_handle_are_skipped_with_a_log_line(httpserver, caplog):
    """Attack: an AppView answer with a DID over atproto's 2,048 characters, or a handle over the
    253 of a domain name: stored whole it bloats every table and alert that names the account."""
    long_did = "did:web:" + "a" * (MAX_DID - 7)
    long_handle = ("a" * 60 + ".") * 4 + "bsky.social"  # 255 characters, every label within 63
    assert len(long_did) == MAX_DID + 1 and len(long_handle) > MAX_HANDLE
    answer = {
        "actors": [
            actor(long_did, "ok.bsky.social"),
            actor("did:plc:2", long_handle),
            actor("did:plc:3", "m.bsky.social"),
        ]
    }
    httpserver.expect_request("/b/xrpc/app.bsky.actor.searchActors").respond_with_json(answer)
    with caplog.at_level(logging.WARNING):
        profiles = list(make(BlueskySource, httpserver, "bluesky", "/b").search("Maria Garcia"))
    assert [p.platform_id for p in profiles] == ["did:plc:3"]
    assert skipped(caplog) == [
        f"bluesky: skipping an account whose DID is {MAX_DID + 1} characters long (at most {MAX_DID})",
        f"bluesky: skipping an account whose handle is {len(long_handle)} characters long (at most {MAX_HANDLE})",
    ]


def test_bluesky_images_and_links_must_be_clean_bounded_urls(httpserver):
    """Attack: avatar and banner fields were stored as sent: a 2,001-character URL, a javascript: URL,
    a URL with a line break (an image fetch, an alert link, a log line built from it)."""
    answer = {
        "actors": [
            actor("did:plc:1", "a.bsky.social", avatar=LONG_URL, banner="javascript:alert(1)", website=LONG_URL),
            actor("did:plc:2", "b.bsky.social", avatar="https://cdn.example/a\r\n.jpg", banner=""),
            actor("did:plc:3", "c.bsky.social", avatar="https://cdn.example/ok.jpg", banner=LONG_URL[:MAX_URL]),
        ]
    }
    httpserver.expect_request("/b/xrpc/app.bsky.actor.searchActors").respond_with_json(answer)
    first, second, third = make(BlueskySource, httpserver, "bluesky", "/b").search("x")
    assert (first.avatar_url, first.banner_url, first.links) == (None, None, ())
    assert (second.avatar_url, second.banner_url) == (None, None)
    assert third.avatar_url == "https://cdn.example/ok.jpg" and third.banner_url == LONG_URL[:MAX_URL]


def test_bluesky_labels_are_bounded_clean_and_never_crash(httpserver):
    """Attack: labels with values longer than the lexicon's 128, with terminal escapes, hundreds of
    them, and a ``src`` that is a list (which made reading the labels raise TypeError and end the scan)."""
    labels = [{"src": "did:plc:mod", "val": f"label-{n}"} for n in range(300)]
    labels += [
        {"src": "did:plc:mod", "val": "x" * (MAX_LABEL + 1)},
        {"src": "did:plc:mod", "val": "\x1b[2Jimpersonation"},
        {"src": ["did:plc:mod"], "val": "spam", "neg": True},
        {"src": {"did": "x"}, "val": "porn"},
    ]
    answer = {"actors": [actor("did:plc:1", "a.bsky.social", labels=labels)]}
    httpserver.expect_request("/b/xrpc/app.bsky.actor.searchActors").respond_with_json(answer)
    (profile,) = make(BlueskySource, httpserver, "bluesky", "/b").search("x")
    assert profile.labels == tuple(f"label-{n}" for n in range(MAX_LABELS))
    assert profile.moderation == ()


# --- Mastodon --------------------------------------------------------------------


def account(account_id, acct, **extra):
    return {"id": account_id, "username": acct.partition("@")[0], "acct": acct, "display_name": "Maria", **extra}


def test_mastodon_over_long_id_and_acct_are_skipped_with_a_log_line(httpserver, caplog):
    """Attack: a server federating an account whose id or user@domain is hundreds of characters: it
    was stored whole (id) or cut at 300 characters into another handle (acct)."""
    long_id, long_acct = "9" * (MAX_ACCOUNT_ID + 1), "maria@" + "a" * (MAX_ACCT - 5)
    answer = {"accounts": [account(long_id, "maria"), account("2", long_acct), account("3", "maria@ok.example")]}
    httpserver.expect_request("/m/api/v2/search").respond_with_json(answer)
    with caplog.at_level(logging.WARNING):
        profiles = list(make(MastodonSource, httpserver, "mastodon", "/m").search("maria"))
    assert [p.handle for p in profiles] == ["maria@ok.example"]
    assert skipped(caplog) == [
        f"mastodon: skipping an account whose id is {MAX_ACCOUNT_ID + 1} characters long (at most {MAX_ACCOUNT_ID})",
        f"mastodon: skipping an account whose acct is {MAX_ACCT + 1} characters long (at most {MAX_ACCT})",
    ]


def test_mastodon_links_and_images_are_capped(httpserver):
    """Attack: a profile with hundreds of link fields, and over-long avatar and profile URLs."""
    anchors = "".join(f'<a href="https://site{n}.example/">s</a>' for n in range(60))
    fields = [{"name": f"f{n}", "value": anchors} for n in range(10)]
    answer = {"accounts": [account("1", "maria", fields=fields, avatar=LONG_URL, avatar_static=LONG_URL, url=LONG_URL)]}
    httpserver.expect_request("/m/api/v2/search").respond_with_json(answer)
    (profile,) = make(MastodonSource, httpserver, "mastodon", "/m").search("maria")
    assert profile.links == tuple(f"https://site{n}.example/" for n in range(MAX_LINKS))
    assert profile.avatar_url is None
    assert profile.profile_url == httpserver.url_for("/m/@maria")


# --- GitHub -----------------------------------------------------------------------


def user(user_id):
    return {"login": "mgarcia", "id": user_id, "html_url": "https://github.com/mgarcia", "type": "User"}


@pytest.mark.parametrize("user_id", [2**63, 10**4000], ids=["2**63", "4001 digits"])
def test_github_id_beyond_int64_is_refused(httpserver, caplog, user_id):
    """Attack: an answer whose numeric id has thousands of digits: it was stored whole as the
    platform id (GitHub's ids are int64)."""
    httpserver.expect_request("/gh/users/mgarcia").respond_with_data(
        json.dumps(user(user_id)), content_type="application/json"
    )
    source = GitHubSource(
        SourceConfig(name="github", type="github", base_url=httpserver.url_for("/gh")), HttpClient(NET)
    )
    with caplog.at_level(logging.WARNING), pytest.raises(ParseError, match="not a user"):
        source.lookup("mgarcia")
    assert [r.getMessage() for r in caplog.records if "id is" in r.getMessage()] == [
        f"github: skipping a user whose id is {user_id.bit_length()} bits long (at most 63)"
    ]


# --- profile pages -------------------------------------------------------------------

SITE = {
    "name": "Demo Pages",
    "base_url": "https://pages.example",
    "profile_path": "/@/{handle}",
    "handle_pattern": "^[A-Za-z0-9_]{2,400}$",
    "exists": {"status": 200, "contains": 'data-profile-owner="1"'},
    "missing": {"status": 404},
    "known_existing": ["jane"],
    "known_missing": ["nobody"],
    "protection": [],
    "terms": "a test site",
}


@pytest.fixture
def pages(httpserver, tmp_path):
    sites = tmp_path / "sites.json"
    sites.write_text(json.dumps({"sites": {"demo": SITE}}))
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    config = SourceConfig(
        name="pages",
        type="profile_pages",
        base_url=httpserver.url_for("").rstrip("/"),
        options={"site": "demo", "sites_file": str(sites)},
    )
    return ProfilePagesSource(config, HttpClient(NET))


def test_profile_page_at_an_over_long_address_is_unknown(httpserver, pages):
    """Attack: the site redirects the profile to a same-site address of thousands of characters,
    which became the stored platform id and profile link."""
    long_path = "/@/jane/" + "x" * MAX_URL
    httpserver.expect_request("/@/jane").respond_with_data("", status=302, headers={"Location": long_path})
    httpserver.expect_request(long_path).respond_with_data('<body data-profile-owner="1">Jane</body>')
    with pytest.raises(ParseError, match=f"address is {len(httpserver.url_for(long_path))} characters long"):
        pages.lookup("jane")


def test_profile_page_over_long_username_is_not_cut_into_a_handle(httpserver, pages):
    """Attack: a ``profile:username`` of 400 characters was cut to its first 300, a handle the site
    could have and that names someone else."""
    page = f'<head><meta property="profile:username" content="{"b" * 400}"></head><body data-profile-owner="1"></body>'
    httpserver.expect_request("/@/jane").respond_with_data(page)
    assert pages.lookup("jane").handle == "jane"
