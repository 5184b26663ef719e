"""The HTTP layer is polite: per-host rates, Retry-After, rate-limit headers, bounded retries, robots.txt.

Politeness is measured from the server's own request times, not from the client's intentions.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from sources.client import HttpClient
from sources.rate_limits import Rate
from watcher.config import NetworkConfig
from watcher.demo.server import LocalServer, send, send_json
from watcher.errors import ImageError, ParseError, RateLimited, SourceBlocked, SourceUnavailable, UnsafeURL

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=3)


class Scripted(LocalServer):
    """Answers each path from a queue of (status, body, headers); the last answer repeats."""

    def __init__(self, script: dict[str, list[tuple[int, object, dict[str, str]]]], host: str = "127.0.0.1") -> None:
        super().__init__(host=host)
        self.script = script

    def route(self, request, path, params) -> bool:
        if path not in self.script:
            return False
        answers = self.script[path]
        status, body, headers = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
            send(request, status, data, headers.pop("Content-Type", "text/plain"), headers)
        else:
            send_json(request, status, body, headers)
        return True


def ok(body=None, **headers):
    return (200, {"ok": True} if body is None else body, headers)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


class FakeTime:
    """The client's clock and sleep: a wait moves the clock on, at once. Gaps are then measured
    where the client decides them, never against a busy machine's scheduling."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def paced_client() -> HttpClient:
    fake = FakeTime()
    return HttpClient(NET, sleep=fake.sleep, clock=fake.clock)


def test_no_host_is_called_faster_than_its_rate():
    with Scripted({"/api": [ok()]}) as server:
        http = paced_client()
        http.trust(server.origin, Rate(10, 1, burst=1))
        for _ in range(6):
            http.get_json(server.origin + "/api")
        sent = http.request_times(server.origin)
    assert len(server.request_times) == len(sent) == 6
    assert min(gaps(sent)) >= 0.1 - 1e-9


def test_bursts_then_the_rate():
    with Scripted({"/api": [ok()]}) as server:
        http = paced_client()
        http.trust(server.origin, Rate(5, 1, burst=3))
        for _ in range(5):
            http.get_json(server.origin + "/api")
        sent = http.request_times(server.origin)
    # Three at once, then one every 0.2 s.
    assert len(server.request_times) == 5
    assert gaps(sent[:3]) == [0.0, 0.0] and sent[-1] - sent[0] >= 0.4 - 1e-9
    assert min(gaps(sent[2:])) >= 0.2 - 1e-9


def test_a_prefix_budget_applies_on_top_of_the_host_rate():
    with Scripted({"/search/users": [ok()], "/users/x": [ok()]}) as server:
        http = paced_client()
        http.trust(server.origin, Rate(100, 1, burst=100))
        http.limit(server.origin + "/search/", Rate(4, 1, burst=1))
        for _ in range(3):
            http.get_json(server.origin + "/search/users")
            http.get_json(server.origin + "/users/x")
        sent = http.request_times(server.origin)
    searches = [t for t, p in zip(sent, server.requests, strict=True) if p.startswith("/search/")]
    assert len(searches) == 3 and min(gaps(searches)) >= 0.25 - 1e-9


def test_a_spent_budget_is_rate_limited_without_a_request():
    with Scripted({"/api": [ok()]}) as server:
        http = HttpClient(NET)
        http.trust(server.origin, Rate(1, 3600))  # one an hour: the second must wait far beyond max_wait
        http.get_json(server.origin + "/api")
        with pytest.raises(RateLimited, match="request budget spent"):
            http.get_json(server.origin + "/api")
    assert len(server.requests) == 1


def test_retry_after_is_honoured():
    with Scripted({"/api": [(429, {"error": "RateLimitExceeded"}, {"Retry-After": "1"}), ok()]}) as server:
        http = paced_client()
        assert http.get_json(server.origin + "/api") == {"ok": True}
        sent = http.request_times(server.origin)
    assert len(server.request_times) == len(sent) == 2 and gaps(sent)[0] >= 1.0 - 1e-9


def test_retry_after_too_long_is_unknown_and_pauses_the_host():
    with Scripted({"/api": [(429, {"error": "RateLimitExceeded"}, {"Retry-After": "3600"})]}) as server:
        http = HttpClient(NET)
        with pytest.raises(RateLimited, match="retry after 3600s"):
            http.get_json(server.origin + "/api")
        with pytest.raises(RateLimited, match="asked us to wait"):
            http.get_json(server.origin + "/api")
    assert len(server.requests) == 1  # the second call never reached the server


@pytest.mark.parametrize(
    ("header", "reset"),
    [
        # Resets given as times are read against the wall clock: 2 to 3 s ahead leaves a busy machine 1.5 s.
        ("X-RateLimit", lambda: (datetime.now(UTC) + timedelta(seconds=2)).isoformat()),  # Mastodon: ISO 8601
        ("X-RateLimit", lambda: str(int(time.time()) + 3)),  # GitHub: epoch seconds
        ("RateLimit", lambda: "1"),  # the IETF draft: seconds from now
    ],
)
def test_exhausted_rate_limit_headers_pause_the_host(header, reset):
    first = ok(**{f"{header}-Limit": "300", f"{header}-Remaining": "0", f"{header}-Reset": reset()})
    with Scripted({"/api": [first, ok()]}) as server:
        http = paced_client()
        http.get_json(server.origin + "/api")
        http.get_json(server.origin + "/api")
        sent = http.request_times(server.origin)
    assert len(server.request_times) == 2 and gaps(sent)[0] >= 0.5


