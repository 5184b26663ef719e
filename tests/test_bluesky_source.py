"""The Bluesky adapter against a real local HTTP server speaking the AppView's shapes."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from werkzeug import Response

from sources.base import IMPERSONATION, SPAM
from sources.bluesky import BlueskySource
from sources.client import HttpClient
from watcher.config import NetworkConfig, SourceConfig
from watcher.demo.fake_appview import FakeAppView
from watcher.errors import ParseError, RateLimited, SourceBlocked, SourceError, SourceUnavailable

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
SEARCH = "/bsky/xrpc/app.bsky.actor.searchActors"
PROFILE = "/bsky/xrpc/app.bsky.actor.getProfile"
# packages/api/src/const.ts: BSKY_LABELER_DID, Bluesky's own moderation service.
MOD_SERVICE = "did:plc:ar7c4by46qjdydhdevvrndac"
OTHER_LABELER = "did:plc:otherlabeler"


def actor(n, **extra):
    return {"did": f"did:plc:{n}", "handle": f"user{n}.bsky.social", "displayName": f"User {n}", **extra}


def source(httpserver, clock=None, **options):
    config = SourceConfig(name="bsky-test", type="bluesky", base_url=httpserver.url_for("/bsky"), **options)
    if clock is None:
        return BlueskySource(config, HttpClient(NET))
    return BlueskySource(config, HttpClient(NET), clock=clock)


def label(n, val, src=None, **extra):
    """com.atproto.label.defs#label: ``src``, ``uri``, ``val``, ``cts`` required; ``neg``, ``exp`` optional.

    Without ``src`` it is a self-label as the AppView's ``selfLabels`` builds it: src is the account,
    uri its profile record.
    """
    uri = f"at://did:plc:{n}/app.bsky.actor.profile/self" if src is None else f"did:plc:{n}"
    return {"ver": 1, "src": src or f"did:plc:{n}", "uri": uri, "val": val, "cts": "2024-05-01T12:00:00.000Z", **extra}


def detailed(n, **extra):
    """app.bsky.actor.defs#profileViewDetailed, what getProfile answers."""
    return {
        **actor(n),
        "description": "Teacher",
        "avatar": f"https://cdn.example/img/avatar/plain/did:plc:{n}/bafkreia@jpeg",
        "banner": f"https://cdn.example/img/banner/plain/did:plc:{n}/bafkreib@jpeg",
        "followersCount": 3,
        "followsCount": 4,
        "postsCount": 5,
        "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
        "indexedAt": "2024-05-01T12:00:00.000Z",
        "createdAt": "2024-05-01T12:00:00.000Z",
        "labels": [],
        **extra,
    }


def at(year):
    return lambda: datetime(year, 1, 1, tzinfo=UTC)


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


def test_accounts_without_a_valid_handle_are_told_apart_by_did(httpserver):
    """packages/bsky views/index.ts profileBasic: ``handle: actor.handle ?? INVALID_HANDLE`` ('handle.invalid',
    packages/syntax handle.ts), and verification() notes the contract also allows an empty handle."""
    httpserver.expect_request(SEARCH).respond_with_json(
        {"actors": [actor(1, handle="handle.invalid"), actor(2, handle="handle.invalid"), actor(3, handle="")]}
    )
    profiles = list(source(httpserver).search("User"))
    assert [p.handle for p in profiles] == ["did:plc:1", "did:plc:2", "did:plc:3"]
    assert [p.profile_url for p in profiles] == [f"https://bsky.app/profile/did:plc:{n}" for n in (1, 2, 3)]
    assert len({p.account for p in profiles}) == 3


