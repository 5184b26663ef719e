"""The GitHub adapter against a real local HTTP server speaking the REST API's shapes.

The client runs on a fake clock: search has a budget of its own (10 or 30 a minute, one
request every 6 or 2 seconds), and the sleeps it asks for are recorded instead of waited.
"""

from __future__ import annotations

import json
import logging
import time

import pytest

from sources.client import HttpClient
from sources.github import GitHubSource
from watcher.config import NetworkConfig, SourceConfig
from watcher.errors import ConfigError, ParseError, RateLimited, SourceBlocked, SourceError, SourceUnavailable

# max_wait above the 6 s between anonymous searches: the fake clock makes every wait instant.
NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=10)
SEARCH = "/gh/search/users"
TOKEN = "ghp_s3cretTokenValue"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def item(n, **extra):
    """A search item: no name or bio."""
    return {
        "login": f"user{n}",
        "id": 5000 + n,
        "node_id": f"MDQ6VXNlcj{n}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{5000 + n}?v=4",
        "url": f"https://api.github.com/users/user{n}",
        "html_url": f"https://github.com/user{n}",
        "type": "User",
        "site_admin": False,
        "score": 1.0,
        **extra,
    }


def user(n, **extra):
    """``GET /users/{login}``."""
    full = item(n, name=f"User {n}", company=None, blog="", location=None, bio=None, twitter_username=None)
    full.pop("score")
    full.update(public_repos=2, followers=1, following=0, created_at="2020-01-01T00:00:00Z")
    full.update(extra)
    return full


def page(*items, total=None):
    return {"total_count": len(items) if total is None else total, "incomplete_results": False, "items": list(items)}


def source(httpserver, clock, page_size=25, max_pages=4, **options):
    config = SourceConfig(
        name="gh",
        type="github",
        base_url=httpserver.url_for("/gh"),
        page_size=page_size,
        max_pages=max_pages,
        options=options,
    )
    return GitHubSource(config, HttpClient(NET, sleep=clock.sleep, clock=clock))


def test_search_fetches_each_profile(httpserver, clock):
    httpserver.expect_request(
        SEARCH, query_string={"q": "Jane Doe in:name", "per_page": "25", "page": "1"}, headers=API_HEADERS
    ).respond_with_json(page(item(1, login="JaneDoe"), item(2, type="Organization")))
    httpserver.expect_request("/gh/users/JaneDoe", headers=API_HEADERS).respond_with_json(
        user(
            1,
            login="JaneDoe",
            name="Jane Doe",
            bio="Math teacher",
            company="@example-usd",
            blog="jane.example",
            twitter_username="janedoe",
        )
    )
    httpserver.expect_request("/gh/users/user2").respond_with_json(
        user(2, type="Organization", blog="http://b.example")
    )
    jane, org = source(httpserver, clock).search("Jane Doe")
    assert jane.source == "gh" and jane.platform_id == "5001"
    assert jane.handle == "janedoe" and jane.account == "gh:janedoe"
    assert jane.display_name == "Jane Doe"
    assert jane.description == "Math teacher\n@example-usd"
    assert jane.avatar_url == "https://avatars.githubusercontent.com/u/5001?v=4"
    assert jane.profile_url == "https://github.com/user1"
    assert jane.links == ("https://jane.example", "https://x.com/janedoe")
    assert jane.labels == ()
    assert org.labels == ("organization",) and org.links == ("http://b.example",)
    assert "Authorization" not in httpserver.log[0][0].headers
    httpserver.check_assertions()


def test_detail_limit_caps_profile_requests(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1), item(2), item(3)))
    httpserver.expect_request("/gh/users/user1").respond_with_json(user(1, bio="Teacher"))
    first, second, third = source(httpserver, clock, detail_limit=1).search("x")
    assert first.display_name == "User 1" and first.description == "Teacher"
    assert (second.handle, second.display_name, second.description) == ("user2", "", "")
    assert second.avatar_url == "https://avatars.githubusercontent.com/u/5002?v=4"
    assert third.profile_url == "https://github.com/user3"
    assert [r.path for r, _ in httpserver.log] == [SEARCH, "/gh/users/user1"]