def test_a_spent_api_budget_pauses_the_api_not_the_pictures_and_back():
    reset = (datetime.now(UTC) + timedelta(seconds=600)).isoformat()
    spent = ok(**{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    picture = (200, b"\x89PNG fake", {"Content-Type": "image/png"})
    refused = (429, b"slow down", {"Content-Type": "text/plain", "Retry-After": "600"})
    with Scripted({"/api": [spent], "/avatar.png": [picture], "/busy.png": [refused]}) as server:
        http = HttpClient(NET)
        http.get_json(server.origin + "/api")
        assert http.fetch_image(server.origin + "/avatar.png").data == b"\x89PNG fake"  # pictures go on
        with pytest.raises(RateLimited, match="asked us to wait"):
            http.get_json(server.origin + "/api")  # the API waits for its reset
        with pytest.raises(ImageError):
            http.fetch_image(server.origin + "/busy.png")  # a media server's own 429 pauses its pictures
        with pytest.raises(ImageError, match="asked us to wait"):
            http.fetch_image(server.origin + "/avatar.png")
    assert [p for p in server.requests if p.startswith("/api")] == ["/api"]


def test_server_errors_are_retried_a_bounded_number_of_times():
    with Scripted(
        {"/flaky": [(502, "bad gateway", {}), (503, "busy", {}), ok()], "/down": [(500, "down", {})]}
    ) as server:
        http = HttpClient(NET)
        assert http.get_json(server.origin + "/flaky") == {"ok": True}
        with pytest.raises(SourceUnavailable, match="HTTP 500"):
            http.get_json(server.origin + "/down")
    assert server.requests.count("/flaky") == 3
    assert server.requests.count("/down") == 1 + NET.retries


def test_truncated_and_oversized_answers():
    big = json.dumps({"actors": ["x" * 1000] * 3000})
    with Scripted(
        {"/cut": [(200, '{"actors": [', {"Content-Type": "application/json"})], "/big": [(200, big, {})]}
    ) as server:
        http = HttpClient(NET)
        with pytest.raises(ParseError, match="not valid JSON"):
            http.get_json(server.origin + "/cut")
        with pytest.raises(ParseError, match="larger than 2000000 bytes"):
            http.get_json(server.origin + "/big")


def test_robots_txt_is_obeyed_for_pages():
    robots = "User-agent: *\nDisallow: /private/\n"
    script = {
        "/robots.txt": [(200, robots, {})],
        "/private/jane": [ok()],
        "/jane": [(200, "<html>hi</html>", {"Content-Type": "text/html"})],
    }
    with Scripted(script) as server:
        http = HttpClient(NET)
        with pytest.raises(SourceBlocked, match=r"robots\.txt does not allow /private/jane"):
            http.get_page(server.origin + "/private/jane", trusted=True)
        assert http.get_page(server.origin + "/jane", trusted=True).text == "<html>hi</html>"
        http.get_page(server.origin + "/jane", trusted=True)
    assert "/private/jane" not in server.requests
    assert server.requests.count("/robots.txt") == 1  # read once per host


def test_robots_txt_missing_allows_and_broken_refuses():
    with Scripted(
        {"/robots.txt": [(404, "", {})], "/jane": [(200, "<p>hi</p>", {"Content-Type": "text/html"})]}
    ) as server:
        assert HttpClient(NET).get_page(server.origin + "/jane", trusted=True).status == 200
    with Scripted({"/robots.txt": [(500, "", {})], "/jane": [ok()]}) as server:
        with pytest.raises(SourceUnavailable, match=r"robots\.txt could not be read"):
            HttpClient(NET).get_page(server.origin + "/jane", trusted=True)
        assert "/jane" not in server.requests


def test_rate_parsing():
    assert Rate.parse("300/5m") == Rate(300, 300)
    assert Rate.parse("10/1m,burst=5") == Rate(10, 60, 5)
    assert Rate.parse("60/1h").interval == 60
    for bad in ("fast", "0/1s", "10/0s", "10/xm"):
        with pytest.raises(ValueError, match="must"):
            Rate.parse(bad)


@pytest.fixture
def canary():
    """A server on another loopback address that must never be called."""
    with Scripted({"/steal": [ok()]}, host="127.0.0.2") as server:
        yield server
        assert server.requests == [], "a refused address was contacted"


def test_ssrf_guard_end_to_end_never_contacts_refused_addresses(canary):
    strict = HttpClient(NetworkConfig(timeout=2, retry_backoff=0.01))
    with Scripted({"/api": [(302, "", {"Location": canary.origin + "/steal"})]}) as server:
        strict.trust(server.origin)
        with pytest.raises(SourceBlocked, match="refused address"):
            strict.get_json(server.origin + "/api")
    with pytest.raises(UnsafeURL):
        strict.fetch_image(canary.origin + "/steal")
    with pytest.raises(UnsafeURL):
        strict.get_page(canary.origin + "/steal")
