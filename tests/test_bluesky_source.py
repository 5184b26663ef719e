"""The Bluesky adapter against a real local HTTP server speaking the AppView's shapes."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response

from sources.bluesky import BlueskySource
from sources.http import HttpClient
from watcher.config import NetworkConfig, SourceConfig
from watcher.errors import ParseError, SourceBlocked, SourceError, SourceUnavailable

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
SEARCH = "/bsky/xrpc/app.bsky.actor.searchActors"


def actor(n, **extra):
    return {"did": f"did:plc:{n}", "handle": f"user{n}.bsky.social", "displayName": f"User {n}", **extra}


def source(httpserver, **options):
    config = SourceConfig(name="bsky-test", type="bluesky", base_url=httpserver.url_for("/bsky"), **options)
    return BlueskySource(config, HttpClient(NET))


def test_follows_cursor_until_absent(httpserver):
    httpserver.expect_ordered_request(SEARCH, query_string={"q": "Jane Doe", "limit": "2"}).respond_with_json(
        {"actors": [actor(1), actor(2)], "cursor": "2"}
    )
    httpserver.expect_ordered_request(
        SEARCH, query_string={"q": "Jane Doe", "limit": "2", "cursor": "2"}
    ).respond_with_json({"actors": [actor(3, avatar="https://cdn.example/a.jpg", description="Hi")]})
    profiles = list(source(httpserver, page_size=2).search("Jane Doe"))
    assert [p.platform_id for p in profiles] == ["did:plc:1", "did:plc:2", "did:plc:3"]
    third = profiles[2]
    assert third.source == "bsky-test"
    assert third.profile_url == "https://bsky.app/profile/user3.bsky.social"
    assert third.avatar_url == "https://cdn.example/a.jpg" and third.description == "Hi"
    assert profiles[0].avatar_url is None
    httpserver.check_assertions()


def test_page_cap_and_repeated_cursor(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json({"actors": [actor(1)], "cursor": "same"})
    profiles = list(source(httpserver, page_size=1, max_pages=5).search("x"))
    assert len(profiles) == 2  # the second page repeats the cursor: stop
    assert len(httpserver.log) == 2


def test_page_cap(httpserver):
    pages = iter(range(100))
    httpserver.expect_request(SEARCH).respond_with_handler(
        lambda _req: Response(
            json.dumps({"actors": [actor(n := next(pages))], "cursor": str(n + 1)}), content_type="application/json"
        )
    )
    assert len(list(source(httpserver, page_size=1, max_pages=3).search("x"))) == 3
    assert len(httpserver.log) == 3


def test_skips_logged_out_opt_outs_and_malformed_actors(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(
        {
            "actors": [
                actor(1, labels=[{"val": "!no-unauthenticated"}]),
                {"handle": "nodid"},
                "junk",
                actor(2, displayName=None),
            ]
        }
    )
    profiles = list(source(httpserver).search("x"))
    assert [p.handle for p in profiles] == ["user2.bsky.social"]
    assert profiles[0].display_name == ""


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "text"),
    [
        (429, {"error": "RateLimitExceeded"}, {"Retry-After": "30"}, SourceBlocked, "retry after 30s"),
        (502, "bad gateway", {}, SourceUnavailable, "HTTP 502"),
        (403, "<html>challenge</html>", {}, SourceBlocked, "access refused"),
        (400, {"error": "InvalidRequest", "message": "Error: limit must be <= 100"}, {}, SourceError, "limit must be"),
        (200, "<html>are you a robot?</html>", {"Content-Type": "text/html"}, SourceBlocked, "HTML page where JSON"),
        (200, '{"actors": [', {}, ParseError, "not valid JSON"),
        (200, {"profiles": []}, {}, ParseError, "no 'actors' list"),
    ],
)
def test_errors_are_unknown_never_empty_answers(httpserver, status, body, headers, error, text):
    data = json.dumps(body) if isinstance(body, dict) else body
    httpserver.expect_request(SEARCH).respond_with_data(
        data, status=status, headers=headers, content_type=headers.get("Content-Type", "application/json")
    )
    with pytest.raises(error, match=text):
        list(source(httpserver).search("x"))


def test_unreachable_server():
    config = SourceConfig(name="b", type="bluesky", base_url="http://127.0.0.1:9/bsky")
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        list(BlueskySource(config, HttpClient(NET)).search("x"))


def test_sends_an_honest_user_agent(httpserver):
    httpserver.expect_request(SEARCH, headers={"User-Agent": NET.user_agent}).respond_with_json({"actors": []})
    assert list(source(httpserver).search("x")) == []
    httpserver.check_assertions()


def test_hostile_fields_are_cleaned_or_skipped(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(
        {
            "actors": [
                actor(
                    1, labels=5, displayName="Maria\u202e aicraG\r\nBcc: x@y.example\x1b[31m", description="a\n\x07b"
                ),
                actor(2, handle="bad handle"),
                {"did": "not-a-did", "handle": "x.bsky.social"},
                actor(3, displayName=["list"]),
            ]
        }
    )
    profiles = list(source(httpserver).search("x"))
    assert [p.platform_id for p in profiles] == ["did:plc:1", "did:plc:3"]
    assert profiles[0].display_name == "Maria aicraG Bcc: x@y.example [31m"
    assert profiles[0].description == "a\nb"
    assert profiles[1].display_name == ""