def test_detail_limit_must_be_a_count(httpserver, clock):
    with pytest.raises(ConfigError, match="detail_limit"):
        source(httpserver, clock, detail_limit="ten")


def test_empty_search(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page())
    assert list(source(httpserver, clock).search("Nobody Here")) == []
    assert len(httpserver.log) == 1


def test_pages_until_a_short_page(httpserver, clock):
    base = {"q": "x in:name", "per_page": "2"}
    httpserver.expect_ordered_request(SEARCH, query_string={**base, "page": "1"}).respond_with_json(
        page(item(1), item(2), total=50)
    )
    httpserver.expect_ordered_request(SEARCH, query_string={**base, "page": "2"}).respond_with_json(
        page(item(3), total=50)
    )
    profiles = list(source(httpserver, clock, page_size=2, max_pages=4, detail_limit=0).search("x"))
    assert [p.handle for p in profiles] == ["user1", "user2", "user3"]
    httpserver.check_assertions()


def test_pages_until_the_total_or_the_page_cap(httpserver, clock):
    httpserver.expect_request(SEARCH, query_string={"q": "x in:name", "per_page": "2", "page": "1"}).respond_with_json(
        page(item(1), item(2), total=4)
    )
    httpserver.expect_request(SEARCH, query_string={"q": "x in:name", "per_page": "2", "page": "2"}).respond_with_json(
        page(item(3), item(4), total=4)
    )
    assert len(list(source(httpserver, clock, page_size=2, max_pages=9, detail_limit=0).search("x"))) == 4
    assert len(httpserver.log) == 2  # the total is reached: no third request
    httpserver.clear_log()
    assert len(list(source(httpserver, clock, page_size=2, max_pages=1, detail_limit=0).search("x"))) == 2
    assert len(httpserver.log) == 1


def test_anonymous_search_has_its_own_budget(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1), item(2), total=10))
    httpserver.expect_request("/gh/users/user1").respond_with_json(user(1))
    httpserver.expect_request("/gh/users/user2").respond_with_json(user(2))
    src = source(httpserver, clock, page_size=2, max_pages=2)
    assert len(list(src.search("x"))) == 2  # the second page repeats the first: no new profiles
    # Profile requests go straight out; the second search waits 60 s / 10 searches.
    assert clock.sleeps == [6.0]
    times = src.http.request_times(httpserver.url_for("/"))
    assert [round(t - times[0], 3) for t in times] == [0, 0, 0, 6.0]


def test_search_never_sends_the_token(httpserver, clock, monkeypatch, caplog):
    """GitHub's OpenAPI description (github/rest-api-description,
    descriptions/api.github.com/api.github.com.2022-11-28.yaml, operation ``search/users``): "This
    endpoint does not accept authentication". So search keeps the unauthenticated budget of 10 a
    minute (docs "Rate limits for the REST API"), while ``/users/{username}`` carries the token."""
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    for n in (1, 2, 3):
        httpserver.expect_request(
            SEARCH, query_string={"q": "x in:name", "per_page": "1", "page": str(n)}, headers=API_HEADERS
        ).respond_with_json(page(item(n), total=3))
    auth = {**API_HEADERS, "Authorization": f"Bearer {TOKEN}"}
    httpserver.expect_request("/gh/users/user1", headers=auth).respond_with_json(user(1))
    src = source(httpserver, clock, page_size=1, max_pages=5, token_env="GH_TOKEN", detail_limit=1)
    with caplog.at_level(logging.DEBUG):
        profiles = list(src.search("x"))
    assert [p.handle for p in profiles] == ["user1", "user2", "user3"]
    searches = [r for r, _ in httpserver.log if r.path == SEARCH]
    assert len(searches) == 3 and not any("Authorization" in r.headers for r in searches)
    assert [r.headers.get("Authorization") for r, _ in httpserver.log if r.path != SEARCH] == [f"Bearer {TOKEN}"]
    assert clock.sleeps == [6.0, 6.0]  # 10 searches a minute, token or not
    assert TOKEN not in caplog.text
    httpserver.check_assertions()