def test_only_labels_in_effect_are_kept(httpserver):
    """com.atproto.label.defs#label: ``neg`` "negation label, overwriting a previous label"; ``exp`` "timestamp at
    which this label expires (no longer applies)"."""
    labels = [
        label(1, "bot"),
        label(1, "porn", OTHER_LABELER),
        label(1, "porn", OTHER_LABELER, neg=True, cts="2024-06-01T00:00:00.000Z"),
        label(1, "sexual", MOD_SERVICE),
        label(1, "sexual", OTHER_LABELER, neg=True),  # another labeler's negation: MOD_SERVICE's label stands
        label(1, "graphic-media", OTHER_LABELER, exp="2000-01-01T00:00:00.000Z"),
        label(1, "nudity", OTHER_LABELER, exp="2999-01-01T00:00:00Z"),
    ]
    httpserver.expect_request(SEARCH).respond_with_json({"actors": [actor(1, labels=labels)]})
    (now,) = source(httpserver, clock=at(2030)).search("User 1")
    assert now.labels == ("bot", "sexual", "nudity")
    (then,) = source(httpserver, clock=at(1990)).search("User 1")
    assert then.labels == ("bot", "sexual", "graphic-media", "nudity")


@pytest.mark.parametrize(
    ("labels", "moderation"),
    [
        ([label(1, "impersonation", MOD_SERVICE)], (IMPERSONATION,)),
        ([label(1, "impersonation", OTHER_LABELER), label(1, "spam", MOD_SERVICE)], (IMPERSONATION, SPAM)),
        ([label(1, "scam", MOD_SERVICE)], (SPAM,)),
        ([label(1, "impersonation"), label(1, "spam")], ()),  # self-labels
        ([label(1, "impersonation", MOD_SERVICE), label(1, "impersonation", MOD_SERVICE, neg=True)], ()),
        ([label(1, "impersonation", MOD_SERVICE, exp="2001-01-01T00:00:00.000Z")], ()),
        ([label(1, "!warn", MOD_SERVICE), label(1, "bot")], ()),
    ],
)
def test_moderation_verdicts_come_from_other_labelers_in_effect(httpserver, labels, moderation):
    """packages/bsky hydration/label.ts: IMPERSONATION_LABEL = 'impersonation'; packages/api definitions/labels.json
    (before 6b53142ad7) defined 'spam' and 'scam' for accounts, each flagged 'no-self', and moderation/decision.ts
    skips a 'no-self' label whose src is the account itself."""
    httpserver.expect_request(SEARCH).respond_with_json({"actors": [actor(1, labels=labels)]})
    (profile,) = source(httpserver, clock=at(2030)).search("User 1")
    assert profile.moderation == moderation


def test_profile_website_goes_into_links(httpserver):
    """app.bsky.actor.defs#profileViewDetailed carries ``website`` (profileView does not); packages/bsky
    views/index.ts profileWebsite serves only https:// URLs, but we check every one anyway."""
    httpserver.expect_request(PROFILE, query_string={"actor": "user1.bsky.social"}).respond_with_json(
        detailed(1, website="https://school.example/~jane")
    )
    httpserver.expect_request(PROFILE, query_string={"actor": "user2.bsky.social"}).respond_with_json(
        detailed(2, website="javascript:alert(1)")
    )
    profile = source(httpserver).lookup("user1")
    assert profile.links == ("https://school.example/~jane",)
    assert profile.banner_url.startswith("https://cdn.example/img/banner/")
    assert source(httpserver).lookup("user2").links == ()


def test_logged_out_opt_out_exists_but_is_not_shown(httpserver):
    """packages/bsky: getProfile.ts throws only "Profile not found", AccountTakedown and AccountDeactivated, so an
    account self-labelled '!no-unauthenticated' (views selfLabels: src = the account, uri = its profile record) is
    answered normally; only the client hides it from logged-out viewers."""
    opted_out = detailed(1, labels=[label(1, "!no-unauthenticated")])
    httpserver.expect_request(PROFILE).respond_with_json(opted_out)
    httpserver.expect_request(SEARCH).respond_with_json({"actors": [opted_out, actor(2)]})
    with pytest.raises(SourceBlocked, match="asks not to be shown to logged-out viewers"):
        source(httpserver).lookup("user1")
    with pytest.raises(SourceBlocked, match="asks not to be shown to logged-out viewers"):
        source(httpserver).fetch("did:plc:1", "user1.bsky.social")
    assert [p.platform_id for p in source(httpserver).search("User")] == ["did:plc:2"]