def test_repeated_page_stops_paging(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1), total=50))
    assert len(list(source(httpserver, clock, page_size=1, max_pages=5, detail_limit=0).search("x"))) == 1
    assert len(httpserver.log) == 2


def test_search_budget_spent_is_rate_limited(httpserver):
    """With the tests' usual max_wait of 1 s, the 6 s between anonymous searches is too long."""
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1), total=5))
    net = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
    config = SourceConfig(
        name="gh", type="github", base_url=httpserver.url_for("/gh"), page_size=1, options={"detail_limit": 0}
    )
    with pytest.raises(RateLimited, match="budget spent"):
        list(GitHubSource(config, HttpClient(net)).search("x"))
    assert len(httpserver.log) == 1


def test_lookup_found(httpserver, clock):
    httpserver.expect_request("/gh/users/jdoe", headers=API_HEADERS).respond_with_json(user(7, login="JDoe"))
    profile = source(httpserver, clock).lookup("@jdoe")
    assert profile is not None and profile.handle == "jdoe" and profile.platform_id == "5007"
    assert clock.sleeps == []  # not a search: no search budget
    httpserver.check_assertions()


def test_lookup_not_found_is_none(httpserver, clock):
    httpserver.expect_request("/gh/users/nobody").respond_with_json(
        {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}, status=404
    )
    assert source(httpserver, clock).lookup("nobody") is None


def test_lookup_of_impossible_login_asks_nothing(httpserver, clock):
    assert source(httpserver, clock).lookup("jane.doe") is None
    assert source(httpserver, clock).lookup("../admin") is None
    assert httpserver.log == []


def test_lookup_404_page_that_is_not_the_api_is_unknown(httpserver, clock):
    httpserver.expect_request("/gh/users/nobody").respond_with_data("<html>nginx</html>", status=404)
    with pytest.raises(SourceError, match="HTTP 404"):
        source(httpserver, clock).lookup("nobody")


def test_lookup_answer_that_is_not_a_user(httpserver, clock):
    httpserver.expect_request("/gh/users/jdoe").respond_with_json({"login": "jdoe"})
    with pytest.raises(ParseError, match="not a user"):
        source(httpserver, clock).lookup("jdoe")


def test_user_gone_since_the_search_is_skipped(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1), item(2)))
    httpserver.expect_request("/gh/users/user1").respond_with_json({"message": "Not Found"}, status=404)
    httpserver.expect_request("/gh/users/user2").respond_with_json(user(2))
    assert [p.handle for p in source(httpserver, clock).search("x")] == ["user2"]


RESET = str(int(time.time()) + 3600)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "text"),
    [
        (
            403,
            {"message": "API rate limit exceeded for 127.0.0.1."},
            {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": RESET},
            RateLimited,
            "rate limit",
        ),
        (
            429,
            {"message": "API rate limit exceeded"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": RESET},
            RateLimited,
            "rate limited",
        ),
        (
            403,
            {"message": "You have exceeded a secondary rate limit."},
            {"retry-after": "60", "x-ratelimit-remaining": "25"},
            RateLimited,
            "secondary rate limit",
        ),
        (429, {"message": "slow down"}, {"Retry-After": "120"}, RateLimited, "retry after 120s"),
        (403, {"message": "Forbidden"}, {"x-ratelimit-remaining": "42"}, SourceBlocked, "access refused"),
        (401, {"message": "Bad credentials"}, {}, SourceBlocked, "Bad credentials"),
        (422, {"message": "Validation Failed", "errors": []}, {}, SourceError, "HTTP 422: Validation Failed"),
        (502, "<html>unicorn</html>", {}, SourceUnavailable, "HTTP 502"),
        (200, "<html>Sign in</html>", {"Content-Type": "text/html"}, SourceBlocked, "HTML page"),
        (200, '{"total_count": 3, "items": [', {}, ParseError, "not valid JSON"),
        (200, {"total_count": 3}, {}, ParseError, "no 'items' list"),
        (200, {"total_count": 0, "incomplete_results": True, "items": []}, {}, SourceUnavailable, "incomplete"),
    ],
)
def test_errors_are_unknown_never_empty_answers(httpserver, clock, status, body, headers, error, text):
    data = body if isinstance(body, str) else json.dumps(body)
    httpserver.expect_request(SEARCH).respond_with_data(
        data, status=status, headers=headers, content_type=headers.get("Content-Type", "application/json")
    )
    with pytest.raises(error, match=text):
        list(source(httpserver, clock).search("x"))


# The body of every GitHub error (OpenAPI ``basic-error``: message, documentation_url), worded as
# GitHub words a secondary limit; docs: "an error message that indicates that you exceeded a
# secondary rate limit".
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api",
}


def limit_headers(remaining, resource="search", limit=10, reset_in=60):
    """The ``x-ratelimit-*`` headers GitHub sends with every answer (docs: "Checking the status of
    your rate limit"); the reset is in UTC epoch seconds."""
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(limit - remaining),
        "x-ratelimit-reset": str(int(time.time()) + reset_in),
        "x-ratelimit-resource": resource,
    }


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_without_retry_after_holds_the_host_a_minute(httpserver, clock, status):
    """GitHub docs, "Rate limits for the REST API", Exceeding the rate limit (github/docs
    content/rest/using-the-rest-api/rate-limits-for-the-rest-api.md): a secondary limit is a 403 or
    429 whose message says so; with no ``retry-after`` and requests remaining, "wait for at least
    one minute before retrying". Every call meanwhile fails without asking GitHub."""
    httpserver.expect_request(SEARCH).respond_with_json(SECONDARY, status=status, headers=limit_headers(9))
    src = source(httpserver, clock)
    with pytest.raises(RateLimited):
        list(src.search("Jane Doe"))
    clock.now += 59
    with pytest.raises(RateLimited, match="wait"):
        list(src.search("Jane Doe"))
    with pytest.raises(RateLimited, match="wait"):
        src.lookup("jdoe")
    with pytest.raises(RateLimited, match="wait"):
        src.fetch("5007", "jdoe")
    assert len(httpserver.log) == 1 and clock.sleeps == []  # nothing sent, nothing waited
    clock.now += 2
    httpserver.expect_request("/gh/users/jdoe").respond_with_json(user(7, login="jdoe"))
    assert src.lookup("jdoe").handle == "jdoe"
    assert [r.path for r, _ in httpserver.log] == [SEARCH, "/gh/users/jdoe"]


@pytest.mark.parametrize(
    ("make_headers", "held", "free"),
    [
        (lambda: {"retry-after": "90", **limit_headers(57, "core", 60)}, 89, 91),
        (lambda: limit_headers(0, "core", 60, reset_in=120), 115, 125),
    ],
    ids=["retry-after", "x-ratelimit-reset"],
)
def test_secondary_limit_waits_as_long_as_the_headers_say(httpserver, clock, make_headers, held, free):
    """Same docs section: with ``retry-after``, not before that many seconds; with
    ``x-ratelimit-remaining: 0``, not before ``x-ratelimit-reset`` (UTC epoch seconds, made when
    the test runs: the reset is a moment on the wall clock, not a delay)."""
    headers = make_headers()
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(SECONDARY, status=403, headers=headers)
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(user(7, login="jdoe"))
    src = source(httpserver, clock)
    with pytest.raises(RateLimited, match="secondary rate limit"):
        src.lookup("jdoe")
    clock.now += held
    with pytest.raises(RateLimited, match="wait"):
        src.lookup("jdoe")
    assert len(httpserver.log) == 1
    clock.now += free - held
    assert src.lookup("jdoe").handle == "jdoe"
    httpserver.check_assertions()