def test_pages_on_through_empty_and_short_pages_while_the_cursor_is_new(httpserver):
    """packages/bsky api/util.ts fillPage stops after a few requests with the page short (or empty) and the cursor
    kept; searchActors.json: ``cursor`` is optional."""
    pages = [({"actors": [], "cursor": "1718000000000__did:plc:a"}, None)]
    pages.append(({"actors": [actor(1)], "cursor": "1717000000000__did:plc:1"}, "1718000000000__did:plc:a"))
    pages.append(({"actors": [actor(2)]}, "1717000000000__did:plc:1"))
    for body, cursor in pages:
        query = {"q": "User", "limit": "3"} | ({"cursor": cursor} if cursor else {})
        httpserver.expect_ordered_request(SEARCH, query_string=query).respond_with_json(body)
    profiles = list(source(httpserver, page_size=3, max_pages=5).search("User"))
    assert [p.platform_id for p in profiles] == ["did:plc:1", "did:plc:2"]
    assert len(httpserver.log) == 3
    httpserver.check_assertions()


# --- fetch: a profile asked again by its id (the re-checks), alone ------------------------------


def bluesky(base_url: str) -> BlueskySource:
    return BlueskySource(SourceConfig(name="bsky", type="bluesky", base_url=base_url), HttpClient(NET))


def test_bluesky_fetch_asks_by_did_and_knows_the_gone_shapes(world):
    actors = [deepcopy(a) for a in world.actors[:4]]
    with FakeAppView(actors, world.images) as server:
        source = bluesky(server.base_url)
        first = actors[0]
        profile = source.fetch(first["did"], "an-old-handle.bsky.social")
        assert (profile.platform_id, profile.handle) == (first["did"], first["handle"])
        assert profile.raw_type == "application/json" and json.loads(profile.raw)["did"] == first["did"]
        assert server.requests[-1].endswith(f"getProfile?actor={quote(first['did'])}")
        searched = list(source.search(first["displayName"]))
        assert searched and all(json.loads(p.raw)["did"] == p.platform_id for p in searched)

        server.taken_down.add(actors[0]["did"])
        server.deactivated.add(actors[1]["did"])
        server.actors.remove(actors[2])
        assert [source.fetch(a["did"], a["handle"]) for a in actors[:3]] == [None, None, None]
        assert first["did"] not in {p.platform_id for p in source.search(first["displayName"])}

        actors[3]["labels"] = [{"val": "!no-unauthenticated"}]  # opted out since: not gone, not shown
        with pytest.raises(SourceBlocked):
            source.fetch(actors[3]["did"], actors[3]["handle"])


@pytest.mark.parametrize(
    "status, body, error",
    [
        (400, {"error": "InvalidRequest", "message": "Error: actor must be a valid did or a handle"}, SourceError),
        (400, "<html><body>Profile not found</body></html>", SourceError),  # a proxy's page, not the AppView
        (404, {"error": "NotFound", "message": "Profile not found"}, SourceError),
        (500, {"error": "InternalServerError"}, SourceUnavailable),
        (502, "Bad Gateway", SourceUnavailable),
        (429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, RateLimited),
        (200, "<html>Just a moment...</html>", SourceBlocked),
        (200, {"profile": "?"}, ParseError),
    ],
)
def test_bluesky_fetch_unknown_is_never_gone(httpserver, status, body, error):
    kwargs = {"content_type": "application/json"} if isinstance(body, dict) else {"content_type": "text/html"}
    data = json.dumps(body) if isinstance(body, dict) else body
    httpserver.expect_request(PROFILE).respond_with_data(data, status=status, **kwargs)
    with pytest.raises(error):
        bluesky(httpserver.url_for("/bsky")).fetch("did:plc:abc", "abc.bsky.social")