def test_plain_403_is_blocked_and_holds_nothing(httpserver, clock):
    """A ``basic-error`` 403 that is no rate limit (requests remaining, no ``retry-after``, no
    secondary-limit message) is access refused; the next call asks again at once."""
    forbidden = {"message": "Forbidden", "documentation_url": "https://docs.github.com/rest"}
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(
        forbidden, status=403, headers=limit_headers(42, "core", 60)
    )
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(user(7, login="jdoe"))
    src = source(httpserver, clock)
    with pytest.raises(SourceBlocked, match="access refused") as refused:
        src.lookup("jdoe")
    assert not isinstance(refused.value, RateLimited)
    assert src.lookup("jdoe").handle == "jdoe"
    httpserver.check_assertions()


def test_suspended_accounts_are_not_there(httpserver, clock):
    """GitHub's OpenAPI description (api.github.com.2022-11-28.yaml): ``user-search-result-item``
    has ``suspended_at`` (date-time, nullable); GitHub Enterprise Server's ``public-user`` has it
    too. Set means suspended: skipped in search, None from lookup and fetch."""
    httpserver.expect_request(SEARCH).respond_with_json(
        page(item(1, suspended_at="2026-05-01T12:00:00Z"), item(2, suspended_at=None), item(3))
    )
    httpserver.expect_request("/gh/users/user2").respond_with_json(user(2, suspended_at=None))
    # Suspended between the search and the profile request.
    httpserver.expect_request("/gh/users/user3").respond_with_json(user(3, suspended_at="2026-06-02T08:30:00Z"))
    src = source(httpserver, clock)
    assert [p.handle for p in src.search("x")] == ["user2"]
    assert [r.path for r, _ in httpserver.log] == [SEARCH, "/gh/users/user2", "/gh/users/user3"]
    suspended = user(7, login="jdoe", suspended_at="2026-05-01T12:00:00Z")
    httpserver.expect_request("/gh/users/jdoe").respond_with_json(suspended)
    httpserver.expect_request("/gh/user/5007").respond_with_json(suspended)
    assert src.lookup("jdoe") is None
    assert src.fetch("5007", "jdoe") is None


def test_bots_are_skipped_with_a_reason(httpserver, clock, caplog):
    """GitHub's OpenAPI description: a user's ``type`` is one of ``Bot``, ``User``,
    ``Organization`` (the user objects of simple-user and the webhook payloads); a GitHub App acts
    through a bot user whose login ends in ``[bot]``. Not people: skipped, and the log says so."""
    httpserver.expect_request(SEARCH).respond_with_json(
        page(item(1, login="renovate[bot]", type="Bot"), item(2, login="helper-app", type="Bot"), item(3))
    )
    httpserver.expect_request("/gh/users/user3").respond_with_json(user(3))
    httpserver.expect_request("/gh/user/5009").respond_with_json(user(9, login="octo-app", type="Bot"))
    src = source(httpserver, clock)
    with caplog.at_level(logging.INFO, logger="sources.github"):
        assert [p.handle for p in src.search("x")] == ["user3"]
        assert src.lookup("dependabot[bot]") is None
        assert src.fetch("5009", "octo-app") is None
    assert [r.path for r, _ in httpserver.log] == [SEARCH, "/gh/users/user3", "/gh/user/5009"]
    said = [r.getMessage() for r in caplog.records if r.name == "sources.github" and r.levelno == logging.INFO]
    for login in ("renovate[bot]", "helper-app", "dependabot[bot]", "octo-app"):
        assert any(f"@{login}: a bot" in line for line in said), login


def test_rate_limit_on_a_profile_fails_the_query(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(page(item(1)))
    httpserver.expect_request("/gh/users/user1").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": RESET},
    )
    src = source(httpserver, clock)
    with pytest.raises(RateLimited):
        list(src.search("x"))
    with pytest.raises(RateLimited, match="wait"):  # the host stays paused until the reset
        src.lookup("user1")
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(("status", "headers"), [(502, {}), (500, {}), (429, {"Retry-After": "5"})])
def test_retries_then_answers(httpserver, clock, status, headers):
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(
        {"message": "busy"}, status=status, headers=headers
    )
    httpserver.expect_ordered_request("/gh/users/jdoe").respond_with_json(user(1, login="jdoe"))
    assert source(httpserver, clock).lookup("jdoe").handle == "jdoe"
    if headers:
        assert clock.sleeps == [5.0]
    httpserver.check_assertions()


def test_hostile_fields_are_cleaned_or_dropped(httpserver, clock):
    httpserver.expect_request(SEARCH).respond_with_json(
        page(item(1), item(2, login="../admin"), item(3, id="5003"), item(4, id=True), "junk", item(5), total=6)
    )
    httpserver.expect_request("/gh/users/user1").respond_with_json(
        user(
            1,
            name="Maria\u202e aicraG\r\nBcc: x@y.example\x1b[31m",
            bio="a\n\x07b\u2066",
            company=["not", "text"],
            blog="javascript:alert(1)",
            twitter_username="bad name",
            avatar_url="file:///etc/passwd",
            html_url="https://github.com/user1\r\nX: y",
        )
    )
    httpserver.expect_request("/gh/users/user5").respond_with_json(
        user(5, blog="mailto:x@y.example", name=7, bio=None, company="  Example   USD ")
    )
    first, fifth = source(httpserver, clock).search("x")
    assert first.display_name == "Maria aicraG Bcc: x@y.example [31m"
    assert first.description == "a\nb"
    assert first.links == () and first.avatar_url is None and first.profile_url == ""
    assert fifth.display_name == "" and fifth.description == "Example USD" and fifth.links == ()
    assert [r.path for r, _ in httpserver.log] == [SEARCH, "/gh/users/user1", "/gh/users/user5"]


def test_default_rate_is_the_anonymous_limit():
    assert (GitHubSource.default_rate.requests, GitHubSource.default_rate.seconds) == (60, 3600)


# --- fetch: a profile asked again by its id (the re-checks), alone ------------------------------


def github(httpserver) -> GitHubSource:
    config = SourceConfig(name="gh", type="github", base_url=httpserver.url_for("/gh"))
    return GitHubSource(config, HttpClient(NET))


GH_USER = {"login": "JaneD", "id": 5001, "html_url": "https://github.com/JaneD", "name": "Jane Doe", "type": "User"}


def test_github_fetch_by_id_and_by_login(httpserver):
    httpserver.expect_request("/gh/user/5001").respond_with_json(GH_USER)
    httpserver.expect_request("/gh/users/janed").respond_with_json(GH_USER)
    httpserver.expect_request("/gh/user/5002").respond_with_json({"message": "Not Found"}, status=404)
    source = github(httpserver)
    profile = source.fetch("5001", "renamed-since")
    assert (profile.platform_id, profile.handle, profile.display_name) == ("5001", "janed", "Jane Doe")
    assert json.loads(profile.raw) == GH_USER and profile.raw_type == "application/json"
    assert source.fetch("not-an-id", "janed").platform_id == "5001"
    assert source.fetch("5002", "gone") is None


@pytest.mark.parametrize(
    "status, body, headers, error",
    [
        (404, "<html>not here</html>", {}, SourceError),
        (403, {"message": "API rate limit exceeded"}, {"x-ratelimit-remaining": "0"}, RateLimited),
        (500, {"message": "Server Error"}, {}, SourceUnavailable),
        (200, {"login": "other", "id": 6000}, {}, ParseError),
    ],
)
def test_github_fetch_unknown_is_never_gone(httpserver, status, body, headers, error):
    kwargs = {"content_type": "application/json"} if isinstance(body, dict) else {"content_type": "text/html"}
    data = json.dumps(body) if isinstance(body, dict) else body
    httpserver.expect_request("/gh/user/5001").respond_with_data(data, status=status, headers=headers, **kwargs)
    with pytest.raises(error):
        github(httpserver).fetch("5001", "janed")
